"""MC702 across revisions: a looked-up row inserted by an ancestor is there, others may not be."""

from __future__ import annotations

from lintkit import Project, revision

WHITE = "op.execute(\"INSERT INTO colors (name) VALUES ('White') ON CONFLICT DO NOTHING\")"
IVORY = (
    "op.execute(\"INSERT INTO colors (name, parent_id) VALUES ('Ivory', "
    "(SELECT id FROM colors WHERE name = 'White')) ON CONFLICT DO NOTHING\")"
)


def lookup_findings(project: Project) -> list[str | None]:
    """Revisions MC702 fires in."""
    return [f.location.revision for f in project.lint() if f.code == "MC702"]


def test_row_inserted_by_an_ancestor(project: Project) -> None:
    project.with_base()
    project.add("0002_white", revision("0002", "0001", WHITE))
    project.add("0003_other", revision("0003", "0002", 'op.execute("SELECT 1")'))
    project.add("0004_ivory", revision("0004", "0003", IVORY))
    assert lookup_findings(project) == []


def test_row_bulk_inserted_by_an_ancestor(project: Project) -> None:
    project.with_base()
    bulk = (
        'colors = sa.table("colors", sa.column("name"))\n'
        'op.bulk_insert(colors, [{"name": "White"}])'
    )
    project.add("0002_white", revision("0002", "0001", bulk))
    project.add("0003_ivory", revision("0003", "0002", IVORY))
    assert lookup_findings(project) == []


def test_row_inserted_by_nobody(project: Project) -> None:
    project.with_base()
    project.add("0002_black", revision("0002", "0001", WHITE.replace("White", "Black")))
    project.add("0003_ivory", revision("0003", "0002", IVORY))
    assert lookup_findings(project) == ["0003"]


def test_row_of_another_table_with_the_same_value(project: Project) -> None:
    project.with_base()
    project.add("0002_plan", revision("0002", "0001", WHITE.replace("colors", "plans")))
    project.add("0003_ivory", revision("0003", "0002", IVORY))
    assert lookup_findings(project) == ["0003"]


def test_row_inserted_on_a_sibling_branch(project: Project) -> None:
    project.with_base()
    project.add("0002_white", revision("0002", "0001", WHITE))
    project.add("0003_ivory", revision("0003", "0001", IVORY))
    project.add("0004_merge", revision("0004", ("0002", "0003"), "pass", "pass"))
    assert lookup_findings(project) == ["0003"]


def test_row_inserted_by_a_later_revision(project: Project) -> None:
    project.with_base()
    project.add("0002_ivory", revision("0002", "0001", IVORY))
    project.add("0003_white", revision("0003", "0002", WHITE))
    assert lookup_findings(project) == ["0002"]


def test_row_inserted_by_a_merged_branch(project: Project) -> None:
    """After a merge, rows of both branches are there."""
    project.with_base()
    project.add("0002_white", revision("0002", "0001", WHITE))
    project.add("0003_other", revision("0003", "0001", 'op.execute("SELECT 1")'))
    project.add("0004_merge", revision("0004", ("0002", "0003"), "pass", "pass"))
    project.add("0005_ivory", revision("0005", "0004", IVORY))
    assert lookup_findings(project) == []
