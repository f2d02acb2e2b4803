"""`migcheck dump`: write the reference dump tests load, from a fresh replay.

    migcheck dump path/to/alembic.ini -o tests/sql/init_test_db.sql [--data colors,sizes]

The file is deterministic (two runs give the same bytes) and `migcheck diff` against it right
away is clean: regenerate it whenever the history changes instead of editing it by hand.
A history whose replay fails writes nothing (exit 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from migcheck.cli.common import (
    add_replay_arguments,
    load,
    open_server,
    replay_options,
    settings_for,
    write_json,
)
from migcheck.cli.diff import add_data_argument, configured_path, data_tables, failure_summary
from migcheck.dump import render_reference, write_reference
from migcheck.errors import EXIT_FINDINGS, EXIT_OK, InputError
from migcheck.reference import is_url
from migcheck.replay.runner import replayed
from migcheck.result import new_result, timed


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dump",
        help="write a deterministic reference dump from a fresh replay",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_replay_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        help="file to write (default: [tool.migcheck.reference] path)",
    )
    add_data_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    output = args.output or configured_path(settings)
    if not output or is_url(output):
        raise InputError("no output file: pass -o FILE or set [tool.migcheck.reference] path")
    target = Path(output)
    if not target.parent.is_dir():
        raise InputError(f"{target.parent}: no such folder for the reference dump")
    tables = data_tables(args, settings)
    project = load(args, settings)
    heads = ", ".join(sorted(project.script.get_heads()))
    note = f"Written by `migcheck dump` from a replay to {heads}; regenerate it, do not edit it."
    with open_server(args, settings) as server:
        result = new_result("dump", project, server)
        with timed(result), replayed(project, server, replay_options(args, settings)) as done:
            result.revisions = done.revisions
            text = None if done.failed else render_reference(server, done.database, tables, note)
    if text is None:
        for revision in result.failed_revisions:
            print(
                f"migcheck dump: revision {revision.revision} failed "
                f"({failure_summary(revision)}); nothing written",
                file=sys.stderr,
            )
        write_json(result, args.json_file)
        return EXIT_FINDINGS
    write_reference(target, text)
    result.extras["dump"] = {"output": str(target), "bytes": len(text.encode("utf-8"))}
    write_json(result, args.json_file)
    print(f"migcheck dump: wrote {target} (replay to {heads})")
    return EXIT_OK
