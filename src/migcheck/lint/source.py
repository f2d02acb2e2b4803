"""Read a revision file without running it: its identity, imports, op.* calls and SQL strings.

The file is parsed once with `ast`. upgrade() and downgrade() are walked in source order,
following calls into helper functions of the same file, so every `op.*` call and every SQL
string they execute (op.execute, conn.execute, text(), sa.text, exec_driver_sql; literal,
bound to a name, in a loop over a list, or an f-string whose gaps become placeholders) is
seen once, together with whether it sits under an `if` (a guard) or in an autocommit block.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from migcheck.errors import InputError
from migcheck.lint import ops, sql
from migcheck.lint.facts import ImportRef, RevisionFacts, Site, SqlStatement

_EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql"})
_TEXT_WRAPPERS = frozenset({"text", "dedent", "cleandoc"})
_TEXT_METHODS = frozenset({"bindparams", "columns", "execution_options", "strip"})
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
_PERCENT_FIELD = re.compile(r"%\(\w+\)s|%s")


def read_revision(path: Path, display: str) -> RevisionFacts:
    """Facts of one revision file; a file Python cannot parse is an input error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{display}: no such revision file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{display}: cannot be read ({exc})") from None
    try:
        tree = ast.parse(text, filename=display)
    except SyntaxError as exc:
        raise InputError(
            f"{display}:{exc.lineno}: syntax error in revision file ({exc.msg}); fix it and retry"
        ) from None
    return _Reader(tree, display).read()


@dataclass(frozen=True)
class SqlText:
    text: str
    line: int
    dynamic: bool = False


@dataclass
class _Scope:
    """Names bound so far (function locals over module globals) and batch_op aliases."""

    names: dict[str, ast.expr]
    batches: dict[str, tuple[ast.expr, ast.expr | None]] = field(default_factory=dict)
    guarded: bool = False
    autocommit: bool = False

    def inner(self, **changes: bool) -> _Scope:
        return replace(self, names=self.names, batches=dict(self.batches), **changes)


