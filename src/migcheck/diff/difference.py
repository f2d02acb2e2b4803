"""One difference between the reference and the replay, and its one-line description."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from migcheck.model import Severity

MISSING, EXTRA, CHANGED = "missing", "extra", "changed"

# The attribute a kind is mostly about: its changes read without the attribute's name,
# e.g. `column s.t.c: integer in reference, bigint after replay`.
_PRIMARY = {
    ("column", "type"),
    ("domain", "type"),
    ("constraint", "definition"),
    ("view", "definition"),
    ("materialized view", "definition"),
    ("trigger", "definition"),
    ("enum", "labels"),
    ("composite type", "attributes"),
}
# Yes/no attributes read as words: `NOT NULL in reference, nullable after replay`.
_WORDS = {
    "nullable": ("nullable", "NOT NULL"),
    "unlogged": ("unlogged", "logged"),
    "unique": ("unique", "not unique"),
    "strict": ("strict", "not strict"),
    "cycle": ("cycle", "no cycle"),
    "leakproof": ("leakproof", "not leakproof"),
    "inherited": ("inherited", "local"),
    "foreign": ("foreign", "not foreign"),
    "permissive": ("permissive", "restrictive"),
    "nulls_not_distinct": ("NULLS NOT DISTINCT", "NULLS DISTINCT"),
}
_QUOTED = {"comment", "body"}  # free text; SQL expressions are shown as they are
_LONGEST = 120


@dataclass
class Difference:
    """What differs: a whole object (missing, extra) or one attribute of it (changed).

    Rows are objects of kind "row" named `schema.table(key)`; `table` and `row` address
    them in the data part of a snapshot, `context` adds the parents shown beside the key.
    For rows, `reference`/`actual` hold SQL literals ('Off-white', 3, NULL).
    """

    kind: str  # missing | extra | changed
    object_kind: str
    name: str
    attribute: str | None = None
    reference: Any = None
    actual: Any = None
    severity: Severity = Severity.ERROR
    context: str = ""
    table: str | None = None
    row: str | None = None
    revision: str | None = None  # blamed revision
    blame: str = ""  # e.g. "created by 3f2a1b", "no revision creates it"
    line: int | None = None  # line of the blamed revision's file, when one is known

    @property
    def code(self) -> str:
        if self.object_kind == "row":
            return {MISSING: "MC611", EXTRA: "MC612", CHANGED: "MC613"}[self.kind]
        if self.attribute == "column order":
            return "MC604"
        return {MISSING: "MC601", EXTRA: "MC602", CHANGED: "MC603"}[self.kind]

    @property
    def subject(self) -> str:
        return f"{self.object_kind} {self.name}"

    def describe(self, *, reference: str = "in reference", actual: str = "after replay") -> str:
        """One line; `reference` / `actual` name the two sides compared (a round trip says
        "before the upgrade" / "after it", branch order "when a runs first" / ...)."""
        label = f"{self.object_kind} {self.name}"
        if self.context:
            label = f"{label[:-1]}, {self.context})"
        if self.kind == MISSING:
            return f"{label}: {reference}, missing {actual}"
        if self.kind == EXTRA:
            return f"{label}: not {reference}, extra {actual}"
        prefix, before, after = self._changed_parts()
        return f"{label}: {prefix}{before} {reference}, {after} {actual}"

    def _changed_parts(self) -> tuple[str, str, str]:
        attribute = self.attribute or ""
        reference, actual = self.reference, self.actual
        if self.object_kind == "row":
            return f"{attribute} ", str(reference), str(actual)
        if attribute in _WORDS and isinstance(reference, bool) and isinstance(actual, bool):
            words = _WORDS[attribute]
            return "", words[not reference], words[not actual]
        prefix = "" if (self.object_kind, attribute) in _PRIMARY else f"{attribute} "
        if isinstance(reference, str) and isinstance(actual, str) and "\n" in reference + actual:
            line, reference, actual = _first_differing_line(reference, actual)
            prefix = f"{prefix.rstrip()} line {line} ".lstrip()
        quote = attribute in _QUOTED
        return prefix, _render(reference, quote), _render(actual, quote)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["code"] = self.code
        data["message"] = self.describe()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Difference:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["severity"] = Severity(fields.get("severity", "error"))
        return cls(**fields)


def _first_differing_line(reference: str, actual: str) -> tuple[int, str | None, str | None]:
    ref_lines, act_lines = reference.splitlines(), actual.splitlines()
    for number, (ref, act) in enumerate(zip(ref_lines, act_lines, strict=False), start=1):
        if ref != act:
            return number, ref.strip(), act.strip()
    number = min(len(ref_lines), len(act_lines)) + 1
    at = number - 1
    return (
        number,
        ref_lines[at].strip() if at < len(ref_lines) else None,
        act_lines[at].strip() if at < len(act_lines) else None,
    )


def _render(value: Any, quote: bool) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = "[" + ", ".join(str(v) for v in value) + "]"
    elif quote and isinstance(value, str):
        text = "'" + value.replace("'", "''") + "'"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"
