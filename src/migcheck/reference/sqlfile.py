"""Split a plain SQL dump into what psql would run: statements, COPY data and meta-commands.

psql is not used to load a dump because it cannot say which statement failed in a way we can
turn into `dump.sql:LINE: message`, and it stops on settings an older server does not know.
The splitter understands what pg_dump writes: quoted strings (E'' included), quoted
identifiers, dollar-quoted bodies, nested comments, `COPY ... FROM stdin` followed by rows up
to `\\.`, and backslash meta-commands on lines of their own (`\\connect`, `\\restrict`).
Like psql, a semicolon inside parentheses or inside the BEGIN ... END of a SQL-standard
function body (`CREATE FUNCTION ... BEGIN ATOMIC ... END`) does not end the statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_NORMAL = re.compile(r"--|/\*|'|\"|\$|;|\(|\)|[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)?\$")
_ESCAPED_QUOTE = re.compile(r"\\.|'", re.DOTALL)
_COMMENT = re.compile(r"/\*|\*/")
_COPY_FROM_STDIN = re.compile(r"^\s*COPY\s.+\sFROM\s+STDIN\b", re.IGNORECASE | re.DOTALL)
_WORD_CHAR = re.compile(r"[\w$]")


class DumpFormatError(Exception):
    """The text cannot be split into statements (truncated, or not SQL); `line` says where."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Statement:
    line: int  # where the statement starts
    text: str
    copy_rows: list[str] | None = None  # for COPY ... FROM stdin: its data lines
    rows_line: int = 0  # the line of the first data row


@dataclass
class Meta:
    line: int
    text: str  # e.g. "\\connect shop"

    @property
    def command(self) -> str:
        return self.text.split(None, 1)[0]


@dataclass
class _Scanner:
    """Where we are inside a statement that may span lines."""

    mode: str = "normal"  # normal | quote | equote | ident | dollar | comment
    tag: str = ""
    depth: int = 0
    parts: list[str] = field(default_factory=list)
    start: int | None = None  # line of the first significant character
    words: list[str] = field(default_factory=list)  # the statement's first words, lowercased
    parens: int = 0
    blocks: int = 0  # BEGIN ... END depth inside CREATE FUNCTION/PROCEDURE

    def take(self) -> tuple[int, str]:
        text = "".join(self.parts).strip()
        start = self.start or 0
        self.parts, self.start, self.words, self.parens, self.blocks = [], None, [], 0, 0
        return start, text

    def word(self, word: str) -> None:
        """psql's heuristic: in CREATE [OR REPLACE] FUNCTION|PROCEDURE, track BEGIN/CASE/END."""
        word = word.lower()
        if len(self.words) < 4:
            self.words.append(word)
        if self.parens or not self._defines_routine():
            return
        if word == "begin" or (word == "case" and self.blocks):
            self.blocks += 1
        elif word == "end" and self.blocks:
            self.blocks -= 1

    def _defines_routine(self) -> bool:
        first = [*self.words, "", "", ""]
        routine = ("function", "procedure")
        return first[0] == "create" and (
            first[1] in routine or (first[1:3] == ["or", "replace"] and first[3] in routine)
        )


def split(text: str) -> Iterator[Statement | Meta]:
    """Statements and meta-commands in order; raises DumpFormatError on a truncated file."""
    lines = text.splitlines(keepends=True)
    scanner = _Scanner()
    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index]
        index += 1
        if scanner.mode == "normal" and scanner.start is None and line.lstrip().startswith("\\"):
            scanner.parts = []
            yield Meta(number, line.strip())
            continue
        for start, statement in _scan_line(scanner, line, number):
            if not _COPY_FROM_STDIN.match(statement):
                yield Statement(start, statement)
                continue
            rows_line = index + 1
            rows: list[str] = []
            while index < len(lines) and lines[index].rstrip("\r\n") != "\\.":
                rows.append(lines[index])
                index += 1
            if index == len(lines):
                raise DumpFormatError(
                    start, "truncated: the COPY data starting here has no end marker (\\.)"
                )
            index += 1
            yield Statement(start, statement, rows, rows_line)
    if scanner.start is not None or scanner.mode != "normal":
        where = scanner.start or len(lines)
        what = {
            "quote": "a quoted string",
            "equote": "a quoted string",
            "ident": "a quoted identifier",
            "dollar": f"a dollar-quoted body ({scanner.tag})",
            "comment": "a comment",
        }.get(scanner.mode, "the statement")
        raise DumpFormatError(where, f"truncated: {what} starting here never ends")


