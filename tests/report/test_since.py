"""`--since GIT_REF` on a real git repository: which revisions are new, and the demotion."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest
import report_samples

from migcheck.cli.outputs import add_output_arguments, emit
from migcheck.errors import EXIT_FINDINGS, EXIT_OK, InputError
from migcheck.model import Finding, Location, RevisionResult, Severity, Status
from migcheck.since import demote, new_revisions


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main has a1 and b2; the feature branch commits c3, stages d4 and leaves e5 untracked."""
    versions = tmp_path / "versions"
    versions.mkdir()
    git(tmp_path, "init", "-q", "-b", "main")
    for name in ("a1", "b2"):
        (versions / f"{name}.py").write_text(name)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "base")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    (versions / "c3.py").write_text("c3")
    (versions / "b2.py").write_text("b2 modified: not new")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "feature")
    (versions / "d4.py").write_text("d4")
    git(tmp_path, "add", "versions/d4.py")
    (versions / "e5.py").write_text("e5")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def result_for(names: list[str]):
    result = report_samples.clean()
    result.revisions = [
        RevisionResult(revision=n, path=f"versions/{n}.py", status=Status.OK) for n in names
    ]
    result.extras.clear()
    result.findings = [
        Finding("MC801", Severity.ERROR, f"problem in {n}", Location(revision=n)) for n in names
    ]
    return result


def test_new_revisions_are_committed_staged_or_untracked_additions(repo: Path) -> None:
    result = result_for(["a1", "b2", "c3", "d4", "e5"])
    assert new_revisions(result, "main") == {"c3", "d4", "e5"}


def test_demote_caps_only_older_revisions_at_warning() -> None:
    findings = [
        Finding("MC801", Severity.ERROR, "old", Location(revision="a1")),
        Finding("MC801", Severity.ERROR, "new", Location(revision="c3")),
        Finding("MC801", Severity.INFO, "old info", Location(revision="a1")),
        Finding("MC101", Severity.ERROR, "history-wide"),
    ]
    demoted = demote(findings, {"c3"})
    assert [f.severity for f in demoted] == [
        Severity.WARNING,
        Severity.ERROR,
        Severity.INFO,
        Severity.ERROR,
    ]
    assert demoted[0].details == {"demoted_from": "error"}
    assert findings[0].severity is Severity.ERROR  # the input is left alone


def test_emit_since_holds_only_new_revisions_to_error(repo: Path, capsys) -> None:
    parser = argparse.ArgumentParser()
    add_output_arguments(parser)
    only_old = result_for(["a1", "b2"])
    assert emit(only_old, parser.parse_args(["--since", "main"])) == EXIT_OK
    assert only_old.extras["gate"] == {"fail_on": "error", "since": "main", "new_revisions": []}
    with_new = result_for(["a1", "b2", "c3"])
    assert emit(with_new, parser.parse_args(["--since", "main"])) == EXIT_FINDINGS
    out = capsys.readouterr().out
    assert "c3" in out and "  new" in out


def test_unknown_ref_and_no_repository_are_input_errors(repo: Path, tmp_path_factory) -> None:
    with pytest.raises(InputError, match="no such commit"):
        new_revisions(result_for(["a1"]), "origin/nope")
    elsewhere = tmp_path_factory.mktemp("not-a-repo")
    with pytest.raises(InputError, match="not a git repository"):
        new_revisions(result_for(["a1"]), "main", cwd=elsewhere)
