"""`migcheck repair`: write the revision that brings a fresh replay to the reference, and prove it.

    migcheck repair path/to/alembic.ini --reference tests/sql/init_test_db.sql [--dry-run]
    migcheck repair path/to/alembic.ini --downgrades

The revision goes on the current head through Alembic (the project's script.py.mako and
post-write hooks); the history is then replayed with it on a fresh database and compared
with the reference again: only when nothing differs is the file moved into the project.
With --downgrades, revisions whose downgrade leaves something behind get the missing
operations, printed as a patch and proved by the round trip.
Exit 0 when proved (or nothing to repair), 1 when the proof fails or a difference cannot be
repaired automatically, 2 on bad input, 3 when no server could be provisioned.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from migcheck.cli.common import (
    add_replay_arguments,
    load,
    open_server,
    replay_options,
    settings_for,
)
from migcheck.cli.diff import add_reference_arguments, against, failure_summary
from migcheck.diff import render_text
from migcheck.errors import EXIT_FINDINGS, EXIT_OK
from migcheck.repair.downgrades import repair_downgrades
from migcheck.repair.revision import DEFAULT_MESSAGE, Repair, check_message, repair


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "repair",
        help="write (and prove) the revision that brings a fresh replay to the reference",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_replay_arguments(parser)
    add_reference_arguments(parser)
    group = parser.add_argument_group("the revision")
    group.add_argument("-m", "--message", default=DEFAULT_MESSAGE, help="the revision's message")
    group.add_argument("--rev-id", default=None, help="revision id (default: Alembic's)")
    group.add_argument(
        "--dry-run", action="store_true", help="print the revision (and its proof), write nothing"
    )
    group.add_argument(
        "--downgrades",
        action="store_true",
        help="instead: patch the downgrades that leave something behind (printed as a diff)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.downgrades:
        return _run_downgrades(args)
    settings = settings_for(args)
    comparison = against(args, settings)
    message = check_message(args.message)
    project = load(args, settings)
    config = project.files.relative(project.files.config_file)
    with open_server(args, settings) as server:
        outcome = repair(
            project,
            server,
            replay_options(args, settings),
            comparison,
            message,
            args.rev_id,
            args.dry_run,
        )
    print(f"migcheck repair: {config} vs {outcome.reference}")
    return _report(outcome, args.dry_run, project.files.relative)


def _report(outcome: Repair, dry_run: bool, relative: Any) -> int:
    if outcome.failed:
        for revision in outcome.failed:
            print(
                f"revision {revision.revision} fails on a fresh database "
                f"({failure_summary(revision)}); fix it first: a repair revision goes on the "
                "head, after it",
                file=sys.stderr,
            )
        return EXIT_FINDINGS
    if not outcome.plan.steps:
        print("nothing to repair: a fresh replay already matches the reference")
        return EXIT_OK
    if outcome.plan.unsupported:
        for line in render_text(outcome.differences):
            print(line)
        for what in outcome.plan.unsupported:
            print(f"cannot repair automatically: {what}")
        print("nothing written")
        return EXIT_FINDINGS
    assert outcome.proof is not None
    if dry_run:
        print(outcome.text, end="" if outcome.text.endswith("\n") else "\n")
    elif outcome.path is not None:
        print(f"wrote {relative(outcome.path)} (revision {outcome.revision})")
    print(outcome.proof.summary(outcome.reference))
    if not outcome.proof.ok:
        for line in render_text(outcome.proof.differences):
            print(line)
        if not dry_run:
            print("nothing written: the revision does not bring a fresh replay to the reference")
        return EXIT_FINDINGS
    return EXIT_OK


def _run_downgrades(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    project = load(args, settings)
    config = project.files.relative(project.files.config_file)
    with open_server(args, settings) as server:
        outcome = repair_downgrades(project, server, replay_options(args, settings))
    print(f"migcheck repair --downgrades: {config}", file=sys.stderr)  # stdout: the patch
    for what in outcome.unsupported:
        print(f"cannot patch automatically: {what}", file=sys.stderr)
    if not outcome.patches:
        if not outcome.unsupported:
            print("nothing to repair: every downgrade undoes its upgrade", file=sys.stderr)
        return EXIT_FINDINGS if outcome.unsupported else EXIT_OK
    for patch in outcome.patches:
        print(patch.diff(project.files.relative(patch.path)), end="")
    revisions = ", ".join(p.revision for p in outcome.patches)
    if outcome.remaining:
        print(f"proof FAILED: the round trip of {revisions} still finds:", file=sys.stderr)
        for finding in outcome.remaining:
            print(f"  {finding.code} {finding.message}", file=sys.stderr)
        return EXIT_FINDINGS
    print(
        f"proof: with the patch, the round trip of {revisions} (upgrade, downgrade, upgrade) "
        "leaves nothing behind",
        file=sys.stderr,
    )
    return EXIT_FINDINGS if outcome.unsupported else EXIT_OK
