"""A stairway shared by two processes (halves.py) finds exactly what one process finds."""

from __future__ import annotations

import sys

import pytest
from runkit import SAMPLES, run
from test_run_samples import with_reference

from migcheck.checks import halves
from migcheck.model import RunResult

# env.py comparing the project's models.py (as `alembic check` would)
MODELS_ENV = """
import sys
from pathlib import Path

from alembic import context

sys.path.insert(0, str(Path(__file__).resolve().parent))
from models import metadata  # noqa: E402

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
"""


def outcome(result: RunResult) -> tuple[list[tuple], list[tuple]]:
    """Every finding in full, and each revision's statuses and statement counts."""
    findings = [
        (f.code, f.severity, f.location.revision, f.location.line, f.subject, f.message)
        for f in result.findings
    ]
    revisions = [
        (
            r.revision,
            r.status,
            r.skipped_because,
            None if r.upgrade is None else len(r.upgrade.statements),
            None if r.downgrade is None else r.downgrade.status,
        )
        for r in result.revisions
    ]
    return findings, revisions


@pytest.mark.parametrize("sample", ["clean_shop", "colors_broken", "colors_guarded"])
def test_split_stairway_finds_what_one_process_finds(server, sample: str) -> None:
    # colors_broken fails in its first half (its descendants are skipped in both halves);
    # with a reference, the reference differences are blamed across the split.
    options = vars(with_reference(server, sample))
    alone = run(server, SAMPLES / sample, **{**options, "split_at": 0})
    assert alone.findings or sample == "clean_shop"
    count = len(alone.revisions)
    for split_at in (3, count - 2):
        shared = run(server, SAMPLES / sample, **{**options, "split_at": split_at})
        assert outcome(shared) == outcome(alone), f"split at {split_at}"
        assert shared.extras["second_process_from"] == alone.revisions[split_at].revision
    assert "second_process_from" not in alone.extras
    with server.admin() as conn:
        left = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
            (f"migcheck_{server.run_id}h",),
        ).fetchall()
    assert left == []  # the second process dropped its database


def test_models_are_compared_by_the_process_that_reaches_the_head(
    server, history, monkeypatch
) -> None:
    monkeypatch.delitem(sys.modules, "models", raising=False)  # other tests' models
    table = 'op.create_table("t{0}", sa.Column("id", sa.Integer, primary_key=True))'
    revisions = {f"r{i}": (f"r{i - 1}" if i else None, table.format(i)) for i in range(6)}
    root = history(env=MODELS_ENV, **revisions)
    (root / "models.py").write_text(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        'sa.Table("t0", metadata, sa.Column("id", sa.Integer, primary_key=True),'
        ' sa.Column("extra", sa.Text))\n'
    )
    alone = run(server, root, "models", split_at=0)
    shared = run(server, root, "models", split_at=4)
    assert outcome(shared) == outcome(alone)
    assert shared.extras["second_process_from"] == "r4"
    assert ("MC503", "column t0.extra") in [(f.code, f.subject) for f in shared.findings]


def test_split_point_pays_for_the_second_process(monkeypatch) -> None:
    monkeypatch.setattr(halves, "_cores", lambda: 2)
    assert halves.split_point(20) is None  # too short: the second process costs more
    start = halves.split_point(200)
    assert start is not None and 100 < start < 180  # the first part takes more revisions
    assert halves.split_point(1000) < 1000 * 0.7
    monkeypatch.setattr(halves, "_cores", lambda: 1)
    assert halves.split_point(1000) is None
