"""Formats by name, `--output [FORMAT:]PATH` specs, and atomic writes of rendered reports.

A CI job that is killed mid-write, or a renderer that raises, must never leave a truncated
report.xml for the next step to upload: every report is rendered in memory first and then
moved into place with one rename.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from migcheck.errors import InputError
from migcheck.model import RunResult
from migcheck.report import github, html, json, junit, markdown, sarif, terminal

FORMATS: dict[str, Callable[[RunResult], str]] = {
    "terminal": terminal.render,
    "json": json.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "github": github.render,
    "markdown": markdown.render,
    "html": html.render,
}
EXTENSIONS = {
    ".txt": "terminal",
    ".log": "terminal",
    ".json": "json",
    ".xml": "junit",
    ".sarif": "sarif",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
}


@dataclass(frozen=True)
class OutputSpec:
    format: str
    path: Path
    explicit: bool = True  # False: the format came from --format (the report moves off stdout)


def parse_output(spec: str, default_format: str | None = None) -> OutputSpec:
    """`junit:report.xml`, or a bare path whose format is `default_format` or its extension."""
    name, sep, rest = spec.partition(":")
    if sep and name in FORMATS:
        if not rest:
            raise InputError(f"--output {spec!r}: give a path after the colon")
        return OutputSpec(name, Path(rest))
    path = Path(spec)
    if default_format is not None:
        return OutputSpec(default_format, path, explicit=False)
    inferred = EXTENSIONS.get(path.suffix.lower())
    if inferred is None:
        raise InputError(
            f"--output {spec!r}: say which format, e.g. junit:{spec} "
            f"(formats: {', '.join(FORMATS)})"
        )
    return OutputSpec(inferred, path)


def render(result: RunResult, fmt: str) -> str:
    return FORMATS[fmt](result)


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`.

    A target that exists and is not a regular file (/dev/null, a pipe, /dev/stdout) is
    written into: renaming over it would replace the device with a file.
    """
    if path.exists() and not path.is_file():
        try:
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            raise InputError(f"{path}: cannot write the report ({exc.strerror})") from None
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the report ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(staging, 0o644)
        os.replace(staging, path)
    except BaseException as exc:
        Path(staging).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"{path}: cannot write the report ({exc.strerror})") from None
        raise


def write_outputs(result: RunResult, specs: list[OutputSpec]) -> None:
    """Render every report before writing any, so a renderer error leaves no partial set."""
    rendered = [(spec.path, render(result, spec.format)) for spec in specs]
    for path, text in rendered:
        write_atomically(path, text)
