"""Revision graph (MC1xx): every defect named with its file and line, merges listed."""

from __future__ import annotations

import pytest
from runkit import found, run

from migcheck.checks import graph
from migcheck.checks.pipeline import RunOptions, unloadable
from migcheck.errors import InputError
from migcheck.project import load_project


def report(root, allow_multiple_heads=False):
    project = load_project(root)
    nodes = graph.read_nodes(project.script, project.files.relative)
    return graph.check_graph(nodes, allow_multiple_heads)


def test_linear_history_has_no_graph_finding(history) -> None:
    root = history(a1=(None, "pass"), b2=("a1", "pass"), c3=("b2", "pass"))
    result = report(root)
    assert result.findings == []
    assert result.heads == ["c3"]
    assert result.merge_points == []


def test_merged_branches_are_listed_not_reported(history) -> None:
    root = history(
        a1=(None, "pass"), b2=("a1", "pass"), c3=("a1", "pass"), m4=(("b2", "c3"), "pass")
    )
    result = report(root)
    assert result.findings == []
    assert result.merge_points == ["m4"]


def test_multiple_heads_is_one_finding_on_the_newest_head(history) -> None:
    root = history(a1=(None, "pass"), b2=("a1", "pass"), c3=("a1", "pass"))
    result = report(root)
    assert found(result.findings) == [("MC101", "c3", "heads b2,c3")]
    finding = result.findings[0]
    assert finding.location.path.endswith("002_c3.py") and finding.location.line == 5
    assert "alembic merge" in finding.hint and "b2 c3" in finding.hint
    assert not result.broken


def test_multiple_heads_allowed_by_config(history) -> None:
    root = history(a1=(None, "pass"), b2=("a1", "pass"), c3=("a1", "pass"))
    assert report(root, allow_multiple_heads=True).findings == []


def test_duplicate_revision_id_names_both_files(history) -> None:
    root = history(a1=(None, "pass"), b2=("a1", "pass"))
    (root / "versions" / "009_b2_again.py").write_text(
        (root / "versions" / "001_b2.py").read_text()
    )
    result = report(root)
    assert found(result.findings) == [("MC104", "b2", "duplicate in 009_b2_again.py")]
    assert "001_b2.py" in result.findings[0].message
    assert result.broken


def test_duplicate_ids_stop_the_run_before_any_replay(history, server) -> None:
    root = history(a1=(None, "pass"), b2=("a1", "pass"))
    (root / "versions" / "009_b2_again.py").write_text(
        (root / "versions" / "001_b2.py").read_text()
    )
    result = run(server, root)
    assert [f.code for f in result.findings] == ["MC104"]
    assert result.revisions == []


def test_missing_down_revision_and_its_descendants(history) -> None:
    root = history(a1=(None, "pass"), b2=("zz9", "pass"), c3=("b2", "pass"))
    with pytest.raises(InputError):
        load_project(root)
    result = unloadable(str(root), RunOptions(), InputError("cannot load"))
    assert found(result.findings) == [
        ("MC102", "b2", "down_revision zz9"),
        ("MC105", "c3", "unreachable via b2"),
    ]
    assert result.findings[0].location.line == 6  # the down_revision line


def test_cycle_is_reported_once_with_its_chain(history) -> None:
    root = history(a1=("c3", "pass"), b2=("a1", "pass"), c3=("b2", "pass"), d4=("c3", "pass"))
    with pytest.raises(InputError):
        load_project(root)
    result = unloadable(str(root), RunOptions(), InputError("cannot load"))
    assert found(result.findings) == [
        ("MC103", "a1", "cycle a1,b2,c3"),
        ("MC105", "d4", "unreachable via c3"),
    ]
    assert "a1 -> c3 -> b2 -> a1" in result.findings[0].message


def test_unloadable_history_without_graph_defect_keeps_the_input_error(history) -> None:
    root = history(a1=(None, "pass"), b2=("a1", "pass"))
    (root / "versions" / "002_broken.py").write_text(
        "revision = 'c3'\ndown_revision = 'b2'\nx = (\n"
    )
    error = InputError("syntax error")
    with pytest.raises(InputError) as raised:
        unloadable(str(root), RunOptions(), error)
    assert raised.value is error
