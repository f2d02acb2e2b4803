"""The sample histories end to end through `run_checks` and the `migcheck run` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from runkit import SAMPLES, found, run

from migcheck.checks.pipeline import RunOptions
from migcheck.cli.run import _reference
from migcheck.model import Status


def with_reference(server, name: str) -> RunOptions:
    options = RunOptions()
    options.reference = _reference(str(SAMPLES / name / "reference.sql"), server, options)
    return options


def test_clean_shop_has_no_finding_of_any_severity(server) -> None:
    options = with_reference(server, "clean_shop")
    result = run(server, SAMPLES / "clean_shop", **vars(options))
    assert found(result.findings) == []
    assert all(r.status is Status.OK for r in result.revisions)
    assert all(r.downgrade.status is Status.OK for r in result.revisions)
    assert result.extras["graph"] == {"heads": ["f8a4c0e6d2b1"], "merge_points": ["6c2a9e4f0d87"]}


def test_colors_broken_child_row_before_parent(server) -> None:
    result = run(server, SAMPLES / "colors_broken", "data")
    assert found(result.findings) == [
        ("MC307", "20260102_0900", "rerun duplicate_object"),
        ("MC307", "20260102_0930", "rerun duplicate_object"),
        (
            "MC301",
            "20260107_2142",
            "row product_attributes.colors(name_en='Off-white', hex_code='#FAF9F6', "
            "parent_color_id=7)",
        ),
        (
            "MC302",
            "20260113_1200",
            "row product_attributes.colors(name_en='Indigo', hex_code='#4B0082') parent_color_id",
        ),
        ("MC305", "20260113_1200", "rerun unique_violation"),
    ]
    child = next(f for f in result.findings if f.code == "MC301")
    assert "child row inserted before its parent" in child.message
    assert "references product_attributes.colors id=7" in child.message
    assert child.location.path.endswith("20260107_2142_add_parent_color_and_new_colors.py")


def test_colors_guarded_is_skipped_on_a_fresh_database(server) -> None:
    options = with_reference(server, "colors_guarded")
    result = run(
        server,
        SAMPLES / "colors_guarded",
        "data",
        "reference",
        **{k: v for k, v in vars(options).items() if k != "checks"},
    )
    skipped = [f for f in result.findings if f.code == "MC303"]
    assert [(f.location.revision, f.details["rows"]) for f in skipped] == [
        ("20260107_2142", ["product_attributes.colors(name_en='Off-white')"]),
        ("20260113_1200", ["product_attributes.colors(name_en='Indigo')"]),
    ]
    assert "parent_color='White'" in skipped[0].message
    assert all(r.status is Status.OK for r in result.revisions)


def test_run_command_gates_and_writes_json(server, tmp_path) -> None:
    url = server.url("postgres", "default").render_as_string(hide_password=False)
    out = tmp_path / "result.json"
    command = [
        sys.executable,
        "-m",
        "migcheck",
        "run",
        str(SAMPLES / "colors_broken"),
        "--server",
        url,
        "--select",
        "MC3",
        "--format",
        "json",
        "--json",
        str(out),
        "--no-baseline",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"}
    )
    assert done.returncode == 1, done.stderr
    data = json.loads(out.read_text())
    assert {f["code"] for f in data["findings"]} >= {"MC301", "MC302"}
    assert all(f["code"].startswith("MC3") for f in data["findings"])
