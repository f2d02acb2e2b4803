"""Python source for a revision body, laid out the way `ruff format` lays it out.

Alembic's renderer writes each operation on one line with single quotes; a revision that is
read and reviewed should look like the rest of a formatted code base. Statements are parsed
back and printed: a call that fits in WIDTH columns stays on one line, otherwise it is split
one argument per line with a trailing comma (the "magic trailing comma" keeps ruff from
joining it again), recursively. SQL passed to `op.execute` is printed as a triple-quoted
block when its whitespace is free (DML, DDL), or piece by piece when it must stay exact
(function bodies). The output passes `ruff format --check` unchanged.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

WIDTH = 88  # ruff's and black's default; within any longer project setting too
INDENT = "    "
_BIND = re.compile(r"(?<![:\w\\]):(?=\w)")


@dataclass
class Sql:
    """A statement for `op.execute`; `exact` when its whitespace matters (function bodies)."""

    text: str
    exact: bool = False
    autocommit: bool = False  # must run outside the migration's transaction


@dataclass
class Comment:
    text: str


Statement = str | Sql | Comment  # a str is Python code (one expression statement)


def quote(value: str) -> str:
    """A string literal as ruff prefers it: double quotes unless that needs more escapes."""
    text = repr(value)
    if text.startswith('"') or ('"' in value and "'" not in value):
        return text
    body = text[1:-1].replace("\\'", "'").replace('"', '\\"')
    return f'"{body}"'


def flat(node: ast.AST) -> str:
    """The node on one line."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return quote(node.value)
    if isinstance(node, ast.Call):
        parts = [flat(a) for a in node.args] + [_keyword(k) for k in node.keywords]
        return f"{flat(node.func)}({', '.join(parts)})"
    if isinstance(node, ast.Attribute):
        return f"{flat(node.value)}.{node.attr}"
    if isinstance(node, ast.List):
        return "[" + ", ".join(flat(e) for e in node.elts) + "]"
    if isinstance(node, ast.Tuple):
        items = [flat(e) for e in node.elts]
        return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"
    if isinstance(node, ast.Dict):
        pairs = [f"{flat(k)}: {flat(v)}" for k, v in zip(node.keys, node.values, strict=True)]
        return "{" + ", ".join(pairs) + "}"
    return ast.unparse(node)


def _keyword(keyword: ast.keyword) -> str:
    value = flat(keyword.value)
    return f"**{value}" if keyword.arg is None else f"{keyword.arg}={value}"


def _items(node: ast.AST) -> tuple[str, str, list[tuple[str, ast.AST]]] | None:
    """(opening, closing, [(prefix, item)]) of a node that can be split over lines."""
    if isinstance(node, ast.Call):
        items = [("", a) for a in node.args]
        items += [("**" if k.arg is None else f"{k.arg}=", k.value) for k in node.keywords]
        return f"{flat(node.func)}(", ")", items
    if isinstance(node, ast.List):
        return "[", "]", [("", e) for e in node.elts]
    if isinstance(node, ast.Tuple) and len(node.elts) > 1:
        return "(", ")", [("", e) for e in node.elts]
    return None


def lines(node: ast.AST, depth: int, prefix: str = "", suffix: str = "") -> list[str]:
    """The node at `depth` indents, split as far as WIDTH needs."""
    pad = INDENT * depth
    one = f"{pad}{prefix}{flat(node)}{suffix}"
    if len(one) <= WIDTH:
        return [one]
    split = _items(node)
    if split is not None and split[2]:
        opening, closing, items = split
        out = [f"{pad}{prefix}{opening}"]
        for item_prefix, item in items:
            out += lines(item, depth + 1, item_prefix, ",")
        return [*out, f"{pad}{closing}{suffix}"]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        at = depth + bool(prefix)
        pieces = [f"{INDENT * at}{p}" for p in _pieces(node.value, at)]
        if prefix:
            return [f"{pad}{prefix}(", *pieces, f"{pad}){suffix}"]
        return [*pieces[:-1], pieces[-1] + suffix]
    return [one]


def _pieces(value: str, depth: int) -> list[str]:
    """A long string as implicitly concatenated literals placed at `depth`, split after
    spaces (room is left for a trailing comma)."""
    room = WIDTH - len(INDENT) * depth - 1
    words = re.findall(r"\S+\s*|\s+", value)
    chunks: list[str] = []
    for word in words:
        if chunks and len(quote(chunks[-1] + word)) <= room:
            chunks[-1] += word
        else:
            chunks.append(word)
    return [quote(c) for c in chunks]


def execute(sql: Sql, depth: int) -> list[str]:
    """`op.execute(...)` for one SQL statement."""
    text = _BIND.sub(r"\\:", sql.text.strip("\n") if not sql.exact else sql.text)
    pad = INDENT * depth
    if "\n" not in text:
        one = f"{pad}op.execute({quote(text)})"
        if len(one) <= WIDTH:
            return [one]
        pieces = [f"{pad}{INDENT}{p}" for p in _pieces(text, depth + 1)]
        return [f"{pad}op.execute(", *pieces, f"{pad})"]
    if '"""' in text or (sql.exact and "\\" in text):
        body = [f"{pad}{INDENT}{p}" for p in _exact_pieces(text)]
        return [f"{pad}op.execute(", *body, f"{pad})"]
    literal = text.replace("\\", "\\\\")
    if sql.exact:
        return [f'{pad}op.execute(\n{pad}{INDENT}"""\n{literal}"""\n{pad})']
    inner = pad + INDENT
    block = "\n".join(f"{inner}{line}".rstrip() for line in literal.splitlines())
    return [f'{pad}op.execute(\n{inner}"""\n{block}\n{inner}"""\n{pad})']


def _exact_pieces(text: str) -> list[str]:
    return [quote(line) for line in text.splitlines(keepends=True)]


def body(statements: list[Statement], depth: int = 1) -> str:
    """Function body text for the revision template: its first line unindented (the
    template indents it), the rest at `depth`; autocommit SQL grouped in one block."""
    out: list[str] = []
    pending: list[Sql] = []

    def flush() -> None:
        if pending:
            out.append(f"{INDENT * depth}with op.get_context().autocommit_block():")
            for sql in pending:
                out.extend(execute(sql, depth + 1))
            pending.clear()

    for statement in statements:
        if isinstance(statement, Sql) and statement.autocommit:
            pending.append(statement)
            continue
        flush()
        if isinstance(statement, Comment):
            if out:
                out.append("")
            width = WIDTH - len(INDENT) * depth - 2
            out += [f"{INDENT * depth}# {line}" for line in textwrap.wrap(statement.text, width)]
        elif isinstance(statement, Sql):
            out.extend(execute(statement, depth))
        else:
            node = ast.parse(statement).body[0]
            assert isinstance(node, ast.Expr), statement
            out.extend(lines(node.value, depth))
    flush()
    text = "\n".join(out) if out else INDENT * depth + "pass"
    return text[len(INDENT * depth) :]
