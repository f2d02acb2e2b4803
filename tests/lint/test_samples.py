"""Lint over every sample history, with the exact findings each must give."""

from __future__ import annotations

from pathlib import Path

import pytest

from migcheck.config import load_settings
from migcheck.lint import lint_project
from migcheck.project import locate_project
from migcheck.selection import prepare

SAMPLES = Path(__file__).resolve().parents[2] / "sample_migrations"

EXPECTED = {
    "clean_shop": [],
    "multi_tenant": [],
    "colors_broken": [
        ("20260106_1400_rename_sizes_to_sizes_normalized.py", 24, "MC903"),
        ("20260107_2142_add_parent_color_and_new_colors.py", 25, "MC807"),
        ("20260107_2142_add_parent_color_and_new_colors.py", 36, "MC701"),
        ("20260113_1200_add_indigo_color.py", 26, "MC701"),
        ("20260113_1200_add_indigo_color.py", 26, "MC702"),
    ],
    "colors_guarded": [
        ("20260106_1400_rename_sizes_to_sizes_normalized.py", 62, "MC903"),
        ("20260107_2142_add_parent_color_and_new_colors.py", 44, "MC807"),
        ("20260113_1200_add_indigo_color.py", 47, "MC702"),
    ],
}


def test_every_sample_has_expectations() -> None:
    present = {p.name for p in SAMPLES.iterdir() if (p / "alembic.ini").is_file()}
    assert present == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_findings(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES / name)
    files = locate_project(".")
    findings, count = lint_project(files, load_settings(files.root))
    found = [
        (Path(f.location.path or "").name, f.location.line, f.code)
        for f in prepare(findings, load_settings(files.root))
    ]
    assert count == len(files.revision_files())
    assert found == EXPECTED[name]
