"""Fixtures for lint tests (the helpers themselves are in lintkit.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lintkit import Project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


@pytest.fixture
def step_codes(project: Project) -> Callable[..., list[str]]:
    """Codes found in revision 0002 (upgrade body given) on top of the base tables."""
    project.with_base()

    def run(upgrade: str, **kwargs: str) -> list[str]:
        project.step(upgrade, **kwargs)
        return [f.code for f in project.lint() if f.location.revision == "0002"]

    return run
