"""Report flags shared by every command that produces a RunResult, and the gate's exit code.

`add_output_arguments` adds `--format`, `-o/--output`, `--fail-on` and `--since`; `emit`
applies the gate to the result, writes every report, prints one on stdout and returns the
exit code. `migcheck run`, `diff`, `lint` and `report` all end with `return emit(...)`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from migcheck.config import Settings
from migcheck.errors import EXIT_FINDINGS, EXIT_OK, InputError
from migcheck.model import RunResult
from migcheck.report import markdown, terminal
from migcheck.report.common import FAIL_ON_CHOICES, Gate, passed
from migcheck.report.outputs import FORMATS, OutputSpec, parse_output, render, write_outputs
from migcheck.selection import configured_fail_on
from migcheck.since import demote, new_revisions


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reports and the gate")
    group.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default=None,
        help="report printed on stdout (default: github when GITHUB_ACTIONS=true, else "
        "terminal: coloured on a TTY, plain when piped or NO_COLOR is set)",
    )
    group.add_argument(
        "-o",
        "--output",
        action="append",
        default=None,
        metavar="[FORMAT:]PATH",
        help="also write a report to PATH (repeatable), e.g. junit:report.xml, "
        "sarif:migcheck.sarif; a bare PATH takes --format (which then leaves stdout) or "
        "its extension's format",
    )
    group.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default=None,
        help="exit 1 when a finding is at least this severe (default: error, or fail_on "
        "in [tool.migcheck]); never: always exit 0 unless migcheck itself fails",
    )
    group.add_argument(
        "--since",
        metavar="GIT_REF",
        default=None,
        help="for pull requests: replay everything, but hold only revisions added since "
        "GIT_REF to error level (older ones are capped at warning)",
    )


def emit(result: RunResult, args: argparse.Namespace, settings: Settings | None = None) -> int:
    """Apply the gate, write the reports, print the stdout one; return the exit code."""
    saved = Gate.of(result) if "gate" in result.extras else None  # `migcheck report`
    fail_on = (
        args.fail_on
        or (saved.fail_on if saved else None)
        or (configured_fail_on(settings) if settings else None)
        or "error"
    )
    if fail_on not in FAIL_ON_CHOICES:
        raise InputError(f"fail_on = {fail_on!r}: use one of {', '.join(FAIL_ON_CHOICES)}")
    since, new = (saved.since, saved.new_revisions) if saved else (None, None)
    if args.since:
        since, new = args.since, new_revisions(result, args.since)
        result.findings = demote(result.findings, new)
    result.extras["gate"] = Gate(fail_on, since, new).to_extras()

    stdout_format = args.format or (
        "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "terminal"
    )
    specs = _specs(args)
    if any(not s.explicit for s in specs):
        stdout_format = None  # `--format html -o audit.html`: the report went to the file
    write_outputs(result, specs)
    for spec in specs:
        print(f"migcheck: wrote the {spec.format} report to {spec.path}", file=sys.stderr)
    if "github" in {stdout_format, *(s.format for s in specs)}:
        _write_job_summary(result)
    if stdout_format == "terminal":
        sys.stdout.write(terminal.render(result, color=terminal.use_color(sys.stdout)))
    elif stdout_format is not None:
        sys.stdout.write(render(result, stdout_format))
    sys.stdout.flush()
    return EXIT_OK if passed(result) else EXIT_FINDINGS


def _specs(args: argparse.Namespace) -> list[OutputSpec]:
    specs = [parse_output(raw, args.format) for raw in args.output or ()]
    bare = [s for s in specs if not s.explicit]
    if len(bare) > 1:
        raise InputError("give one bare -o PATH for --format; name the format of the others")
    return specs


def _write_job_summary(result: RunResult) -> None:
    """Append the Markdown report to the job's summary page (GitHub Actions sets the path)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(markdown.render(result) + "\n")
    except OSError as exc:
        raise InputError(f"GITHUB_STEP_SUMMARY {target}: cannot append ({exc.strerror})") from None
