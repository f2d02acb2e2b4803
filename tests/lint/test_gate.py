"""Ignore comments, [tool.migcheck] selection and baselines: the gate around every check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lintkit import Project

from migcheck import baseline, selection, suppress
from migcheck.config import Settings
from migcheck.errors import InputError
from migcheck.model import Finding, Location, Severity

INSERT = "op.execute(\"INSERT INTO colors (name) VALUES ('x')\")"


@pytest.mark.parametrize(
    "upgrade",
    [
        f"{INSERT}  # migcheck: ignore[MC701]",
        f"{INSERT}  # migcheck: ignore[MC7]",
        f"{INSERT}  # migcheck: ignore",
        "op.execute(  # migcheck: ignore[MC701]\n    \"INSERT INTO colors (name) VALUES ('x')\"\n)",
        "op.execute(\n    \"INSERT INTO colors (name) VALUES ('x')\"\n)  # migcheck: ignore[MC701]",
        'op.execute("""\n    -- migcheck: ignore[MC701]\n'
        '    INSERT INTO colors (name) VALUES (\'x\')\n""")',
    ],
)
def test_ignore_comment(project: Project, upgrade: str) -> None:
    project.with_base()
    project.step(upgrade)
    assert project.codes() == []
    assert [f.code for f in project.lint(raw=True)] == ["MC701"]


@pytest.mark.parametrize(
    "upgrade",
    [
        f"{INSERT}  # migcheck: ignore[MC702]",
        f"# migcheck: ignore[MC701]\n{INSERT}",
        f"{INSERT}  # ignore[MC701]",
    ],
)
def test_ignore_comment_elsewhere_does_not_silence(project: Project, upgrade: str) -> None:
    project.with_base()
    project.step(upgrade)
    assert project.codes() == ["MC701"]


def test_ignore_file(project: Project) -> None:
    project.with_base()
    project.step(f"{INSERT}\n{INSERT}", header="# migcheck: ignore-file[MC701, MC9]")
    assert project.codes() == []


def finding(code: str, path: str = "v/1.py", severity: Severity = Severity.WARNING) -> Finding:
    return Finding(code, severity, "m", Location(path, 1, "r1"), subject=f"s{code}")


def settings(tmp_path: Path, **raw: object) -> Settings:
    return Settings(root=tmp_path, source=tmp_path / "pyproject.toml", raw=raw)


def test_select_and_ignore_by_prefix_most_specific_wins(tmp_path: Path) -> None:
    found = [finding(c) for c in ("MC701", "MC702", "MC801", "MC901")]
    chosen = selection.Selection.from_settings(
        settings(tmp_path, select=["MC7", "MC901"], ignore=["MC70", "MC9"])
    )
    assert [f.code for f in chosen.apply(found)] == ["MC901"]
    chosen = selection.Selection.from_settings(settings(tmp_path, select=["MC701"], ignore=["MC7"]))
    assert [f.code for f in chosen.apply(found)] == ["MC701"]


def test_severity_regrade_and_fail_on(tmp_path: Path) -> None:
    chosen = selection.Selection.from_settings(
        settings(tmp_path, severity={"MC7": "info", "MC701": "error"})
    )
    graded = chosen.apply([finding("MC701"), finding("MC702")])
    assert [f.severity for f in graded] == [Severity.ERROR, Severity.INFO]
    assert selection.reaches(graded, Severity.ERROR)
    assert not selection.reaches(graded[1:], Severity.WARNING)


@pytest.mark.parametrize("key", ["fail-on", "fail_on"])
def test_fail_on_is_read_in_either_spelling(tmp_path: Path, key: str) -> None:
    configured = settings(tmp_path, **{key: "warning"})
    assert selection.configured_fail_on(configured) == "warning"
    assert selection.fail_on(configured) is Severity.WARNING
    assert selection.fail_on(configured, "info") is Severity.INFO  # the flag wins
    assert selection.configured_fail_on(settings(tmp_path)) is None
    assert selection.fail_on(settings(tmp_path)) is Severity.ERROR


def test_fail_on_given_twice_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="sets both fail-on and fail_on; keep fail-on"):
        selection.configured_fail_on(settings(tmp_path, **{"fail-on": "info", "fail_on": "error"}))


def test_per_file_ignores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    chosen = selection.Selection.from_settings(
        settings(tmp_path, **{"per-file-ignores": {"legacy/*.py": ["MC9"], "x.py": ["MC7"]}})
    )
    found = [finding("MC901", "legacy/a.py"), finding("MC701", "new/x.py"), finding("MC901")]
    assert [(f.code, f.location.path) for f in chosen.apply(found)] == [("MC901", "v/1.py")]


@pytest.mark.parametrize(
    "raw",
    [{"select": ["E501"]}, {"ignore": "MC701"}, {"severity": {"MC701": "fatal"}}],
)
def test_bad_selection_settings_are_input_errors(tmp_path: Path, raw: dict[str, object]) -> None:
    with pytest.raises(InputError):
        selection.Selection.from_settings(settings(tmp_path, **raw))


def test_baseline_round_trip_is_sorted_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    found = [finding("MC902"), finding("MC701"), finding("MC701")]
    baseline.write(found, path)
    data = json.loads(path.read_text())
    assert list(data["findings"]) == sorted(data["findings"])
    assert data["findings"]["MC701|r1|sMC701"] == 2
    new, known = baseline.load(path).filter([*found, finding("MC701"), finding("MC801")])
    assert known == 3
    assert [f.code for f in new] == ["MC701", "MC801"]
    baseline.write(found, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == path.read_text()


def test_baseline_missing_and_broken(tmp_path: Path) -> None:
    assert baseline.load(tmp_path / "none.json").counts == {}
    with pytest.raises(InputError, match="no such baseline"):
        baseline.load(tmp_path / "none.json", required=True)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="not a readable baseline"):
        baseline.load(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text('{"version": 99, "findings": {}}')
    with pytest.raises(InputError, match="not a migcheck baseline"):
        baseline.load(tmp_path / "other.json")


def test_default_baseline_path(tmp_path: Path) -> None:
    assert baseline.default_path(settings(tmp_path)) == tmp_path / ".migcheck-baseline.json"
    assert baseline.default_path(settings(tmp_path, baseline="ci/b.json")) == tmp_path / "ci/b.json"


def test_suppress_ignores_findings_without_a_file(tmp_path: Path) -> None:
    graph = Finding("MC101", Severity.ERROR, "two heads")
    assert suppress.apply([graph]) == [graph]
