"""`migcheck report RESULT.json`: re-render a saved result in any format, without a rerun.

A CI job saves `--output json:result.json` once; later steps (or an auditor, months later)
turn it into HTML, SARIF or a PR comment from that file alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from migcheck.cli.outputs import add_output_arguments, emit
from migcheck.config import load_settings
from migcheck.errors import InputError
from migcheck.model import RunResult


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="re-render a saved JSON result (--format html, sarif, junit, ...)",
        description=(
            "Render a result saved with `--output json:FILE` in another format, e.g. "
            "`migcheck report result.json --format html -o audit.html`. Nothing is re-run. "
            "Exit 0 when the result passes the gate, 1 when it does not (--fail-on never: "
            "always 0), 2 when the file is not a migcheck result."
        ),
    )
    parser.add_argument("result", help="a JSON result written by migcheck (- for stdin)")
    add_output_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = load_result(args.result)
    return emit(result, args, load_settings(Path.cwd()))


def load_result(source: str) -> RunResult:
    """The RunResult saved in `source`; any problem with the file is one InputError line."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{source}: cannot be read ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{exc.lineno}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or "revisions" not in data or "command" not in data:
        raise InputError(f"{source}: not a migcheck result (write one with --output json:FILE)")
    try:
        return RunResult.from_dict(data)
    except ValueError as exc:
        raise InputError(f"{source}: {exc}") from None
    except (KeyError, TypeError) as exc:
        raise InputError(f"{source}: not a valid migcheck result ({exc})") from None
