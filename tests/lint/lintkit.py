"""Helpers for lint tests: small Alembic projects written into tmp_path, linted in-process."""

from __future__ import annotations

import textwrap
from pathlib import Path

from migcheck.config import load_settings
from migcheck.lint import lint_project
from migcheck.model import Finding
from migcheck.project import locate_project
from migcheck.selection import prepare

ENV = """
from alembic import context
context.configure(connection=None, target_metadata=None)
"""

# Revision 0001: the tables the rule tests treat as existing (created by an earlier revision).
BASE_UPGRADE = """
op.create_table("colors", sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("name", sa.Text(), unique=True), sa.Column("parent_id", sa.Integer()),
                sa.Column("rank", sa.Integer()))
op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("customer_id", sa.Integer()), sa.Column("currency", sa.Text()),
                sa.Column("total", sa.Integer()), sa.Column("note", sa.String(200)),
                sa.Column("status", sa.Text()), sa.Column("legacy_code", sa.Text()))
op.create_table("customers", sa.Column("id", sa.Integer(), primary_key=True))
op.create_table("products", sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("status", sa.Text()), sa.Column("discontinued", sa.Boolean()))
op.create_table("prices", sa.Column("amount", sa.Integer()))
op.create_table("plans", sa.Column("id", sa.Text(), primary_key=True), sa.Column("name", sa.Text()))
op.create_table("legacy_orders", sa.Column("id", sa.Integer(), primary_key=True))
op.create_table("sizes", sa.Column("id", sa.Integer(), primary_key=True))
"""
BASE_DOWNGRADE = """
for name in ("sizes", "legacy_orders", "plans", "prices", "products", "customers", "orders",
             "colors"):
    op.drop_table(name)
"""


def revision(
    rev: str,
    down: str | tuple[str, ...] | None,
    upgrade: str,
    downgrade: str = 'op.execute("SELECT 1")',
    header: str = "",
) -> str:
    """Source of a revision file; bodies are dedented and indented into the functions."""

    def body(code: str) -> str:
        return textwrap.indent(textwrap.dedent(code).strip() or "pass", "    ")

    return (
        f"{textwrap.dedent(header).strip()}\n"
        "from alembic import op\nimport sqlalchemy as sa\nfrom sqlalchemy import text\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n\n\n"
        f"def upgrade():\n{body(upgrade)}\n\n\ndef downgrade():\n{body(downgrade)}\n"
    )


class Project:
    """An Alembic project in a folder, with helpers to add revisions and lint it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.versions = root / "migrations" / "versions"
        self.versions.mkdir(parents=True)
        (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
        self.env(ENV)

    def env(self, text: str) -> None:
        (self.root / "migrations" / "env.py").write_text(textwrap.dedent(text))

    def pyproject(self, text: str) -> None:
        (self.root / "pyproject.toml").write_text(textwrap.dedent(text))

    def add(self, name: str, source: str) -> Path:
        path = self.versions / f"{name}.py"
        path.write_text(source)
        return path

    def with_base(self) -> Project:
        self.add("0001_base", revision("0001", None, BASE_UPGRADE, BASE_DOWNGRADE))
        return self

    def step(
        self, upgrade: str, downgrade: str = 'op.execute("SELECT 1")', header: str = ""
    ) -> Path:
        """Add revision 0002 on top of the base."""
        return self.add("0002_step", revision("0002", "0001", upgrade, downgrade, header))

    def lint(self, raw: bool = False) -> list[Finding]:
        files = locate_project(self.root)
        settings = load_settings(self.root)
        findings, _ = lint_project(files, settings)
        return findings if raw else prepare(findings, settings)

    def codes(self) -> list[str]:
        return [f.code for f in self.lint()]
