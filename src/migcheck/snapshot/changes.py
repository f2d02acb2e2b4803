"""Which snapshot scopes changed since a point in time: the catalog rows written since then.

A round trip needs a snapshot after every step, and a full snapshot reads the whole catalog,
so on a long history the cost per revision would grow with the schema (BENCHMARKS.md). But a
step only touches a few objects, and PostgreSQL records who wrote every catalog row: its
`xmin`. Rows written after a marker (the next transaction id when the marker was taken) are
the objects a step created or altered; rows that vanished are found by counting each
catalog's rows against an index of the keys we know. Each changed row is mapped to its *scope
name* (what `take_snapshot(scope=...)` reads: an object's qualified name, or its table's).

The index records for each row what owns it (a name, or the relation or type it hangs off),
not the owner's name at the time, so a constraint dropped after its table was renamed is
charged to the table's new name. Renaming an object rewrites the text of every object naming
it (a foreign key's REFERENCES, a view, a default's nextval) without touching their catalog
rows, so the dependents (pg_depend) of a renamed relation, column, type or function count as
changed too. What cannot be followed object by object (a schema renamed or dropped, an
extension added or removed) asks for a full read.

The SQL only reads raw catalog columns; names are resolved here, in Python, so that the
queries stay cheap to plan. Only user objects are looked at (OIDs from 16384 up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from migcheck.snapshot.runner import QueryRunner


class Owner(NamedTuple):
    """What a catalog row belongs to: a scope `name`, or a relation `rel` / type `typ` OID,
    or any object as (`cls` catalog, `obj` OID); `label` is the row's own name where a
    rename of it matters (a column's)."""

    name: str | None
    rel: int | None
    typ: int | None
    cls: str | None
    obj: int | None
    label: str | None


@dataclass(frozen=True)
class _Tracked:
    """A catalog and how its rows' owners read (SQL for the six Owner fields, NULL where
    unused). Keyed catalogs are indexed by key, so rows that vanish are found too; the
    others' rows vanish only along with a keyed row's object."""

    catalog: str
    key: str
    owner: str
    oid: str = "x.oid"  # the column naming the user object the row belongs to
    keyed: bool = True
    extra: str = ""  # a further condition on the rows that matter

    @property
    def user_rows(self) -> str:
        return " AND ".join(c for c in (f"{self.oid} >= 16384", self.extra) if c)


def _fields(
    name: str = "NULL",
    rel: str = "NULL",
    typ: str = "NULL",
    cls: str = "NULL",
    obj: str = "NULL",
    label: str = "NULL",
) -> str:
    return f"{name}::text, {rel}::oid, {typ}::oid, {cls}::regclass::text, {obj}::oid, {label}::text"


def _qualified(schema_oid: str, name: str) -> str:
    return f"(SELECT ns.nspname FROM pg_namespace ns WHERE ns.oid = {schema_oid}) || '.' || {name}"


_CATALOGS = (
    _Tracked("pg_namespace", "x.oid::text", _fields(name="x.nspname")),
    _Tracked("pg_extension", "x.oid::text", _fields(name="x.extname")),
    _Tracked(
        "pg_class",
        "x.oid::text",
        _fields(
            name="CASE WHEN x.relkind NOT IN ('i', 'I', 't') THEN "
            + _qualified("x.relnamespace", "x.relname")
            + " END",
            rel="(SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = x.oid)",
        ),
    ),
    _Tracked(
        "pg_type",
        "x.oid::text",
        _fields(
            name="CASE WHEN x.typrelid = 0 AND (x.typcategory <> 'A' OR x.typelem = 0) THEN "
            + _qualified("x.typnamespace", "x.typname")
            + " END",
            rel="NULLIF(x.typrelid, 0)",
        ),
    ),
    _Tracked(
        "pg_proc",
        "x.oid::text",
        _fields(name=_qualified("x.pronamespace", "x.proname")),
    ),
    _Tracked(
        "pg_constraint",
        "x.oid::text",
        _fields(rel="NULLIF(x.conrelid, 0)", typ="NULLIF(x.contypid, 0)"),
    ),
    _Tracked("pg_trigger", "x.oid::text", _fields(rel="x.tgrelid")),
    _Tracked("pg_policy", "x.oid::text", _fields(rel="x.polrelid")),
    _Tracked(
        "pg_attribute",
        "x.attrelid || '/' || x.attnum",
        _fields(rel="x.attrelid", label="x.attname"),
        "x.attrelid",
        extra="x.attnum > 0",
    ),
    _Tracked(
        "pg_description",
        "x.classoid || '/' || x.objoid || '/' || x.objsubid",
        _fields(cls="x.classoid", obj="x.objoid"),
        "x.objoid",
    ),
    _Tracked(
        "pg_inherits",
        "x.inhrelid || '/' || x.inhseqno",
        _fields(rel="x.inhrelid"),
        "x.inhrelid",
    ),
    _Tracked("pg_attrdef", "''", _fields(rel="x.adrelid"), "x.adrelid", keyed=False),
    _Tracked("pg_index", "''", _fields(rel="x.indrelid"), "x.indrelid", keyed=False),
    _Tracked("pg_rewrite", "''", _fields(rel="x.ev_class"), "x.ev_class", keyed=False),
    _Tracked("pg_enum", "''", _fields(typ="x.enumtypid"), "x.enumtypid", keyed=False),
    _Tracked("pg_sequence", "''", _fields(rel="x.seqrelid"), "x.seqrelid", keyed=False),
    _Tracked(
        "pg_depend",
        "''",
        _fields(cls="x.classid", obj="x.objid"),
        "x.objid",
        keyed=False,
    ),
)
_BY_NAME = {t.catalog: t for t in _CATALOGS}
# Changes to these cannot be followed object by object: a full read instead.
_READ_ALL_ON_CHANGE = {"pg_namespace", "pg_extension"}
# Renaming one of these rewrites the text of the objects depending on it.
_NAMED_BY_DEPENDENTS = {"pg_class", "pg_type", "pg_proc", "pg_attribute"}

# Rows written at or after the marker (every row when the marker is NULL), every keyed
# catalog's row count (fewer rows than keys known: some vanished), and the next marker: the
# first transaction id whose writes this statement does not see, or this transaction's own
# when it has one (its later writes carry that id).
_WRITTEN = "(CAST(%(marker)s AS text) IS NULL OR age(x.xmin) <= age(CAST(%(marker)s AS xid)))"
CHANGES = " UNION ALL ".join(
    [
        f"SELECT '{t.catalog}', {t.key}, {t.owner} FROM {t.catalog} x"
        f" WHERE {t.user_rows} AND {_WRITTEN}"
        for t in _CATALOGS
    ]
    + [
        f"SELECT 'count', '{t.catalog}', {_fields(name='count(*)')} FROM {t.catalog} x"
        f" WHERE {t.user_rows}"
        for t in _CATALOGS
        if t.keyed
    ]
    + [
        "SELECT 'marker', NULL, "
        + _fields(
            name="LEAST(txid_snapshot_xmax(txid_current_snapshot()), txid_current_if_assigned())"
        )
    ]
)
# Objects depending on renamed ones; rewrite rules and defaults are owned by their relation.
DEPENDENTS = f"""
SELECT DISTINCT {
    _fields(
        rel="CASE x.classid WHEN 'pg_rewrite'::regclass THEN "
        "(SELECT r.ev_class FROM pg_rewrite r WHERE r.oid = x.objid) "
        "WHEN 'pg_attrdef'::regclass THEN "
        "(SELECT a.adrelid FROM pg_attrdef a WHERE a.oid = x.objid) END",
        cls="x.classid",
        obj="x.objid",
    )
}
FROM pg_depend x
WHERE x.refobjid = ANY(CAST(%(oids)s AS oid[])) AND x.deptype IN ('n', 'a')
"""


def _vanished_sql(tracked: _Tracked) -> str:
    return (
        "SELECT k FROM unnest(CAST(%(keys)s AS text[])) k EXCEPT "
        f"SELECT {tracked.key} FROM {tracked.catalog} x WHERE {tracked.user_rows}"
    )


Rows = dict[str, dict[str, Owner]]


@dataclass
class CatalogIndex:
    """The keyed catalogs' user rows and their owners, as of `marker`."""

    keys: Rows = field(default_factory=dict)
    marker: str | None = None  # a 32-bit transaction id, as text (what `xid` casts from)


@dataclass
class Changes:
    """Scope names whose objects may differ from the indexed state (None: read everything),
    and the index as of now."""

    scopes: set[str] | None
    index: CatalogIndex


def scope_of(owner: Owner, keys: Rows, depth: int = 0) -> str | None:
    """The scope name `owner` resolves to through the index (None: nothing a snapshot holds,
    such as a toast table, an array type or a system object)."""
    if owner.name is not None or depth > 3:
        return owner.name
    if owner.rel is not None:
        target = keys.get("pg_class", {}).get(str(owner.rel))
    elif owner.typ is not None:
        target = keys.get("pg_type", {}).get(str(owner.typ))
    elif owner.cls is not None:
        target = keys.get(owner.cls, {}).get(str(owner.obj))
    else:
        return None
    return None if target is None else scope_of(target, keys, depth + 1)


def _marker(txid: str) -> str:
    """A 64-bit txid as the 32-bit xid that catalog rows' xmin holds (as text: `xid` casts
    from text)."""
    return str(int(txid) & 0xFFFFFFFF)


def index_catalog(query: QueryRunner) -> CatalogIndex:
    """Every user row of the keyed catalogs, as of now."""
    index = CatalogIndex()
    for catalog, key, *fields in query.fetchall(CHANGES, {"marker": None}):
        if catalog == "marker":
            index.marker = _marker(fields[0])
        elif catalog != "count" and _BY_NAME[catalog].keyed:
            index.keys.setdefault(catalog, {})[key] = Owner(*fields)
    return index


def changes_since(query: QueryRunner, index: CatalogIndex) -> Changes:
    """What changed since `index` was taken (committed or written by this transaction)."""
    marker = None
    old = index.keys
    keys = {catalog: dict(known) for catalog, known in old.items()}
    owners: list[Owner] = []
    renamed: set[int] = set()  # OIDs whose name changed (a column's: its table's OID)
    read_all = False
    counts: dict[str, int] = {}
    for catalog, key, *fields in query.fetchall(CHANGES, {"marker": index.marker}):
        if catalog == "count":
            counts[key] = int(fields[0])
            continue
        if catalog == "marker":
            marker = _marker(fields[0])
            continue
        owner = Owner(*fields)
        owners.append(owner)
        if not _BY_NAME[catalog].keyed:
            continue
        known = keys.setdefault(catalog, {})
        before = known.get(key)
        if before is None:
            read_all = read_all or catalog == "pg_extension"
        elif (before.name, before.label) != (owner.name, owner.label):
            owners.append(before)
            read_all = read_all or catalog in _READ_ALL_ON_CHANGE
            if catalog in _NAMED_BY_DEPENDENTS:  # the key starts with the (table's) OID
                renamed.add(int(key.split("/", 1)[0]))
        known[key] = owner
    for catalog, count in counts.items():
        known = keys.setdefault(catalog, {})
        if count < len(known):
            vanished = _vanished_sql(_BY_NAME[catalog])
            for (key,) in query.fetchall(vanished, {"keys": list(known)}):
                owners.append(known.pop(key))
                read_all = read_all or catalog in _READ_ALL_ON_CHANGE
    if renamed:
        rows = query.fetchall(DEPENDENTS, {"oids": sorted(renamed)})
        owners += [Owner(*row) for row in rows]
    if read_all:
        return Changes(None, CatalogIndex(keys, marker))
    # An owner that vanished resolves through the old index; one renamed, through both.
    scopes = {scope_of(o, keys) for o in owners} | {scope_of(o, old) for o in owners}
    return Changes({s for s in scopes if s is not None}, CatalogIndex(keys, marker))


def related_tables(query: QueryRunner, scopes: set[str]) -> tuple[set[str], set[str]]:
    """(tables to read again, tables whose keys reading them needs), for changed `scopes`.

    A row shows its foreign keys through the parent's natural key: a child's rows read
    differently once a parent's rows or keys changed (children are read again), and reading
    a table's rows needs its parents' keys (their catalog facts are read along).
    """
    if not scopes:
        return set(), set()
    reread: set[str] = set()
    keys: set[str] = set()
    for kind, name in query.fetchall(RELATED, {"scopes": sorted(scopes)}):
        (reread if kind == "read" else keys).add(name)
    return reread, keys


RELATED = """
WITH fk AS (
    SELECT cn.nspname || '.' || c.relname AS child, pn.nspname || '.' || p.relname AS parent
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
    JOIN pg_class p ON p.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
    WHERE con.contype = 'f' AND con.conrelid >= 16384
), reread AS (
    SELECT child AS name FROM fk WHERE parent = ANY(CAST(%(scopes)s AS text[]))
)
SELECT 'read', name FROM reread
UNION
SELECT 'keys', parent FROM fk
WHERE child = ANY(CAST(%(scopes)s AS text[])) OR child IN (SELECT name FROM reread)
"""

# What pg_stat_xact_user_tables shows, for user tables only (the view also computes every
# system table's counters, which costs more than the rest of a step's reading).
WRITTEN_TABLES = """
SELECT n.nspname || '.' || c.relname FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid >= 16384 AND c.relkind IN ('r', 'p')
  AND pg_stat_get_xact_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_updated(c.oid)
      + pg_stat_get_xact_tuples_deleted(c.oid) > 0
"""


def written_tables(query: QueryRunner) -> set[str]:
    """Tables this transaction inserted into, updated or deleted from (so far)."""
    return {name for (name,) in query.fetchall(WRITTEN_TABLES)}
