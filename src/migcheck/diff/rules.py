"""MC6xx: differences between the reference dump and a fresh replay."""

from __future__ import annotations

from migcheck.model import Severity
from migcheck.rules import Rule, register

_REGENERATE = "regenerate the reference with `migcheck dump`, or fix the revision blamed"

OBJECT_MISSING = register(
    Rule(
        code="MC601",
        name="object-missing-after-replay",
        severity=Severity.ERROR,
        summary="An object of the reference dump does not exist after replaying every revision.",
        why=(
            "Tests that load the dump run against a schema production never gets: the object "
            "was created by hand on a developer database, or by a revision that no longer runs."
        ),
        bad="reference.sql creates index ix_colors_name; no revision creates it",
        good="a revision creates ix_colors_name, or the reference is regenerated without it",
        fix="add a revision that creates it, or " + _REGENERATE,
    )
)
OBJECT_EXTRA = register(
    Rule(
        code="MC602",
        name="extra-object-after-replay",
        severity=Severity.ERROR,
        summary="The replay creates an object the reference dump does not have.",
        why="The dump tests load is older than the history: tests miss a table, column or index.",
        bad="revision 3f2a adds colors.hex_code; reference.sql has no such column",
        good="reference.sql regenerated after 3f2a",
        fix=_REGENERATE,
    )
)
OBJECT_CHANGED = register(
    Rule(
        code="MC603",
        name="object-differs-after-replay",
        severity=Severity.ERROR,
        summary="An object exists on both sides but one of its attributes differs.",
        why="Type, nullability, defaults or definitions seen by tests are not production's.",
        bad="column colors.parent_color_id: integer in reference, bigint after replay",
        good="both integer",
        fix=_REGENERATE,
    )
)
COLUMN_ORDER = register(
    Rule(
        code="MC604",
        name="column-order-differs",
        severity=Severity.INFO,
        summary="A table's columns are in a different order in the reference and after replay.",
        why="Harmless unless code relies on SELECT * or positional INSERTs.",
        fix="regenerate the reference if the order matters to you",
    )
)
ROW_MISSING = register(
    Rule(
        code="MC611",
        name="reference-row-missing-after-replay",
        severity=Severity.ERROR,
        summary="A row of a reference table in the dump is not there after replay.",
        why=(
            "A fresh database (production's next environment, CI) lacks data the tests rely "
            "on: typically a data migration skipped because a parent row did not exist yet."
        ),
        bad="row colors(name_en='Off-white', parent_color='White'): in reference, missing",
        good="a revision inserts Off-white after White exists",
        fix="make a revision insert the row on a fresh database, or " + _REGENERATE,
    )
)
ROW_EXTRA = register(
    Rule(
        code="MC612",
        name="extra-row-after-replay",
        severity=Severity.ERROR,
        summary="The replay inserts a row into a reference table that the dump does not have.",
        why="The dump tests load is older than the data migrations.",
        fix=_REGENERATE,
    )
)
ROW_CHANGED = register(
    Rule(
        code="MC613",
        name="reference-row-differs",
        severity=Severity.ERROR,
        summary="A reference row exists on both sides with different values.",
        why="Tests see values a fresh database does not have.",
        bad="row colors(name_en='Red'): hex '#FF0000' in reference, '#F00' after replay",
        fix="fix the data migration, or " + _REGENERATE,
    )
)
