"""`migcheck squash`: replace REV and its ancestors by one baseline revision, proved equal.

    migcheck squash path/to/alembic.ini --to 20260110_0900 [--dry-run]

The baseline keeps REV's revision id (deployed databases stay valid) and creates the schema
and reference data the history had at REV. It replaces the old files only once a replay of
the squashed history gives the same catalog snapshot and data as a replay of the original.
Exit 0 when proved, 1 when the proof fails or something cannot be written automatically,
2 on bad input, 3 when no server could be provisioned.
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
from migcheck.diff import render_text
from migcheck.errors import EXIT_FINDINGS, EXIT_OK
from migcheck.repair.squash import squash


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "squash",
        help="replace the revisions up to REV by one baseline revision (same id), proved equal",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_replay_arguments(parser)
    parser.add_argument("--to", required=True, metavar="REV", help="the last revision squashed")
    parser.add_argument("-m", "--message", default=None, help="the baseline's message")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the baseline (and its proof), change nothing"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    project = load(args, settings)
    config = project.files.relative(project.files.config_file)
    with open_server(args, settings) as server:
        outcome = squash(
            project, server, replay_options(args, settings), args.to, args.message, args.dry_run
        )
    print(f"migcheck squash: {config} up to {outcome.target} ({len(outcome.removed)} revisions)")
    for what in outcome.plan.unsupported:
        print(f"cannot write automatically: {what}", file=sys.stderr)
    if outcome.plan.unsupported:
        print("nothing changed")
        return EXIT_FINDINGS
    if not outcome.plan.steps:
        print(f"nothing to squash: the history up to {outcome.target} creates nothing")
        return EXIT_FINDINGS
    if args.dry_run:
        print(outcome.text, end="" if outcome.text.endswith("\n") else "\n")
    if outcome.failed:
        print(f"proof FAILED: {outcome.failed}")
        return EXIT_FINDINGS
    if outcome.differences:
        print("proof FAILED: the squashed history differs from the original:")
        for line in render_text(outcome.differences):
            print(line)
        return EXIT_FINDINGS
    if outcome.path is not None:
        print(
            f"wrote {project.files.relative(outcome.path)} (revision {outcome.target}, "
            f"replacing {len(outcome.removed)} files)"
        )
    print(
        "proof: the squashed history and the original replay to the same catalog snapshot and data"
    )
    return EXIT_OK
