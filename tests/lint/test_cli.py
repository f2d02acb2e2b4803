"""`migcheck lint` and `migcheck baseline` as a user (or pre-commit) runs them."""

from __future__ import annotations

import json

import pytest
from lintkit import Project, revision

from migcheck.cli import main

INSERT = "op.execute(\"INSERT INTO colors (name) VALUES ('x')\")"


@pytest.fixture
def dirty(project: Project) -> Project:
    project.with_base()
    project.step(INSERT)
    return project


def test_clean_project_exits_0(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.with_base()
    assert main(["lint", "."]) == 0
    assert capsys.readouterr().out == "migcheck lint: no findings in 1 revision file(s)\n"


def test_findings_print_one_line_each_and_gate_on_fail_on(
    dirty: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "alembic.ini"]) == 0  # a warning does not reach the default "error"
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "migrations/versions/0002_step.py:11: MC701 warning INSERT into table colors has no "
        "ON CONFLICT or existence check: on a database that has the rows it fails or "
        "duplicates them"
    )
    assert out[1].startswith("    fix: add ON CONFLICT")
    assert out[-1] == "migcheck lint: 1 finding(s) (1 warning) in 2 revision file(s)"
    assert main(["lint", ".", "--fail-on", "warning"]) == 1


def test_fail_on_from_pyproject(dirty: Project) -> None:
    dirty.pyproject('[tool.migcheck]\nfail-on = "warning"\n')
    assert main(["lint", "."]) == 1
    assert main(["lint", ".", "--fail-on", "error"]) == 0


def test_only_named_files_are_reported(dirty: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", ".", "migrations/versions/0001_base.py", "--fail-on", "info"]) == 0
    assert "no findings in 1 revision file(s)" in capsys.readouterr().out


def test_json_format(dirty: Project, capsys: pytest.CaptureFixture[str]) -> None:
    main(["lint", ".", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert document["files"] == 2
    [finding] = document["findings"]
    assert finding["code"] == "MC701"
    assert finding["severity"] == "warning"
    assert finding["location"] == {
        "path": "migrations/versions/0002_step.py",
        "line": 11,
        "revision": "0002",
    }
    assert finding["sql"] == "INSERT INTO colors (name) VALUES ('x')"


def test_baseline_then_only_new_findings_fail(
    dirty: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "."]) == 0
    assert (dirty.root / ".migcheck-baseline.json").is_file()
    assert main(["lint", ".", "--fail-on", "warning"]) == 0
    assert "1 more recorded in the baseline" in capsys.readouterr().out
    dirty.add(
        "0003_more",
        revision("0003", "0002", INSERT.replace("colors", "sizes").replace("name", "id")),
    )
    assert main(["lint", ".", "--fail-on", "warning"]) == 1
    assert main(["lint", ".", "--fail-on", "warning", "--no-baseline"]) == 1
    out = capsys.readouterr().out
    assert "0003_more.py" in out


def test_baseline_output_option(dirty: Project) -> None:
    assert main(["baseline", ".", "--output", "b.json"]) == 0
    assert main(["lint", ".", "--fail-on", "warning", "--baseline", "b.json"]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lint", "nowhere"], "nowhere: no such file or folder"),
        (["lint", ".", "missing.py"], "missing.py: no such revision file"),
        (["lint", ".", "--baseline", "none.json"], "none.json: no such baseline file"),
        (["lint", ".", "--select", "X1"], "'X1' is not a code"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    project: Project, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    project.with_base()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_revision_with_python_syntax_error(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.with_base()
    project.add("0002_broken", "revision = '0002'\ndown_revision = '0001'\ndef upgrade(:\n")
    assert main(["lint", "."]) == 2
    assert capsys.readouterr().err == (
        "migcheck: error: migrations/versions/0002_broken.py:3: syntax error in revision file "
        "(invalid syntax); fix it and retry\n"
    )
