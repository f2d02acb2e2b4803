"""`--since GIT_REF`: in a pull request, hold only the revisions it adds to error level.

The whole history is still replayed (a new revision can only be verified on top of the old
ones), but an old revision's problems are not the pull request's fault: its findings are
capped at warning, so they are shown without failing the gate. "New" means the revision file
was added since the merge base with GIT_REF, is staged as added, or is untracked.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterable
from pathlib import Path

from migcheck.errors import InputError
from migcheck.model import Finding, RunResult, Severity


def added_files(ref: str, cwd: Path | None = None) -> set[Path]:
    """Resolved paths of the files added since `ref` (committed, staged or untracked)."""
    folder = cwd or Path.cwd()
    root = Path(_git(folder, "rev-parse", "--show-toplevel").strip())
    if _git_status(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") != 0:
        raise InputError(
            f"--since {ref}: no such commit in {root}; fetch it first "
            "(in GitHub Actions: actions/checkout with fetch-depth: 0)"
        )
    names = [
        *_git(root, "diff", "--name-only", "--diff-filter=A", "-z", f"{ref}...HEAD").split("\0"),
        *_git(root, "diff", "--name-only", "--diff-filter=A", "-z", "--cached").split("\0"),
        *_git(root, "ls-files", "--others", "--exclude-standard", "-z").split("\0"),
    ]
    return {(root / name).resolve() for name in names if name}


def new_revisions(result: RunResult, ref: str, cwd: Path | None = None) -> frozenset[str]:
    """Ids of the result's revisions whose files were added since `ref`."""
    folder = cwd or Path.cwd()
    added = added_files(ref, folder)
    return frozenset(r.revision for r in result.revisions if (folder / r.path).resolve() in added)


def demote(findings: Iterable[Finding], new_revision_ids: Iterable[str]) -> list[Finding]:
    """Findings of older revisions capped at warning; new and history-wide ones unchanged."""
    new = set(new_revision_ids)
    kept = []
    for finding in findings:
        revision = finding.location.revision
        if revision is not None and revision not in new and finding.severity is Severity.ERROR:
            finding = dataclasses.replace(
                finding,
                severity=Severity.WARNING,
                details={**finding.details, "demoted_from": "error"},
            )
        kept.append(finding)
    return kept


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise InputError("--since needs git, and git is not installed") from None
    if done.returncode != 0:
        message = " ".join(done.stderr.split()) or f"git {' '.join(args)} failed"
        raise InputError(f"--since: {message}")
    return done.stdout


def _git_status(cwd: Path, *args: str) -> int:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60
    ).returncode
