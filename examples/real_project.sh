#!/usr/bin/env bash
# The worked example (docs/worked-example.md): optuna's Alembic history, as shipped in its
# wheel from PyPI, replayed and checked by `migcheck run` on an embedded PostgreSQL.
#
# Installs optuna and this checkout of migcheck into a venv of their own (default
# /tmp/migcheck-optuna-venv; not the dev venv), then runs migcheck with zero configuration.
# Usage: examples/real_project.sh [VENV] [OPTUNA_VERSION]   (default version: 5.0.0)
# Exit status: migcheck's (1: the history has blocking findings, as documented).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-/tmp/migcheck-optuna-venv}
version=${2:-5.0.0}

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q "optuna==$version" -e "$here"

ini=$("$venv/bin/python" -c 'import optuna, pathlib; print(pathlib.Path(optuna.__file__).parent / "storages/_rdb/alembic.ini")')
cd "$(dirname "$ini")"
exec "$venv/bin/migcheck" run alembic.ini --server embedded \
    --json "${MIGCHECK_JSON:-/tmp/optuna-migcheck.json}" "${@:3}"
