"""Flags and setup shared by every subcommand that replays a history on a server."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from migcheck.config import Settings, load_settings
from migcheck.model import RunResult
from migcheck.project import Project, load_project
from migcheck.replay import bootstrap
from migcheck.replay.runner import ReplayOptions
from migcheck.server import Server, choose_server


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        nargs="?",
        default=".",
        help="alembic.ini, the folder holding it, or a pyproject.toml with [tool.alembic]",
    )


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the fresh database comes from and how env.py is driven."""
    add_project_argument(parser)
    group = parser.add_argument_group("server and env.py")
    group.add_argument(
        "--server",
        default=None,
        help="auto (default), embedded, container[:IMAGE], or a postgresql:// URL",
    )
    group.add_argument("--pg-bin", default=None, help="PostgreSQL bin folder (embedded server)")
    group.add_argument("--pg-version", default=None, help="image tag for container servers")
    group.add_argument(
        "-x",
        dest="x_args",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="passed to env.py as `alembic -x` does (repeatable)",
    )
    group.add_argument(
        "--url-env",
        action="append",
        default=None,
        metavar="NAME",
        help="environment variable env.py reads its URL from (repeatable)",
    )
    group.add_argument(
        "--driver",
        default=None,
        choices=("psycopg", "asyncpg", "psycopg2", "default"),
        help="driver in the URL handed to env.py (default: guessed from env.py)",
    )
    group.add_argument("--statement-timeout", default=None, help="per statement, e.g. 5min")
    group.add_argument("--lock-timeout", default=None, help="per lock wait, e.g. 30s")
    parser.add_argument("--json", dest="json_file", default=None, help="write the result here")


def settings_for(args: argparse.Namespace) -> Settings:
    return load_settings(Path(args.path))


def replay_options(args: argparse.Namespace, settings: Settings) -> ReplayOptions:
    """Flags override [tool.migcheck]; lists from both are joined."""
    defaults = ReplayOptions()
    return ReplayOptions(
        x_args=[*settings.get("x", []), *(args.x_args or [])],
        url_env=[*settings.get("url_env", []), *(args.url_env or [])],
        driver=args.driver or settings.get("driver"),
        pass_connection=settings.get("pass_connection"),
        statement_timeout=args.statement_timeout
        or settings.get("statement_timeout", defaults.statement_timeout),
        lock_timeout=args.lock_timeout or settings.get("lock_timeout", defaults.lock_timeout),
        url_hook=settings.get("url_hook"),
        bootstrap=bootstrap.from_settings(settings),
    )


def load(args: argparse.Namespace, settings: Settings) -> Project:
    options = replay_options(args, settings)
    project = load_project(args.path, x_args=options.x_args, url_env=options.url_env)
    bootstrap.covered(project, options.bootstrap)  # what it stamps is not replayed
    return project


@contextmanager
def open_server(args: argparse.Namespace, settings: Settings) -> Iterator[Server]:
    """Start (or reach) the run's server; it and its databases are gone when the block ends.

    SIGTERM is turned into KeyboardInterrupt for the duration, so `kill` cleans up like Ctrl-C.
    """
    server = choose_server(
        args.server or settings.get("server", "auto"),
        pg_bin=args.pg_bin or settings.get("pg_bin"),
        pg_version=args.pg_version or settings.get("pg_version"),
    )
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with server:
            print(f"migcheck: using {server.describe()}", file=sys.stderr)
            yield server
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def write_json(result: RunResult, path: str | None) -> None:
    """Write atomically: a half-written result file must never be left behind."""
    if not path:
        return
    target = Path(path)
    staging = target.with_name(f".{target.name}.migcheck-tmp")
    staging.write_text(result.to_json() + "\n", encoding="utf-8")
    staging.replace(target)
