"""Generate docs/rules.md from the rule catalogue: `python -m migcheck.rules_doc [--check]`.

Every module of the package is imported first, because checks register their rules at import
time; the page is then a pure function of `migcheck.rules.RULES`, so a test can assert that
the committed page is current and a code is documented exactly once.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import sys
from pathlib import Path

import migcheck
from migcheck.rules import RULES, Rule

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "rules.md"

RANGES = {
    "0": "Replay failures",
    "1": "Revision graph",
    "2": "Round trip (stairway)",
    "3": "Data migrations",
    "4": "Branch order",
    "5": "Models against migrations",
    "6": "Reference dump differences",
    "7": "Lint: data safety",
    "8": "Lint: locking and availability",
    "9": "Lint: compatibility and structure",
}

INTRO = """\
# Rules

Every finding migcheck reports has a stable code. This page is generated from the rule
catalogue (`python -m migcheck.rules_doc`); do not edit it by hand.

Silencing and grading, for lint and for every check of `migcheck run`:

- `# migcheck: ignore[MC701]` on the line (or any line of the Python statement) silences a
  code there; `-- migcheck: ignore[MC701]` works inside SQL strings too;
- `# migcheck: ignore-file[MC901,MC902]` anywhere in a file silences codes for the file;
- `[tool.migcheck]` in pyproject.toml: `select`, `ignore` (codes or prefixes such as `"MC8"`),
  `severity = { "MC701" = "error" }`, `per-file-ignores = { "versions/2019_*.py" = ["MC9"] }`,
  `fail-on = "warning"`;
- `migcheck baseline PATH` records today's findings in `.migcheck-baseline.json`; later runs
  fail only on findings that are not in it.
"""


def import_all() -> None:
    """Import every migcheck module so that every rule is registered."""
    for module in pkgutil.walk_packages(migcheck.__path__, prefix="migcheck."):
        if module.name not in ("migcheck.__main__", __name__):
            importlib.import_module(module.name)


def render() -> str:
    import_all()
    lines = [INTRO]
    rules = sorted(RULES.values(), key=lambda r: r.code)
    lines += ["| code | name | default severity | finds |", "|---|---|---|---|"]
    lines += [
        f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.severity.value} | {_cell(r.summary)} |"
        for r in rules
    ]
    group = None
    for rule in rules:
        digit = rule.code[2:3]
        if digit != group:
            group = digit
            lines += ["", f"## MC{digit}xx: {RANGES.get(digit, 'Other')}"]
        lines += _section(rule)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _section(rule: Rule) -> list[str]:
    lines = [
        "",
        f"### {rule.code}",
        "",
        f"**{rule.name}** ({rule.severity.value}): {rule.summary.rstrip('.')}.",
    ]
    if rule.why:
        lines += ["", f"Why: {rule.why}"]
    for title, example in (("Fires on", rule.bad), ("Does not fire on", rule.good)):
        if example:
            lines += ["", f"{title}:", "", f"```{_language(example)}", example, "```"]
    if rule.fix:
        lines += ["", f"Fix: {rule.fix}."]
    return lines


def _language(example: str) -> str:
    """Examples are revision code when they parse as Python, prose or SQL otherwise."""
    try:
        ast.parse(example)
    except SyntaxError:
        return "text"
    return "python"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m migcheck.rules_doc", description=__doc__)
    parser.add_argument("--output", type=Path, default=DOC_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run python -m migcheck.rules_doc")
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(RULES)} rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
