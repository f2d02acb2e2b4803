"""The shipped .pre-commit-hooks.yaml, exercised by pre-commit itself (`pre-commit try-repo`).

try-repo installs the hook repository from git (HEAD plus tracked changes), so the test
commits a snapshot of this working tree - tracked and untracked, non-ignored files - into a
temporary repository and points try-repo at that. It installs migcheck into a fresh virtualenv
the way users get it, which takes a while the first time (pip's cache makes it quick after).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lintkit import BASE_DOWNGRADE, BASE_UPGRADE, revision

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None or shutil.which("git") is None,
    reason="needs the pre-commit package (pip install -e .[test]) and git",
)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "migcheck tests",
    "GIT_AUTHOR_EMAIL": "tests@migcheck.invalid",
    "GIT_COMMITTER_NAME": "migcheck tests",
    "GIT_COMMITTER_EMAIL": "tests@migcheck.invalid",
}


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def snapshot(target: Path) -> Path:
    """This working tree, as one commit of a new repository."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git("init", "-q", cwd=target)
    git("add", "-A", cwd=target)
    git("commit", "-q", "-m", "snapshot", cwd=target)
    return target


def test_lint_hook_through_try_repo(tmp_path: Path) -> None:
    hooks = snapshot(tmp_path / "migcheck")
    user = tmp_path / "user"
    versions = user / "migrations" / "versions"
    versions.mkdir(parents=True)
    (user / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (user / "migrations" / "env.py").write_text("from alembic import context\n")
    (versions / "0001_base.py").write_text(revision("0001", None, BASE_UPGRADE, BASE_DOWNGRADE))
    (versions / "0002_broken.py").write_text(revision("0002", "0001", 'op.execute("SELEC 1")'))
    git("init", "-q", cwd=user)
    git("add", "-A", cwd=user)

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hooks),
            "migcheck-lint",
            "--files",
            "migrations/versions/0001_base.py",
            "migrations/versions/0002_broken.py",
        ],
        cwd=user,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        timeout=900,
    )

    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert (
        "migrations/versions/0002_broken.py:11: MC913 error SQL does not parse: syntax error "
        'at or near "SELEC"' in output
    )
    assert "0001_base.py:" not in output
