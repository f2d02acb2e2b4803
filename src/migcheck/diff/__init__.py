"""Diff: compare a reference snapshot with the replay's, and blame revisions for differences."""

from migcheck.diff import rules
from migcheck.diff.blame import blame
from migcheck.diff.compare import COLUMN_ORDER_MODES, DiffOptions, diff_snapshots
from migcheck.diff.difference import CHANGED, EXTRA, MISSING, Difference
from migcheck.diff.report import render_text, to_finding

__all__ = [
    "CHANGED",
    "COLUMN_ORDER_MODES",
    "EXTRA",
    "MISSING",
    "DiffOptions",
    "Difference",
    "blame",
    "diff_snapshots",
    "render_text",
    "rules",
    "to_finding",
]