def _scan_line(scanner: _Scanner, line: str, number: int) -> Iterator[tuple[int, str]]:
    """Feed one line; yield (start line, text) for each statement it completes."""
    pos = 0
    begun = 0  # where the current statement's part of this line begins
    while pos < len(line):
        if scanner.mode == "normal":
            match = _NORMAL.search(line, pos)
            end = match.start() if match else len(line)
            if scanner.start is None and line[pos:end].strip():
                scanner.start = number
            if match is None:
                break
            token = match.group()
            pos = match.end()
            if token == "--":
                if scanner.start is None:
                    begun = len(line)
                break
            if token == "/*":
                scanner.mode, scanner.depth = "comment", 1
                continue
            if scanner.start is None:
                scanner.start = number
            if token[0].isalpha() or token[0] == "_" or ord(token[0]) > 127:
                scanner.word(token)
            elif token in "()":
                scanner.parens = max(0, scanner.parens + (1 if token == "(" else -1))
            elif token == ";" and (scanner.parens or scanner.blocks):
                continue
            elif token == ";":
                scanner.parts.append(line[begun:pos])
                begun = pos
                start, text = scanner.take()
                if text != ";":
                    yield start, text
            elif token == "'":
                scanner.mode = "equote" if _escape_string(line, match.start()) else "quote"
            elif token == '"':
                scanner.mode = "ident"
            else:
                pos = _dollar(scanner, line, match.start(), pos)
        else:
            pos = _inside(scanner, line, pos)
    if scanner.start is not None or scanner.mode != "normal":
        scanner.parts.append(line[begun:])


def _escape_string(line: str, at: int) -> bool:
    """Is the quote at `at` the start of an E'...' string (backslash escapes apply)?"""
    if at == 0 or line[at - 1] not in "Ee":
        return False
    return at == 1 or not _WORD_CHAR.match(line[at - 2])


def _dollar(scanner: _Scanner, line: str, at: int, pos: int) -> int:
    """A `$` in normal mode: the opening of a dollar-quoted body, or part of a name/$1."""
    tag = _DOLLAR_TAG.match(line, at)
    if tag is None or (at and _WORD_CHAR.match(line[at - 1])):
        return pos
    scanner.mode, scanner.tag = "dollar", tag.group()
    return tag.end()


def _inside(scanner: _Scanner, line: str, pos: int) -> int:
    """Advance inside a string, identifier, dollar body or comment; return the new position."""
    mode = scanner.mode
    if mode == "dollar":
        end = line.find(scanner.tag, pos)
        if end < 0:
            return len(line)
        scanner.mode = "normal"
        return end + len(scanner.tag)
    if mode == "comment":
        match = _COMMENT.search(line, pos)
        if match is None:
            return len(line)
        scanner.depth += 1 if match.group() == "/*" else -1
        if scanner.depth == 0:
            scanner.mode = "normal"
        return match.end()
    quote = '"' if mode == "ident" else "'"
    while True:
        if mode == "equote":
            match = _ESCAPED_QUOTE.search(line, pos)
            if match is None:
                return len(line)
            if match.group() != "'":
                pos = match.end()
                continue
            end = match.start()
        else:
            end = line.find(quote, pos)
            if end < 0:
                return len(line)
        if line.startswith(quote, end + 1):
            pos = end + 2
            continue
        scanner.mode = "normal"
        return end + 1
