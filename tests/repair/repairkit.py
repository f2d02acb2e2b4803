"""Helpers for the repair tests: projects with a ruff-clean revision template, references
written as SQL, golden revision files, ruff on generated files, the CLI in-process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from migcheck.cli import main
from migcheck.diff import DiffOptions
from migcheck.diff.workflow import Against
from migcheck.project import load_project
from migcheck.repair.revision import DEFAULT_MESSAGE, Repair, repair
from migcheck.replay.runner import ReplayOptions
from migcheck.snapshot import SnapshotOptions

GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLES = Path(__file__).resolve().parents[2] / "sample_migrations"

# The import lines: sqlalchemy only when the body uses it, then what the body needs.
_IMPORTS = (
    '${"\\n".join(line for line in ("import sqlalchemy as sa" if "sa." in '
    '(upgrades or "") + (downgrades or "") else "", "from alembic import op", '
    'imports or "") if line)}'
)

# A revision template as a project formatted with ruff would keep it (Alembic's stock one
# uses typing.Union and single quotes, and imports sqlalchemy even when unused).
TEMPLATE = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""

from collections.abc import Sequence

<imports>

# revision identifiers, used by Alembic.
revision: str = "${up_revision}"
down_revision: str | Sequence[str] | None = ${'"%s"' % down_revision if down_revision else None}
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''.replace("<imports>", _IMPORTS)


def base_revision(upgrade_sql: str, downgrade_sql: str = "") -> str:
    """Upgrade and downgrade bodies running SQL (for the `history` fixture)."""
    up = "\n".join(f"op.execute({s.strip()!r})" for s in upgrade_sql.split(";") if s.strip())
    down = "\n".join(f"op.execute({s.strip()!r})" for s in downgrade_sql.split(";") if s.strip())
    return up or "pass", down or "pass"


def with_template(root: Path) -> Path:
    (root / "script.py.mako").write_text(TEMPLATE)
    return root


def write_reference(path: Path, sql: str) -> Path:
    path.write_text(textwrap.dedent(sql).strip() + "\n")
    return path


def repair_project(server, root: Path, reference: Path, rev_id: str = "r9", **kw) -> Repair:
    """`migcheck repair` as a library call on the session server."""
    against = Against(
        str(reference), SnapshotOptions(natural_keys=kw.pop("natural_keys", {})), DiffOptions()
    )
    return repair(
        load_project(root),
        server,
        ReplayOptions(),
        against,
        kw.pop("message", DEFAULT_MESSAGE),
        rev_id,
        kw.pop("dry_run", False),
    )


def normalised(text: str) -> str:
    return re.sub(r"^Create Date: .*$", "Create Date: <date>", text, flags=re.M)


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/repair/golden/NAME; MIGCHECK_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    text = normalised(text)
    if os.environ.get("MIGCHECK_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.is_file(), f"no golden file {path}; run with MIGCHECK_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs; if intended, MIGCHECK_UPDATE_GOLDEN=1"


RUFF_RULES = "E,F,W,I,B,UP,SIM,RUF"


def assert_ruff_clean(path: Path) -> None:
    """`ruff check` (this repository's rule selection) and `ruff format --check`, with
    ruff's default line length, on a generated file."""
    common = ["--isolated", "--line-length", "88", "--target-version", "py311"]
    checks = [
        [sys.executable, "-m", "ruff", "check", *common, "--select", RUFF_RULES, str(path)],
        [sys.executable, "-m", "ruff", "format", *common, "--check", "--diff", str(path)],
    ]
    for command in checks:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI in-process; (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
