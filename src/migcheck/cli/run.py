"""`migcheck run PATH [--reference FILE|URL]`: the gate CI and pre-commit call.

Replays the history once on a fresh server with every check (revision graph, round trip per
revision, data migrations, branch order, models, lint of the executed SQL, and the reference
when given), then reports through the shared outputs. Exit 0 when no finding reaches
--fail-on, 1 when one does, 2 on bad input, 3 when no server could be started.
"""

from __future__ import annotations

import argparse
import dataclasses

from migcheck import baseline
from migcheck.checks.pipeline import RunOptions, run_checks, start_second_half, unloadable
from migcheck.cli.common import (
    add_replay_arguments,
    load,
    open_server,
    replay_options,
    settings_for,
    write_json,
)
from migcheck.cli.lint import parse_codes
from migcheck.cli.outputs import add_output_arguments, emit
from migcheck.errors import InputError
from migcheck.reference import open_reference
from migcheck.report.terminal import replay_progress
from migcheck.server import Server
from migcheck.snapshot import Snapshot, as_runner, take_snapshot


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="replay the history with every check (the CI gate)",
        description=(
            "Replay every revision on a fresh PostgreSQL through the project's env.py and "
            "check the revision graph, each revision's round trip (upgrade, downgrade, "
            "upgrade), its data migrations, branch order, models, the executed SQL, and with "
            "--reference the differences from a dump or database. Codes: docs/rules.md."
        ),
    )
    add_replay_arguments(parser)
    parser.add_argument(
        "--reference",
        metavar="FILE|URL",
        default=None,
        help="pg_dump file (plain or archive) or postgresql:// URL to compare the head with",
    )
    parser.add_argument(
        "--select", type=parse_codes, help="only these codes or prefixes (MC2,MC301)"
    )
    parser.add_argument("--ignore", type=parse_codes, help="leave out these codes or prefixes")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--baseline", default=None, help="baseline file (default: .migcheck-baseline.json)"
    )
    group.add_argument("--no-baseline", action="store_true", help="report baselined findings too")
    add_output_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args).override(select=args.select, ignore=args.ignore)
    replay = replay_options(args, settings)
    options = RunOptions.from_settings(settings, replay)
    try:
        project = load(args, settings)
    except InputError as error:
        result = unloadable(args.path, options, error)
    else:
        # A long history's second process (checks/halves.py) starts loading while the
        # server starts; it is stopped here whatever happens (a no-op once it is done).
        options.second_half = start_second_half(project, options)
        try:
            with open_server(args, settings) as server:
                if args.reference:
                    options.reference = _reference(args.reference, server, options)
                with replay_progress(len(project.ordered_revisions())) as on_revision:
                    options.on_revision = on_revision
                    result = run_checks(project, server, options)
        finally:
            if options.second_half is not None:
                options.second_half.cancel()
    if not args.no_baseline:
        path = baseline.default_path(settings) if args.baseline is None else args.baseline
        found = baseline.load(path, required=args.baseline is not None)
        result.findings, known = found.filter(result.findings)
        result.extras["baselined"] = known
    status = emit(result, args, settings)  # records the gate in the result first
    write_json(result, args.json_file)
    return status


def _reference(source: str, server: Server, options: RunOptions) -> Snapshot:
    """The reference's snapshot; a live database's rows are read only for configured tables."""
    with open_reference(source, server) as reference:
        snapshot_options = options.snapshot
        if not reference.is_copy:
            snapshot_options = dataclasses.replace(snapshot_options, reference_tables=None)
        return take_snapshot(as_runner(reference.connection), snapshot_options)