class _Reader:
    def __init__(self, tree: ast.Module, display: str) -> None:
        self.tree = tree
        self.globals: dict[str, ast.expr] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
            else:
                _bind(node, self.globals)
        self.facts = RevisionFacts(path=display)
        self.phase = ""
        self.open_transaction = True
        self.visited: set[str] = set()

    def read(self) -> RevisionFacts:
        facts = self.facts
        revision = self._literal("revision")
        facts.revision = revision if isinstance(revision, str) else None
        facts.parents = (*self._revision_list("down_revision"), *self._revision_list("depends_on"))
        facts.is_revision = "revision" in self.globals or "upgrade" in self.functions
        facts.imports = list(_imports(self.tree))
        upgrade, downgrade = self.functions.get("upgrade"), self.functions.get("downgrade")
        facts.upgrade_empty = upgrade is None or _is_empty(upgrade)
        if downgrade is not None:
            facts.downgrade_line = downgrade.lineno
            facts.downgrade_empty = _is_empty(downgrade)
        for phase in ("upgrade", "downgrade"):
            function = self.functions.get(phase)
            if function is not None:
                self.phase, self.open_transaction, self.visited = phase, True, {phase}
                self._block(function.body, _Scope(names=dict(self.globals)))
        return facts

    def _literal(self, name: str) -> object:
        node = self.globals.get(name)
        return node.value if isinstance(node, ast.Constant) else None

    def _revision_list(self, name: str) -> list[str]:
        node = self.globals.get(name)
        if isinstance(node, ast.Constant):
            return [node.value] if isinstance(node.value, str) else []
        if isinstance(node, (ast.Tuple, ast.List)):
            return [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value]
        return []

    # --- statements ---------------------------------------------------------------------------

    def _block(self, body: list[ast.stmt], scope: _Scope) -> None:
        for statement in body:
            self._statement(statement, scope)

    def _statement(self, node: ast.stmt, scope: _Scope) -> None:
        if isinstance(node, (ast.If, ast.While)):
            self._expr(node.test, scope)
            guarded = scope.inner(guarded=True)
            self._block(node.body, guarded)
            self._block(node.orelse, guarded)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            inner = scope.inner()
            for item in node.items:
                self._expr(item.context_expr, scope)
                self._enter(item, inner)
            self._block(node.body, inner)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._expr(node.iter, scope)
            if isinstance(node.target, ast.Name):
                scope.names[node.target.id] = node.iter
            self._block(node.body, scope)
            self._block(node.orelse, scope)
        elif isinstance(node, ast.Try):
            self._block(node.body, scope)
            for handler in node.handlers:
                self._block(handler.body, scope)
            self._block(node.orelse, scope)
            self._block(node.finalbody, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        else:
            _bind(node, scope.names)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self._expr(child, scope)

    def _enter(self, item: ast.withitem, scope: _Scope) -> None:
        call = item.context_expr
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            return
        if call.func.attr == "autocommit_block":
            scope.autocommit = True
        elif call.func.attr == "batch_alter_table" and isinstance(item.optional_vars, ast.Name):
            table = call.args[0] if call.args else _keyword(call, "table_name")
            if table is not None:
                scope.batches[item.optional_vars.id] = (table, _keyword(call, "schema"))

    # --- expressions and calls ----------------------------------------------------------------

    def _expr(self, node: ast.expr, scope: _Scope) -> None:
        if isinstance(node, _LEAVES):
            return
        if isinstance(node, ast.Call) and _is_op_call(node):
            self._call(node, scope)  # op.* arguments never execute anything themselves
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._expr(child, scope)
        if isinstance(node, ast.Call):
            self._call(node, scope)

    def _call(self, node: ast.Call, scope: _Scope) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in self.functions:
            self._helper(self.functions[func.id], scope)
            return
        if not isinstance(func, ast.Attribute):
            return
        if func.attr in _EXECUTE_METHODS:
            if node.args:
                site = self._site(node, scope)
                for text in self._sql_texts(node.args[0], scope):
                    self._add_sql(text, site)
            return
        receiver = func.value.id if isinstance(func.value, ast.Name) else None
        if receiver != "op" and receiver not in scope.batches:
            return
        call = ops.OpCall(
            method=func.attr,
            args=list(node.args),
            kwargs={k.arg: k.value for k in node.keywords if k.arg},
            line=node.lineno,
            site=self._site(node, scope),
            resolve=lambda expr: _resolve(expr, scope.names),
        )
        if receiver in scope.batches:
            call = ops.with_batch_table(call, *scope.batches[receiver])
        self.facts.actions.extend(ops.translate(call))

    def _helper(self, function: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        """Walk a helper of the same file once per phase, under the caller's conditions."""
        if function.name in self.visited:
            return
        self.visited.add(function.name)
        self._block(function.body, _Scope(dict(self.globals), {}, scope.guarded, scope.autocommit))

    def _site(self, node: ast.Call, scope: _Scope) -> Site:
        site = Site(
            phase=self.phase,
            first=node.lineno,
            last=node.end_lineno or node.lineno,
            guarded=scope.guarded,
            transactional=self.open_transaction and not scope.autocommit,
        )
        self.facts.sites.append(site)
        return site

    def _add_sql(self, text: SqlText, site: Site) -> None:
        for statement in sql.parse(text.text, text.line, site, dynamic=text.dynamic):
            current = self._placed(statement)
            self.facts.statements.append(current)
            self.facts.actions.extend(current.actions)
            control = sql.transaction_control(statement)
            if control is not None:
                self.open_transaction = control

    def _placed(self, statement: SqlStatement) -> SqlStatement:
        """The statement with its site updated when a COMMIT earlier in the string ended the
        migration's transaction (the `op.execute("COMMIT")` idiom)."""
        site = statement.site
        if not site.transactional or self.open_transaction:
            return statement
        moved = replace(site, transactional=False)
        return replace(
            statement, site=moved, actions=tuple(replace(a, site=moved) for a in statement.actions)
        )

    def _sql_texts(self, node: ast.expr, scope: _Scope) -> list[SqlText]:
        """The SQL strings an execute() argument stands for (none when it is not a string)."""
        node = _resolve(node, scope.names)
        if isinstance(node, ast.Constant):
            return [SqlText(node.value, node.lineno)] if isinstance(node.value, str) else []
        if isinstance(node, ast.JoinedStr):
            return [SqlText(_render_fstring(node), node.lineno, dynamic=True)]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [t for element in node.elts for t in self._sql_texts(element, scope)]
        if isinstance(node, ast.BinOp):
            return self._sql_operation(node, scope)
        if not isinstance(node, ast.Call):
            return []
        name = ops.dotted(node.func).split(".")[-1]
        if name in _TEXT_WRAPPERS and node.args:
            return self._sql_texts(node.args[0], scope)
        if isinstance(node.func, ast.Attribute) and name in _TEXT_METHODS | {"format"}:
            texts = self._sql_texts(node.func.value, scope)
            if name == "format":
                return [
                    SqlText(_FORMAT_FIELD.sub(sql.PLACEHOLDER, t.text), t.line, True) for t in texts
                ]
            return texts
        return []

    def _sql_operation(self, node: ast.BinOp, scope: _Scope) -> list[SqlText]:
        left = self._sql_texts(node.left, scope)
        if len(left) != 1:
            return []
        if isinstance(node.op, ast.Mod):
            return [SqlText(_PERCENT_FIELD.sub(sql.PLACEHOLDER, left[0].text), left[0].line, True)]
        right = self._sql_texts(node.right, scope)
        if not isinstance(node.op, ast.Add) or len(right) != 1:
            return []
        dynamic = left[0].dynamic or right[0].dynamic
        return [SqlText(left[0].text + right[0].text, left[0].line, dynamic)]


_LEAVES = (ast.Constant, ast.Name, ast.JoinedStr, ast.Lambda)


def _is_op_call(node: ast.Call) -> bool:
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "op"
    )


def _bind(node: ast.stmt, names: dict[str, ast.expr]) -> None:
    """Record `name = value` / `name: T = value` so later uses can be followed to the value."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                names[target.id] = node.value
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        names[node.target.id] = node.value


def _resolve(node: ast.expr, names: dict[str, ast.expr]) -> ast.expr:
    seen = 0
    while isinstance(node, ast.Name) and node.id in names and seen < 10:
        node = names[node.id]
        seen += 1
    return node


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _render_fstring(node: ast.JoinedStr) -> str:
    return "".join(
        part.value if isinstance(part, ast.Constant) else sql.PLACEHOLDER for part in node.values
    )


def _is_empty(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Only `pass`, `...` and docstrings: the function does nothing."""
    return all(
        isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in function.body
    )


def _imports(tree: ast.Module) -> Iterator[ImportRef]:
    """Imports at module level and directly inside top-level functions and blocks."""
    nodes: list[ast.stmt] = []
    for node in tree.body:
        nodes.append(node)
        for attribute in ("body", "orelse", "handlers", "finalbody"):
            nodes.extend(n for n in getattr(node, attribute, ()) if isinstance(n, ast.stmt))
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield ImportRef(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            yield ImportRef(node.module or "", node.lineno, names, node.level)
