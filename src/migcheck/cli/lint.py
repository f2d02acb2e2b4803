"""`migcheck lint PATH [FILES...]`: static lint of revision files, fast enough for pre-commit.

Output is one line per finding, `path:line: CODE severity message`, sorted by file and line,
each followed by an indented `fix:` line; `--format json` gives the same as one document.
Exit 0 when no finding reaches --fail-on, 1 when one does, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from migcheck import baseline, selection
from migcheck.config import Settings, load_settings
from migcheck.errors import EXIT_FINDINGS, EXIT_OK, InputError
from migcheck.lint import lint_project
from migcheck.model import Finding, Severity
from migcheck.project import locate_project


@dataclass
class LintRun:
    findings: list[Finding]  # after ignore comments and [tool.migcheck] selection
    settings: Settings
    files: int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="lint revision files without a database",
        description="Read revision files without running them (Python AST for op.* calls, "
        "pglast for SQL) and report data-safety, locking, compatibility and structure "
        "problems. Codes are documented in docs/rules.md.",
    )
    add_project_arguments(parser)
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="report only on these revision files (the whole history is still read)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        help="exit 1 when a finding is at least this severe (default: [tool.migcheck] "
        "fail-on, else error)",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--baseline", type=Path, help="baseline file (default: .migcheck-baseline.json)"
    )
    group.add_argument("--no-baseline", action="store_true", help="report baselined findings too")
    parser.set_defaults(func=run)


def add_project_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project",
        metavar="PATH",
        help="alembic.ini, the folder holding it, or a pyproject.toml with [tool.alembic]",
    )
    parser.add_argument(
        "--select", type=parse_codes, help="only these codes or prefixes (MC7,MC801)"
    )
    parser.add_argument("--ignore", type=parse_codes, help="leave out these codes or prefixes")


def parse_codes(value: str) -> list[str]:
    """A --select / --ignore value: comma-separated codes or prefixes, blanks dropped
    (checked later, with the [tool.migcheck] ones, by migcheck.selection)."""
    return [c.strip() for c in value.split(",") if c.strip()]


def collect(args: argparse.Namespace, only: list[Path] | None = None) -> LintRun:
    """Lint the project named on the command line and apply comments and selection."""
    files = locate_project(args.project)
    settings = load_settings(files.config_file.parent).override(
        select=args.select, ignore=args.ignore
    )
    for path in only or ():
        if not path.is_file():
            raise InputError(f"{path}: no such revision file")
    raw, count = lint_project(files, settings, only)
    return LintRun(selection.prepare(raw, settings), settings, count)


def run(args: argparse.Namespace) -> int:
    result = collect(args, args.files or None)
    threshold = selection.fail_on(result.settings, args.fail_on)
    known = 0
    findings = result.findings
    if not args.no_baseline:
        path = args.baseline or baseline.default_path(result.settings)
        findings, known = baseline.load(path, required=args.baseline is not None).filter(findings)
    if args.format == "json":
        document = {
            "files": result.files,
            "baselined": known,
            "findings": [asdict(f) for f in findings],
        }
        print(json.dumps(document, indent=2))
    else:
        print_text(findings, known, result.files)
    return EXIT_FINDINGS if selection.reaches(findings, threshold) else EXIT_OK


def print_text(findings: list[Finding], known: int, files: int) -> None:
    for finding in findings:
        where = f"{finding.location.path}:{finding.location.line or 1}"
        print(f"{where}: {finding.code} {finding.severity.value} {finding.message}")
        if finding.hint:
            print(f"    fix: {finding.hint}")
    counts = Counter(f.severity.value for f in findings)
    grades = ", ".join(
        f"{counts[s.value]} {s.value}" for s in reversed(Severity) if counts[s.value]
    )
    summary = f"{len(findings)} finding(s) ({grades})" if findings else "no findings"
    extra = f"; {known} more recorded in the baseline" if known else ""
    print(f"migcheck lint: {summary} in {files} revision file(s){extra}")
