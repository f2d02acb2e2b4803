"""Static lint of revision files (no database, no user code run), and of replayed SQL.

    from migcheck.lint import lint_project, lint_statements

`lint_project(files, settings)` reads revision files with `ast` and every SQL string in them
with pglast; `lint_statements(...)` runs the same rules over the SQL a replay executed.
Rules live in `migcheck.lint.rules` (codes MC7xx, MC8xx, MC9xx); importing this package
registers them in `migcheck.rules`.
"""

from migcheck.lint.context import LintContext
from migcheck.lint.engine import lint_project, lint_revisions, lint_statements

__all__ = ["LintContext", "lint_project", "lint_revisions", "lint_statements"]
