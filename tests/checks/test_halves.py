"""A stairway shared by two processes (halves.py) finds exactly what one process finds."""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from runkit import SAMPLES, run
from test_run_samples import with_reference

from migcheck.checks import halves
from migcheck.cli import main
from migcheck.cli import run as run_command
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


def test_processes_agree_on_the_handover_while_they_run(server, monkeypatch) -> None:
    # Checks slowed down in the run's own process: the second one catches up and takes over
    # where both have as many revisions left, and the result is the one process's.
    monkeypatch.setattr(halves, "_SHORTEST", 1)  # decided here (the handover, in both)
    monkeypatch.setattr(halves, "_TAIL", 0)  # a short history: nothing left to take over
    options = vars(with_reference(server, "colors_guarded"))
    alone = run(server, SAMPLES / "colors_guarded", **{**options, "split_at": 0})
    shared = run(
        server,
        SAMPLES / "colors_guarded",
        **{**options, "on_revision": lambda _: time.sleep(0.6)},
    )
    assert outcome(shared) == outcome(alone)
    ids = [r.revision for r in alone.revisions]
    start = ids.index(shared.extras["second_process_from"])
    assert 0 < start < len(ids)


def test_run_command_starts_the_second_process_before_the_server(
    server, monkeypatch, tmp_path
) -> None:
    # `migcheck run` starts it while the server starts (SecondHalf.attach tells it later);
    # with a reference, what it checks keeps the snapshots that blame differences.
    url = server.url("postgres", "default").render_as_string(hide_password=False)
    sample = SAMPLES / "colors_guarded"

    def migcheck(name: str) -> dict:
        out = tmp_path / f"{name}.json"
        argv = ["run", str(sample), "--server", url, "--reference", str(sample / "reference.sql")]
        main([*argv, "--no-baseline", "--json", str(out)])
        return json.loads(out.read_text())

    alone = migcheck("alone")
    monkeypatch.setattr(halves, "_SHORTEST", 1)
    monkeypatch.setattr(halves, "_TAIL", 0)
    monkeypatch.setattr(run_command, "replay_progress", slowed_progress)
    shared = migcheck("shared")
    assert "second_process_from" in shared["extras"]
    assert shared["findings"] == alone["findings"]
    assert any(f["code"] == "MC303" for f in shared["findings"])  # blamed on reference rows
    assert [r["status"] for r in shared["revisions"]] == [r["status"] for r in alone["revisions"]]


@contextmanager
def slowed_progress(total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar that takes its time: the second process catches up and takes over."""
    yield lambda _: time.sleep(0.6)


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


def test_short_histories_and_single_cores_are_not_split(monkeypatch) -> None:
    monkeypatch.setattr(halves, "_cores", lambda: 2)
    assert not halves.worth_splitting(20)  # the second process would cost more than it saves
    assert halves.worth_splitting(200)
    monkeypatch.setattr(halves, "_cores", lambda: 1)
    assert not halves.worth_splitting(1000)


def test_handover_takes_over_where_both_processes_have_as_many_left() -> None:
    handover = halves.Handover(100)
    part = halves.Part
    assert [handover.first(i) for i in range(10)] == [part.CHECK] * 10  # the first is at 9
    assert handover.second(0) is part.APPLY  # the second has just started its plain replay
    # Taken over where the first process's revisions left before it (9 to 56) are as many
    # as the second's after it, plus what the second does last (halves._TAIL).
    start = next(p for p in range(1, 100) if handover.second(p) is part.CHECK)
    assert start == math.ceil((100 + 9 + handover.tail) / 2)
    assert handover.second(start + 1) is part.CHECK
    assert handover.first(start - 1) is part.CHECK and handover.first(start) is part.STOP
    assert handover.close() == start


def test_handover_after_the_first_process_is_done_is_nothing() -> None:
    handover = halves.Handover(10)
    assert all(handover.first(i) is halves.Part.CHECK for i in range(10))
    assert handover.close() is None
    assert handover.second(0) is halves.Part.STOP  # the second process stops at once


def test_forced_handover() -> None:
    handover = halves.Handover(10, fixed=4)
    assert [handover.second(i) for i in (0, 3, 4, 9)] == [halves.Part.APPLY] * 2 + [
        halves.Part.CHECK
    ] * 2
    assert handover.first(3) is halves.Part.CHECK and handover.first(4) is halves.Part.STOP
    assert handover.close() == 4
