"""Column type names, and which type changes PostgreSQL performs by rewriting the table.

Both `op.alter_column(type_=...)` and `ALTER COLUMN ... TYPE` are reduced to strings such as
"varchar(20)" or "numeric(10,2)" so that one function decides whether a change rewrites.
"""

from __future__ import annotations

import re

_TEXTUAL = frozenset({"text", "varchar"})
_SPLIT = re.compile(r"^\s*([a-z_ ][a-z0-9_ ]*?)\s*(?:\(([\d,\s]*)\))?\s*$")


def type_string(base: str, mods: list[int]) -> str:
    return f"{base}({','.join(map(str, mods))})" if mods else base


def _split(type_name: str) -> tuple[str, tuple[int, ...]]:
    match = _SPLIT.match(type_name.lower())
    if match is None:
        return type_name.lower(), ()
    mods = tuple(int(m) for m in (match.group(2) or "").split(",") if m.strip())
    return match.group(1), mods


def rewrites(old: str | None, new: str) -> bool:
    """Whether changing a column from `old` (None: unknown) to `new` rewrites or scans it.

    Only changes PostgreSQL documents as binary-coercible count as safe: varchar/text widening
    and numeric precision growth at the same scale. With the old type unknown, only a change
    to unbounded text is taken as safe, since that is the usual widening.
    """
    new_base, new_mods = _split(new)
    if old is None:
        return not (new_base in _TEXTUAL and not new_mods)
    old_base, old_mods = _split(old)
    if (old_base, old_mods) == (new_base, new_mods):
        return False
    if old_base in _TEXTUAL and new_base in _TEXTUAL:
        return bool(new_mods) and (not old_mods or new_mods[0] < old_mods[0])
    if old_base == new_base == "numeric":
        if not new_mods:
            return False
        if not old_mods:
            return True
        old_scale = old_mods[1] if len(old_mods) > 1 else 0
        new_scale = new_mods[1] if len(new_mods) > 1 else 0
        return new_scale != old_scale or new_mods[0] < old_mods[0]
    return True


# format_type's spellings that the SQL parser spells otherwise.
_CATALOG_SPELLINGS = (
    (re.compile(r"^character varying"), "varchar"),
    (re.compile(r"^character\b"), "char"),
    (re.compile(r"^bit varying"), "varbit"),
    (re.compile(r"^(timestamp|time)(\(\d+\))? with time zone$"), r"\1tz\2"),
    (re.compile(r"^(timestamp|time)(\(\d+\))? without time zone$"), r"\1\2"),
)


def catalog_type(formatted: str) -> str:
    """A column type as `format_type` prints it, spelled as the SQL parser spells it, so a
    type read from the database compares with one read from a statement."""
    name = formatted.lower()
    for pattern, spelling in _CATALOG_SPELLINGS:
        name = pattern.sub(spelling, name)
    base, _, mods = name.partition("(")
    return base.rsplit(".", 1)[-1] + (f"({mods}" if mods else "")
