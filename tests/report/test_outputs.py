"""Several reports from one result, written atomically; the gate's exit codes; `migcheck
report` re-rendering a saved result; GitHub Actions defaults."""

from __future__ import annotations

import argparse
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import report_samples

from migcheck.cli import main
from migcheck.cli.outputs import add_output_arguments, emit
from migcheck.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputError
from migcheck.report import outputs
from migcheck.report.outputs import OutputSpec, parse_output


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_output_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture(autouse=True)
def outside_github(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def test_parse_output_specs() -> None:
    assert parse_output("junit:out/report.xml") == OutputSpec("junit", Path("out/report.xml"))
    assert parse_output("audit.html") == OutputSpec("html", Path("audit.html"))
    assert parse_output("audit.out", "html") == OutputSpec("html", Path("audit.out"), False)
    with pytest.raises(InputError, match="say which format"):
        parse_output("report.out")
    with pytest.raises(InputError, match="give a path"):
        parse_output("sarif:")


def test_several_outputs_from_one_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = parse(
        "--output",
        f"junit:{tmp_path}/report.xml",
        "--output",
        f"sarif:{tmp_path}/sub/migcheck.sarif",
        "-o",
        str(tmp_path / "result.json"),
    )
    code = emit(report_samples.clean(), args)
    assert code == EXIT_OK
    ET.parse(tmp_path / "report.xml")
    assert json.loads((tmp_path / "sub" / "migcheck.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((tmp_path / "result.json").read_text())["command"] == "run"
    out, err = capsys.readouterr()
    assert "3 revisions: 3 applied" in out  # stdout keeps the terminal view
    assert f"wrote the junit report to {tmp_path}/report.xml" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "migcheck.sarif",
        "report.xml",
        "result.json",
        "sub",
    ]


def test_a_failing_renderer_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    def broken(result: object) -> str:
        raise RuntimeError("renderer bug")

    monkeypatch.setitem(outputs.FORMATS, "sarif", broken)
    args = parse("--output", f"junit:{tmp_path}/a.xml", "--output", f"sarif:{tmp_path}/b.sarif")
    with pytest.raises(RuntimeError):
        emit(report_samples.clean(), args)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_write_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "report.xml"
    target.write_text("old")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        outputs.write_atomically(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xml"]


def test_a_device_or_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # first, so the writer does not block
    try:
        outputs.write_atomically(fifo, "through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert not fifo.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("error", EXIT_FINDINGS), ("warning", EXIT_FINDINGS), ("never", EXIT_OK)],
)
def test_exit_code_follows_fail_on(fail_on: str, expected: int, capsys) -> None:
    assert emit(report_samples.broken(), parse("--fail-on", fail_on)) == expected


def test_warnings_pass_at_error_and_fail_at_warning(capsys) -> None:
    result = report_samples.broken()
    result.findings = [f for f in result.findings if f.severity.value != "error"]
    result.revisions = [r for r in result.revisions if r.status.value == "ok"]
    assert emit(result, parse()) == EXIT_OK
    assert emit(result, parse("--fail-on", "warning")) == EXIT_FINDINGS
    assert "\npassed (fails on error;" in capsys.readouterr().out


def test_format_with_bare_output_moves_the_report_off_stdout(tmp_path: Path, capsys) -> None:
    emit(report_samples.clean(), parse("--format", "html", "-o", str(tmp_path / "audit.html")))
    assert capsys.readouterr().out == ""
    assert (tmp_path / "audit.html").read_text().startswith("<!DOCTYPE html>")


def test_github_actions_default_and_job_summary(tmp_path: Path, monkeypatch, capsys) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = emit(report_samples.broken(), parse())
    assert code == EXIT_FINDINGS
    out = capsys.readouterr().out
    assert out.startswith("::group::migcheck run failed")
    assert "::error file=sample_migrations/colors/alembic.ini" in out
    text = summary.read_text()
    assert text.startswith("earlier step\n<!-- migcheck:report -->")


def test_report_rerenders_a_saved_result(tmp_path: Path, capsys) -> None:
    saved = tmp_path / "result.json"
    saved.write_text(report_samples.broken().to_json())
    audit = tmp_path / "audit.html"
    code = main(["report", str(saved), "--format", "html", "-o", str(audit), "--fail-on", "never"])
    assert code == EXIT_OK
    assert "rename sizes" in audit.read_text()
    assert main(["report", str(saved), "--format", "markdown"]) == EXIT_FINDINGS
    assert "## ❌ migcheck run failed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot be read"),
        ("{not json", "not JSON"),
        ('{"hello": 1}', "not a migcheck result"),
        ('{"command": "run", "revisions": [], "schema_version": 99}', "schema_version 99"),
    ],
)
def test_report_input_errors_exit_2(tmp_path: Path, capsys, content, message) -> None:
    path = tmp_path / "result.json"
    if content is not None:
        path.write_text(content)
    assert main(["report", str(path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("migcheck: error:") and message in err
    assert "Traceback" not in err
