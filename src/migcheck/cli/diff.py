"""`migcheck diff`: replay to head on a fresh database and compare it with a reference.

    migcheck diff path/to/alembic.ini --reference tests/sql/init_test_db.sql

Exit 0 when they match, 1 on differences (column order alone is info), 2 on bad input, 3
when no server could be provisioned. Settings live in [tool.migcheck.reference]:
`path`, `tables`, `natural_keys`, `ignore`, `column_order`, `ignore_comments`, `owners`,
`grants`, `exclude_tables`; flags override them.
"""

from __future__ import annotations

import argparse
from typing import Any

from migcheck.cli.common import (
    add_replay_arguments,
    load,
    open_server,
    replay_options,
    settings_for,
    write_json,
)
from migcheck.config import Settings
from migcheck.diff import COLUMN_ORDER_MODES, Difference, DiffOptions, render_text, to_finding
from migcheck.diff.workflow import Against, diff_with_reference
from migcheck.errors import EXIT_FINDINGS, EXIT_OK, InputError
from migcheck.model import RevisionResult, Severity
from migcheck.reference import is_url
from migcheck.result import new_result, timed
from migcheck.snapshot import SnapshotOptions

SECTION = "reference"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="compare a fresh replay with a reference dump (or a database URL)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_replay_arguments(parser)
    add_reference_arguments(parser)
    parser.set_defaults(func=run)


def add_reference_arguments(parser: argparse.ArgumentParser) -> None:
    """--reference, --data and what counts as a difference (diff, repair; read by
    `against`)."""
    parser.add_argument(
        "--reference",
        "-r",
        help="plain SQL dump, pg_dump archive, or postgresql:// URL "
        "(default: [tool.migcheck.reference] path)",
    )
    add_data_argument(parser)
    group = parser.add_argument_group("what to compare")
    group.add_argument(
        "--ignore",
        action="append",
        metavar="PATTERN",
        help="fnmatch pattern on object names, e.g. 'public.audit_*' or 'index *_tmp' (repeatable)",
    )
    group.add_argument(
        "--column-order",
        choices=COLUMN_ORDER_MODES,
        help="how a different column order counts (default: info, not a failure)",
    )
    group.add_argument("--ignore-comments", action="store_true", default=None)
    group.add_argument("--owners", action="store_true", default=None, help="compare owners")
    group.add_argument("--grants", action="store_true", default=None, help="compare grants")


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="TABLES",
        help="comma-separated reference tables whose rows count (patterns allowed; default: "
        "[tool.migcheck.reference] tables, else every table holding rows)",
    )


def section(settings: Settings) -> dict[str, Any]:
    return settings.section(SECTION)


def data_tables(args: argparse.Namespace, settings: Settings) -> list[str] | None:
    if args.data:
        return [t.strip() for t in args.data.split(",") if t.strip()]
    return _string_list(settings, "tables")


def configured_path(settings: Settings) -> str | None:
    """[tool.migcheck.reference] path, relative to the pyproject.toml that sets it."""
    value = section(settings).get("path")
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{settings.source}: [tool.migcheck.reference] path must be a string")
    return value if is_url(value) else str(settings.root / value)


def _string_list(settings: Settings, key: str) -> list[str] | None:
    value = section(settings).get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{settings.source}: [tool.migcheck.reference] {key} must be a list")
    return value


def _natural_keys(settings: Settings) -> dict[str, list[str]]:
    value = section(settings).get("natural_keys", {})
    valid = isinstance(value, dict) and all(
        isinstance(k, list) and all(isinstance(c, str) for c in k) for k in value.values()
    )
    if not valid:
        raise InputError(
            f"{settings.source}: [tool.migcheck.reference] natural_keys must map tables to "
            'column lists, e.g. {"product_attributes.colors" = ["name_en"]}'
        )
    return value


def _flag(args_value: bool | None, settings: Settings, key: str) -> bool:
    return bool(args_value if args_value is not None else section(settings).get(key, False))


def failure_summary(revision: RevisionResult) -> str:
    failure = revision.upgrade.failure if revision.upgrade else None
    return failure.summary if failure else "see the replay"


def against(args: argparse.Namespace, settings: Settings) -> Against:
    """The reference, what to read and what to report, from flags and
    [tool.migcheck.reference]."""
    source = args.reference or configured_path(settings)
    if not source:
        raise InputError(
            "no reference: pass --reference FILE|URL or set [tool.migcheck.reference] path"
        )
    snapshot_options, diff_options = _options(args, settings)
    return Against(source, snapshot_options, diff_options, data_tables(args, settings))


def _options(args: argparse.Namespace, settings: Settings) -> tuple[SnapshotOptions, DiffOptions]:
    snapshot_options = SnapshotOptions(
        exclude_tables=_string_list(settings, "exclude_tables") or ["alembic_version"],
        owners=_flag(args.owners, settings, "owners"),
        grants=_flag(args.grants, settings, "grants"),
        natural_keys=_natural_keys(settings),
    )
    diff_options = DiffOptions(
        ignore=[*(_string_list(settings, "ignore") or []), *(args.ignore or [])],
        column_order=args.column_order or section(settings).get("column_order", "info"),
        ignore_comments=_flag(args.ignore_comments, settings, "ignore_comments"),
    )
    return snapshot_options, diff_options


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    comparison = against(args, settings)
    project = load(args, settings)
    with open_server(args, settings) as server:
        result = new_result("diff", project, server)
        with timed(result):
            outcome = diff_with_reference(
                project, server, replay_options(args, settings), comparison
            )
    paths = {r.revision: r.path for r in outcome.revisions}
    result.revisions = outcome.revisions
    result.findings = [to_finding(d, paths) for d in outcome.differences]
    result.extras["diff"] = {
        "reference": outcome.reference,
        "differences": [d.to_dict() for d in outcome.differences],
        "blame_ms": round(outcome.blame_ms, 1),
    }
    write_json(result, args.json_file)
    config = project.files.relative(project.files.config_file)
    print(f"migcheck diff: {config} replayed to head vs {outcome.reference}")
    return _report(outcome.differences, result.failed_revisions)


def _report(differences: list[Difference], failed: list[RevisionResult]) -> int:
    for line in render_text(differences):
        print(line)
    for revision in failed:
        print(
            f"revision {revision.revision} failed ({failure_summary(revision)}); "
            "the database compared is the partial replay"
        )
    errors = [d for d in differences if d.severity is not Severity.INFO]
    infos = len(differences) - len(errors)
    if differences:
        print(f"{len(errors)} difference(s)" + (f", {infos} at info level" if infos else ""))
    else:
        print("no differences")
    return EXIT_FINDINGS if errors or failed else EXIT_OK
