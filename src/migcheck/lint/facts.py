"""What lint knows about a revision, whichever way it learnt it.

Rules never look at Python ASTs or pglast trees: `source.py` (op.* calls and SQL strings in a
revision file) and `sql.py` (SQL text, literal or captured by a replay) both translate what
they read into the same `Action` records, so each rule is written once and fires alike for
`op.create_index(...)`, for `op.execute("CREATE INDEX ...")` and for the SQL a replay ran.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Kind(enum.Enum):
    """What an action does to the database."""

    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    RENAME_TABLE = "rename_table"
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    RENAME_COLUMN = "rename_column"
    ALTER_TYPE = "alter_type"
    SET_NOT_NULL = "set_not_null"
    CREATE_INDEX = "create_index"
    ADD_FOREIGN_KEY = "add_foreign_key"
    ADD_CHECK = "add_check"
    ADD_ENUM_VALUE = "add_enum_value"
    # Statements that only matter because PostgreSQL refuses them inside a transaction.
    NO_TRANSACTION = "no_transaction"
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


WRITES = frozenset({Kind.INSERT, Kind.UPDATE, Kind.DELETE})


@dataclass(frozen=True)
class TableName:
    """A table as a revision names it; the schema is None when the revision leaves it out."""

    name: str
    schema: str | None = None

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def same(self, other: TableName) -> bool:
        """Same table, treating a missing schema as "whichever the search path finds"."""
        if self.name.lower() != other.name.lower():
            return False
        return self.schema is None or other.schema is None or self.schema == other.schema


@dataclass(frozen=True)
class Site:
    """The Python call an action came from and the conditions it runs under."""

    phase: str  # "upgrade" | "downgrade" | "" (not reached from either)
    first: int = 0
    last: int = 0
    guarded: bool = False  # inside an `if`/`while`: the revision checks before acting
    transactional: bool = True  # False inside autocommit_block() or after a raw COMMIT


@dataclass(frozen=True)
class Lookup:
    """A scalar sub-select in inserted values, and the literals its WHERE compares with."""

    table: TableName
    keys: frozenset[str]

    def found_by(self, action: Action) -> bool:
        """Whether `action` inserts a row into the looked-up table holding every looked-up key."""
        return (
            bool(self.keys)
            and action.kind is Kind.INSERT
            and action.table is not None
            and action.table.same(self.table)
            and self.keys <= action.literals
        )


@dataclass(frozen=True)
class Action:
    """One thing a revision does, with just the facts the rules need.

    Fields beyond kind/line/site are filled only for the kinds they concern.
    """

    kind: Kind
    line: int | None
    site: Site
    verb: str  # how the user wrote it: "INSERT", "op.bulk_insert", "op.create_index", ...
    table: TableName | None = None
    sql: str | None = None  # the SQL statement, when the action came from SQL
    column: str | None = None
    target: str | None = None  # new name of a rename; index, constraint or enum type name
    concurrently: bool = False
    not_valid: bool = False
    not_null: bool = False
    has_default: bool = False
    has_where: bool = False
    existence_checked: bool = False  # INSERT with ON CONFLICT, WHERE NOT EXISTS, EXCEPT, ...
    set_columns: tuple[str, ...] = ()
    self_updates: tuple[str, ...] = ()  # columns set from themselves: x = x + 1
    lookups: tuple[Lookup, ...] = ()
    literals: frozenset[str] = frozenset()  # literal values of inserted rows
    volatile: tuple[str, ...] = ()  # volatile functions in inserted values
    old_type: str | None = None
    new_type: str | None = None
    rewrites: bool = False  # a type change PostgreSQL performs by rewriting the table
    using: bool = False  # a type change with USING: new values computed, always a rewrite


@dataclass(frozen=True)
class SqlStatement:
    """One SQL statement a revision runs (or, from a replay, ran)."""

    text: str
    line: int | None
    site: Site
    dynamic: bool = False  # built with f-strings or format(): parts are placeholders
    error: str | None = None  # pglast's message when it does not parse
    schemas: frozenset[str] = frozenset()  # schema names written out in it
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class ImportRef:
    """`import module` or `from module import names` (level: leading dots of a relative one)."""

    module: str
    line: int
    names: tuple[str, ...] = ()
    level: int = 0


@dataclass
class RevisionFacts:
    """Everything lint learnt about one revision file (or one replayed revision)."""

    path: str
    revision: str | None = None
    parents: tuple[str, ...] = ()  # down_revision(s) plus depends_on
    is_revision: bool = True
    actions: list[Action] = field(default_factory=list)  # in source order, both phases
    statements: list[SqlStatement] = field(default_factory=list)
    imports: list[ImportRef] = field(default_factory=list)
    upgrade_empty: bool = False
    downgrade_line: int | None = None  # `def downgrade` line; None when there is none
    downgrade_empty: bool = False
    sites: list[Site] = field(default_factory=list)
    # True for SQL a replay captured: rules about the file itself then have nothing to read.
    captured: bool = False

    def upgrade(self, *kinds: Kind) -> list[Action]:
        """The upgrade's actions of the given kinds (all kinds when none are given)."""
        return [
            a for a in self.actions if a.site.phase == "upgrade" and (not kinds or a.kind in kinds)
        ]

    def created_tables(self) -> list[TableName]:
        return [a.table for a in self.upgrade(Kind.CREATE_TABLE) if a.table is not None]

    def creates(self, table: TableName | None) -> bool:
        """Whether the upgrade creates `table` itself (locking rules exempt such tables)."""
        return table is not None and any(t.same(table) for t in self.created_tables())

    def site_at(self, line: int | None) -> Site | None:
        """The innermost call site covering a line (to place a replayed statement)."""
        if line is None:
            return None
        covering = [s for s in self.sites if s.first <= line <= s.last]
        return min(covering, key=lambda s: s.last - s.first, default=None)
