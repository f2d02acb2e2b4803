"""`migcheck replay`: every revision, base to every head, on a fresh database."""

from __future__ import annotations

import argparse

from migcheck.cli.common import (
    add_replay_arguments,
    load,
    open_server,
    replay_options,
    settings_for,
    write_json,
)
from migcheck.errors import EXIT_FINDINGS, EXIT_OK
from migcheck.replay.runner import replay
from migcheck.report.text import render_replay
from migcheck.result import new_result, timed


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="replay every revision on a fresh PostgreSQL and show what ran",
        description=(
            "Replay every revision, one at a time in history order, on a fresh PostgreSQL, "
            "through the project's own env.py. Exit 0 when every revision applied, 1 when "
            "one failed, 2 on bad input, 3 when no server could be started."
        ),
    )
    add_replay_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    project = load(args, settings)
    options = replay_options(args, settings)
    with open_server(args, settings) as server:
        result = new_result("replay", project, server)
        with timed(result):
            result.revisions = replay(project, server, options)
    write_json(result, args.json_file)
    print(render_replay(result))
    return EXIT_FINDINGS if result.failed_revisions else EXIT_OK
