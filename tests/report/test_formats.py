"""Each format read back the way its consumer reads it: SARIF against the official schema,
JUnit parsed as XML, JSON against docs/result.schema.json, workflow commands escaped."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import report_samples
from jsonschema import Draft4Validator, Draft202012Validator

from migcheck.model import Finding, Location, RunResult, Severity
from migcheck.report import github, html, junit, markdown, sarif, terminal
from migcheck.report import json as json_report

HERE = Path(__file__).parent
RESULT_SCHEMA = HERE.parents[1] / "docs" / "result.schema.json"
SARIF_SCHEMA = HERE / "sarif-schema-2.1.0.json"  # OASIS SARIF 2.1.0 errata01; see SARIF_SCHEMA.md


def all_results(replayed_samples: dict[str, RunResult]) -> list[tuple[str, RunResult]]:
    hand_built = [(name, build()) for name, build in report_samples.SAMPLES.items()]
    return hand_built + sorted(replayed_samples.items())


def test_sarif_is_valid_against_the_official_schema(replayed_samples) -> None:
    validator = Draft4Validator(
        json.loads(SARIF_SCHEMA.read_text()), format_checker=Draft4Validator.FORMAT_CHECKER
    )
    for name, result in all_results(replayed_samples):
        errors = [e.message for e in validator.iter_errors(json.loads(sarif.render(result)))]
        assert not errors, f"{name}: {errors[:5]}"


def test_sarif_results_point_at_revision_lines_with_rule_metadata() -> None:
    log = json.loads(sarif.render(report_samples.broken()))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["MC101", "MC301", "MC801", "MC999"]
    for entry in run["results"]:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    location = by_rule["MC999"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("9f8e7d6c5b4a_rename_sizes.py")
    assert location["region"] == {"startLine": 23}
    # a finding with only a revision points at that revision's file
    index = by_rule["MC801"]["locations"][0]["physicalLocation"]
    assert index["artifactLocation"]["uri"].endswith("3c4d5e6f1a2b_orders_by_customer.py")
    assert rules[1]["help"]["markdown"].startswith("A guard that checks")
    assert rules[1]["defaultConfiguration"] == {"level": "error"}
    assert by_rule["MC301"]["level"] == "warning"  # demoted by --since
    assert by_rule["MC301"]["properties"]["details"]["demoted_from"] == "error"
    assert "%7C" in by_rule["MC301"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_sarif_reports_failures_no_finding_explains(replayed_samples) -> None:
    if "colors_broken" not in replayed_samples:
        pytest.skip("sample_migrations/colors_broken does not exist yet")
    run = json.loads(sarif.render(replayed_samples["colors_broken"]))["runs"][0]
    failures = [r for r in run["results"] if r["ruleId"] == "replay-failure"]
    assert [f["locations"][0]["physicalLocation"]["region"]["startLine"] for f in failures] == [
        35,
        25,
    ]
    assert run["tool"]["driver"]["rules"][-1]["id"] == "replay-failure"


def test_junit_parses_back_with_a_testcase_per_check_and_revision() -> None:
    root = ET.fromstring(junit.render(report_samples.broken()))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["upgrade", "data", "graph", "lint", "stairway"]
    revisions = 6
    assert len(suites["upgrade"]) == revisions
    assert len(suites["lint"]) == revisions + 1  # + the history-wide testcase
    cases = root.iter("testcase")
    assert int(root.get("tests")) == sum(1 for _ in cases)
    assert int(root.get("failures")) == len(root.findall(".//failure"))
    failed = {c.get("name"): c for c in suites["upgrade"] if c.find("failure") is not None}
    assert list(failed) == ["9f8e7d6c5b4a rename sizes"]
    failure = failed["9f8e7d6c5b4a rename sizes"].find("failure")
    assert failure.get("type") == "missing_object"
    assert "9f8e7d6c5b4a_rename_sizes.py:23" in failure.text
    skipped = [c for c in suites["upgrade"] if c.find("skipped") is not None]
    assert skipped[0].find("skipped").get("message") == "9f8e7d6c5b4a failed"
    graph = {c.get("name"): c for c in suites["graph"]}
    assert graph["history"].find("failure").get("type") == "MC101"
    # below the gate: kept as output, not a failure
    lint = {c.get("name"): c for c in suites["lint"]}
    orders = lint["3c4d5e6f1a2b orders by customer"]
    assert orders.find("failure") is None
    assert "MC801" in orders.find("system-out").text
    assert int(suites["stairway"].get("failures")) == 0


def test_junit_follows_the_gate() -> None:
    result = report_samples.broken()
    result.extras["gate"]["fail_on"] = "warning"
    root = ET.fromstring(junit.render(result))
    lint = {c.get("name"): c for c in root.find("testsuite[@name='lint']")}
    assert lint["3c4d5e6f1a2b orders by customer"].find("failure") is not None


def test_json_matches_the_documented_schema_and_round_trips(replayed_samples) -> None:
    validator = Draft202012Validator(json.loads(RESULT_SCHEMA.read_text()))
    for name, result in all_results(replayed_samples):
        data = json.loads(json_report.render(result))
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
        assert not errors, f"{name}: {errors[:5]}"
        assert RunResult.from_dict(data) == result


def test_workflow_commands_are_escaped() -> None:
    result = report_samples.clean()
    result.findings = [
        Finding(
            code="MC801",
            severity=Severity.WARNING,
            message="100% of rows\nrewritten",
            location=Location("versions/a,b:c.py", 7, "a1b2c3d4e5f6"),
        )
    ]
    lines = github.render(result).splitlines()
    annotation = next(line for line in lines if line.startswith("::warning "))
    assert annotation == (
        "::warning file=versions/a%2Cb%3Ac.py,line=7,title=MC801 index-not-concurrent"
        "::100%25 of rows%0Arewritten"
    )
    assert lines[0].startswith("::group::migcheck run passed")
    assert "::endgroup::" in lines


def test_github_annotates_failed_revisions_without_a_finding(replayed_samples) -> None:
    if "colors_broken" not in replayed_samples:
        pytest.skip("sample_migrations/colors_broken does not exist yet")
    errors = [
        line
        for line in github.render(replayed_samples["colors_broken"]).splitlines()
        if line.startswith("::error ")
    ]
    assert len(errors) == 2
    assert any("20260106_1400_rename_sizes_to_sizes_normalized.py,line=25" in e for e in errors)


def test_markdown_comment_is_bounded_and_escaped() -> None:
    result = report_samples.broken()
    template = result.findings[1]
    result.findings += [
        Finding(
            code=template.code,
            severity=Severity.INFO,
            message=f"finding {n}",
            location=template.location,
        )
        for n in range(markdown.MAX_FINDINGS + 10)
    ]
    text = markdown.render(result)
    assert text.startswith(markdown.MARKER + "\n")
    assert text.count("- 🔵 **info**") + text.count("- 🟡") + text.count("- 🔴") == 50
    assert "… and 15 more findings" in text
    assert "seed colors \\| guarded" in text


def test_terminal_colour_is_the_plain_text_styled() -> None:
    result = report_samples.broken()
    coloured = terminal.render(result, color=True)
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == terminal.render(result)


def test_colour_only_on_a_tty_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert terminal.use_color(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not terminal.use_color(Tty())


def test_progress_is_silent_when_not_a_tty(tmp_path: Path) -> None:
    with (tmp_path / "log").open("w") as stream, terminal.replay_progress(3, stream) as tick:
        tick("a1 create colors")
        tick("b2 seed colors")
    assert (tmp_path / "log").read_text() == ""


def test_html_is_self_contained_and_escaped() -> None:
    page = html.render(report_samples.broken())
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "rename leaves &lt;sizes&gt; &amp; its" in page
    assert page.count('class="finding ') == 6  # 5 findings + 1 failed step
