"""Fixtures for the report tests: hand-built results, real replays of the sample histories
(normalised so they can be golden files), and a fixed rule catalogue."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import report_samples

from migcheck.model import RunResult, ServerInfo
from migcheck.project import load_project
from migcheck.replay.runner import ReplayOptions, replay
from migcheck.report import common
from migcheck.result import new_result

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_migrations"
GOLDEN = Path(__file__).parent / "golden"
SAMPLE_HISTORIES = ("clean_shop", "colors_broken", "colors_guarded", "multi_tenant")


@pytest.fixture(autouse=True)
def fixture_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Golden files must not change when someone registers or rewords a real rule."""
    monkeypatch.setattr(common, "catalogue", lambda: report_samples.RULES)


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/report/golden/NAME; MIGCHECK_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("MIGCHECK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path}; run with MIGCHECK_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs; if intended, rerun with MIGCHECK_UPDATE_GOLDEN=1"


def normalise(result: RunResult) -> RunResult:
    """Replace what varies between machines and runs (times, server) by fixed values."""
    result.started_at = "2026-01-12T09:30:00+00:00"
    result.tool_version = "0.1.0"
    result.server = ServerInfo(kind="embedded", version="16", description="embedded PostgreSQL")
    total = 0.0
    for revision in result.revisions:
        for step in (revision.upgrade, revision.downgrade):
            if step is None:
                continue
            for statement in step.statements:
                statement.duration_ms = 2.0
            step.duration_ms = 5.0 + 2.0 * len(step.statements)
            total += step.duration_ms
    result.duration_ms = total + 100.0
    return result


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


@pytest.fixture(scope="session")
def replayed_samples(server) -> dict[str, RunResult]:
    """Each sample history replayed once on the session's server, paths relative to the repo."""
    results = {}
    with working_directory(REPO):
        for name in SAMPLE_HISTORIES:
            if not (SAMPLES / name).is_dir():
                continue
            sys.modules.pop("models", None)  # each sample's env.py imports its own models.py
            project = load_project(SAMPLES / name)
            result = new_result("replay", project, server)
            result.revisions = replay(project, server, ReplayOptions())
            results[name] = normalise(result)
    return results
