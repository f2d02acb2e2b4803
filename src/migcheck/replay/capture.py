"""Capture every SQL statement a revision executes, with duration, rowcount and issuing line.

Listeners sit on the Engine class, so statements are seen whatever engine env.py builds
(its own `engine_from_config`, an async engine's sync core, or the connection we hand over).
A statement is attributed to the step currently running; the issuing line is the innermost
frame of the call stack that lies in a revision file.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from migcheck.model import Statement, StepResult

MAX_PARAMETERS = 300  # a longer repr of the parameters is shortened to this length


@dataclass
class DatabaseError:
    """The last database error seen during the current step, with the statement."""

    exception: BaseException
    statement: str
    line: int | None


@dataclass
class Capture:
    revision_files: frozenset[str]
    current: StepResult | None = None
    last_error: DatabaseError | None = None
    _starts: list[float] = field(default_factory=list)
    _lines: list[int | None] = field(default_factory=list)

    def __enter__(self) -> Capture:
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)
        event.listen(Engine, "handle_error", self._error)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(Engine, "before_cursor_execute", self._before)
        event.remove(Engine, "after_cursor_execute", self._after)
        event.remove(Engine, "handle_error", self._error)

    def begin(self, step: StepResult) -> None:
        self.current = step
        self.last_error = None
        self._starts.clear()
        self._lines.clear()

    def end(self) -> None:
        self.current = None

    def issuing_line(self) -> int | None:
        """Line of the innermost revision-file frame on the stack, if any."""
        frame = sys._getframe(2)
        files = self.revision_files
        while frame is not None:
            if frame.f_code.co_filename in files:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.current is None:
            return
        self._lines.append(self.issuing_line())
        self._starts.append(time.perf_counter())

    def _after(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if self.current is None or not self._starts:
            return
        elapsed = (time.perf_counter() - self._starts.pop()) * 1000
        rowcount = getattr(cursor, "rowcount", None)
        self.current.statements.append(
            Statement(
                sql=statement,
                duration_ms=round(elapsed, 3),
                rowcount=rowcount if isinstance(rowcount, int) and rowcount >= 0 else None,
                line=self._lines.pop() if self._lines else None,
                parameters=_short(parameters),
            )
        )

    def _error(self, context: Any) -> None:
        if self.current is None:
            return
        line = self._lines.pop() if self._lines else self.issuing_line()
        elapsed = (time.perf_counter() - self._starts.pop()) * 1000 if self._starts else 0.0
        statement = context.statement or ""
        self.current.statements.append(
            Statement(
                sql=statement,
                duration_ms=round(elapsed, 3),
                line=line,
                parameters=_short(context.parameters),
                failed=True,
            )
        )
        self.last_error = DatabaseError(context.original_exception, statement, line)


def _short(parameters: Any) -> str | None:
    if not parameters:
        return None
    text = repr(parameters)
    return text if len(text) <= MAX_PARAMETERS else text[: MAX_PARAMETERS - 3] + "..."


def revision_file_set(paths: list[str]) -> frozenset[str]:
    """Both the path as Alembic loaded it and its real path, as frames may carry either."""
    return frozenset({*paths, *(os.path.realpath(p) for p in paths)})
