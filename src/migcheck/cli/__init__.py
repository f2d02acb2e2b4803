"""Command-line entry point: wires one module per subcommand and turns errors into exit codes.

Each subcommand module exposes `register(subparsers)`, which adds its parser and sets
`func(args) -> int` as the parser default. Errors the user can fix arrive here as
MigcheckError and are printed as one line; Ctrl-C ends with 130 after cleanup has run.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from migcheck import __version__
from migcheck.errors import EXIT_USAGE, MigcheckError

COMMAND_MODULES = (
    "replay",
    "run",
    "diff",
    "dump",
    "repair",
    "squash",
    "lint",
    "baseline",
    "report",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that subcommand's module is imported (lint stays fast)."""
    parser = argparse.ArgumentParser(
        prog="migcheck",
        description=("Replay every Alembic revision on a fresh PostgreSQL and verify it."),
    )
    parser.add_argument("--version", action="version", version=f"migcheck {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        if only is not None and name != only:
            continue
        importlib.import_module(f"migcheck.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(chosen if chosen in COMMAND_MODULES else None)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except MigcheckError as exc:
        print(f"migcheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "migcheck: interrupted; throwaway databases and servers were removed", file=sys.stderr
        )
        return 130
    except BrokenPipeError:
        return EXIT_USAGE
