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
    rename of it matters (a column's); `kind`, what sort of relation or type the row is
    (which object kinds a change to it can alter)."""

    name: str | None
    rel: int | None
    typ: int | None
    cls: str | None
    obj: int | None
    label: str | None
    kind: str | None


@dataclass(frozen=True)
class _Tracked:
    """A catalog and how its rows' owners read (SQL for the Owner fields, NULL where
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
    kind: str = "NULL",
) -> str:
    return (
        f"{name}::text, {rel}::oid, {typ}::oid, {cls}::regclass::text, {obj}::oid, "
        f"{label}::text, {kind}::text"
    )


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
            kind="x.relkind",
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
            # a table's row type changes only along with the table's own pg_class row
            kind="CASE WHEN x.typrelid = 0 THEN x.typtype::text WHEN (SELECT c.relkind "
            "FROM pg_class c WHERE c.oid = x.typrelid) = 'c' THEN 'c' ELSE 'row type' END",
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
    # internal triggers (a foreign key's) come and go with their constraint
    _Tracked("pg_trigger", "x.oid::text", _fields(rel="x.tgrelid"), extra="NOT x.tgisinternal"),
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
# The object kinds (snapshot/catalog.py) a changed row may alter: by the row's kind where
# the catalog holds several, else by catalog. Rows of pg_description and pg_depend, and the
# dependents of a renamed object, alter what the object they hang off is: any kind of its
# catalog (`cls`). A renamed object alters every kind in its scope (names include it).
_BY_KIND: dict[str, dict[str, tuple[str, ...]]] = {
    "pg_class": {
        "r": ("table", "column"),
        "p": ("table", "column"),
        "f": ("table", "column"),
        "v": ("view",),
        "m": ("materialized view",),
        "S": ("sequence",),
        "i": ("index",),
        "I": ("index",),
        "c": ("composite type",),
    },
    "pg_type": {
        "e": ("enum",),
        "d": ("domain",),
        "r": ("range type",),
        "m": ("range type",),
        "c": ("composite type",),
    },
}
_ALTERS: dict[str, tuple[str, ...]] = {
    **{catalog: tuple({k for ks in by.values() for k in ks}) for catalog, by in _BY_KIND.items()},
    "pg_namespace": ("schema",),
    "pg_extension": ("extension",),
    "pg_proc": ("function", "procedure", "aggregate"),
    "pg_constraint": ("constraint", "index"),
    "pg_trigger": ("trigger",),
    "pg_policy": ("policy",),
    "pg_attribute": ("column", "composite type"),
    "pg_inherits": ("table",),
    "pg_attrdef": ("column",),
    "pg_index": ("index", "constraint"),
    "pg_rewrite": ("view", "materialized view"),
    "pg_enum": ("enum",),
    "pg_sequence": ("sequence",),
}
# A relation's attributes are a table's columns or a composite type's attributes (an index's
# or a sequence's are part of the index or sequence, whose own rows say so).
_ATTRIBUTES_OF = {"r": ("column",), "p": ("column",), "f": ("column",), "c": ("composite type",)}
_BY_OWNER = {"pg_description", "pg_depend", "dependents"}  # "dependents": see DEPENDENTS
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
    kinds: set[str] | None = None  # the object kinds that may differ in them; None: any


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
    owners: list[tuple[str, Owner]] = []  # (catalog of the changed row, what owns it)
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
        owners.append((catalog, owner))
        if not _BY_NAME[catalog].keyed:
            continue
        known = keys.setdefault(catalog, {})
        before = known.get(key)
        if before is None:
            read_all = read_all or catalog == "pg_extension"
        elif (before.name, before.label) != (owner.name, owner.label) and not _dropped(owner):
            owners.append(("renamed", before))
            read_all = read_all or catalog in _READ_ALL_ON_CHANGE
            if catalog in _NAMED_BY_DEPENDENTS:  # the key starts with the (table's) OID
                renamed.add(int(key.split("/", 1)[0]))
        known[key] = owner
    gone_relations: set[str] = set()
    for catalog in sorted(counts, key=lambda c: c == "pg_attribute"):  # after pg_class
        known = keys.setdefault(catalog, {})
        if counts[catalog] >= len(known):
            continue
        gone = _gone_columns(known, gone_relations, counts[catalog]) or [
            key
            for (key,) in query.fetchall(_vanished_sql(_BY_NAME[catalog]), {"keys": list(known)})
        ]
        for key in gone:
            owners.append((catalog, known.pop(key)))
            read_all = read_all or catalog in _READ_ALL_ON_CHANGE
        if catalog == "pg_class":
            gone_relations.update(gone)
    if renamed:
        rows = query.fetchall(DEPENDENTS, {"oids": sorted(renamed)})
        owners += [("dependents", Owner(*row)) for row in rows]
    if read_all:
        return Changes(None, CatalogIndex(keys, marker))
    # An owner that vanished resolves through the old index; one renamed, through both.
    scopes: set[str] = set()
    kinds: set[str] | None = set()
    for catalog, owner in owners:
        found = {s for s in (scope_of(owner, keys), scope_of(owner, old)) if s is not None}
        if not found:
            continue  # nothing a snapshot holds (a toast table, a system object)
        scopes |= found
        altered = _altered(catalog, owner, _described(catalog, owner, keys, old))
        kinds = None if kinds is None or altered is None else kinds | set(altered)
    return Changes(scopes, CatalogIndex(keys, marker), kinds)


def _dropped(owner: Owner) -> bool:
    """A dropped column: PostgreSQL keeps its pg_attribute row under a name of its own; what
    depended on it went with it (its own rows say so), so this is no rename."""
    return owner.label is not None and owner.label.startswith("........pg.dropped.")


def _gone_columns(known: dict[str, Owner], gone_relations: set[str], count: int) -> list[str]:
    """The pg_attribute keys that vanished, when the relations that vanished explain the count
    (a column never vanishes alone: DROP COLUMN keeps its row under another name); else []
    (ask the server). Sending every column's key to the server is what this saves."""
    gone = [key for key in known if key.split("/", 1)[0] in gone_relations]
    return gone if gone and len(known) - len(gone) == count else []


def _described(catalog: str, owner: Owner, keys: Rows, old: Rows) -> Owner | None:
    """The index entry of what a row of pg_description or pg_depend is about, or of the
    relation a pg_attribute row is a column of (now, or before it vanished)."""
    if catalog in _BY_OWNER:
        where, oid = owner.cls or "", owner.obj
    elif catalog == "pg_attribute":
        where, oid = "pg_class", owner.rel
    else:
        return None
    return keys.get(where, {}).get(str(oid)) or old.get(where, {}).get(str(oid))


def _altered(catalog: str, owner: Owner, described: Owner | None) -> tuple[str, ...] | None:
    """The object kinds a changed row may alter (None: any); `described`: see _described."""
    if catalog == "renamed":
        return None
    if catalog in _BY_OWNER:
        if described is not None:
            return _altered(owner.cls or "", described, None)
        return _ALTERS.get(owner.cls or "")
    if catalog == "pg_attribute" and described is not None:
        return _ATTRIBUTES_OF.get(described.kind or "", ())
    if catalog in _BY_KIND:
        return _BY_KIND[catalog].get(owner.kind or "", ())
    return _ALTERS.get(catalog)


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
