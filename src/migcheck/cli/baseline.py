"""`migcheck baseline PATH [--output FILE]`: record today's lint findings as the baseline.

Later runs report only findings the baseline does not hold, so a legacy history can adopt the
gate at once. Findings silenced by comments or deselected in [tool.migcheck] are not recorded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from migcheck import baseline
from migcheck.cli.lint import add_project_arguments, collect
from migcheck.errors import EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "baseline",
        help="record today's findings so that only new ones fail",
        description="Lint every revision and record the findings in a baseline file that "
        "`migcheck lint` and `migcheck run` then leave out.",
    )
    add_project_arguments(parser)
    parser.add_argument(
        "--output", type=Path, help="baseline file (default: .migcheck-baseline.json)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = collect(args)
    path = args.output or baseline.default_path(result.settings)
    recorded = baseline.write(result.findings, path)
    print(
        f"migcheck baseline: recorded {len(result.findings)} finding(s) "
        f"({len(recorded.counts)} distinct) in {path}"
    )
    return EXIT_OK
