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
