"""The catalog queries: one per object kind, across all user schemas at once.

A snapshot is a handful of queries, never one round trip per object, so a 200-table schema
reads in tens of milliseconds. Names come out schema-qualified (`public.colors`) because the
snapshot runs them with an empty search_path, as pg_dump does; no OID reaches the snapshot.
Objects that belong to an extension (pg_depend deptype 'e') are the extension's, not the
project's, and are left out. Every query takes %(scope)s: NULL for everything, or the names
to read (a blame probe reads only the objects that differ). No other `%` (see runner.py).
"""

from __future__ import annotations

# Namespaces the project owns: not the system ones, not pg_temp_*/pg_toast*.
USER_NAMESPACE = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
QUALIFIED_REL = "n.nspname || '.' || c.relname"


def comment(catalog: str, oid: str, subid: str = "0") -> str:
    """The object's comment: one lookup in pg_description's index. (obj_description() is a
    SQL function re-planned per row, and a join is planned badly on catalogs without fresh
    statistics, as in a just-created database.)"""
    return (
        f"(SELECT ds.description FROM pg_description ds WHERE ds.objoid = {oid} "
        f"AND ds.classoid = '{catalog}'::regclass AND ds.objsubid = {subid})"
    )


READ_ALL = "CAST(%(scope)s AS text[]) IS NULL OR "
NAMES = "CAST(%(names)s AS name[])"


def in_scope(name: str, unqualified: str | None = None) -> str:
    """Limit a query to the names in %(scope)s (a text[]); NULL reads everything. `name` is
    the object's scope name: its own qualified name, or its table's. `unqualified`, the same
    name's catalog column, is matched against %(names)s too, so that a scoped read finds its
    rows through the catalog's name index (the reader drops READ_ALL from a scoped query, so
    the plan need not serve both). (CAST, not `::`, so the placeholders also read as
    SQLAlchemy's `:scope`.)"""
    test = f"{name} = ANY(CAST(%(scope)s AS text[]))"
    if unqualified is not None:
        test = f"{unqualified} = ANY({NAMES}) AND {test}"
    return f"({READ_ALL}({test}))"


def not_extension_member(catalog: str, oid: str) -> str:
    return (
        "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
        f"'{catalog}'::regclass AND d.objid = {oid} AND d.deptype = 'e')"
    )


SCHEMAS = f"""
SELECT n.nspname, pg_get_userbyid(n.nspowner), n.nspacl::text[],
       {comment("pg_namespace", "n.oid")}
FROM pg_namespace n
WHERE {USER_NAMESPACE} AND {not_extension_member("pg_namespace", "n.oid")}
  AND {in_scope("n.nspname")}
"""

EXTENSIONS = f"""
SELECT e.extname, n.nspname, e.extversion, {comment("pg_extension", "e.oid")}
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE {in_scope("e.extname")}
"""

RELATIONS = f"""
SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.relispartition,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       pg_get_expr(c.relpartbound, c.oid),
       ARRAY(SELECT pn.nspname || '.' || p.relname FROM pg_inherits i
             JOIN pg_class p ON p.oid = i.inhparent
             JOIN pg_namespace pn ON pn.oid = p.relnamespace
             WHERE i.inhrelid = c.oid ORDER BY i.inhseqno),
       c.reloptions,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END,
       c.relrowsecurity, c.relforcerowsecurity, am.amname,
       pg_get_userbyid(c.relowner), c.relacl::text[], {comment("pg_class", "c.oid")},
       pg_relation_size(c.oid) > 0
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {USER_NAMESPACE}
  AND {not_extension_member("pg_class", "c.oid")}
  AND {in_scope(QUALIFIED_REL, "c.relname")}
"""

# Columns of tables (views' columns follow from their definition).
COLUMNS = f"""
SELECT n.nspname, c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod),
       a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,
       {comment("pg_class", "c.oid", "a.attnum")}, a.attacl::text[], t.typcategory,
       a.attislocal
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f')
  AND {USER_NAMESPACE} AND {not_extension_member("pg_class", "c.oid")}
  AND {in_scope(QUALIFIED_REL, "c.relname")}
ORDER BY n.nspname, c.relname, a.attnum
"""

# Table and domain constraints. NOT NULL constraints (PostgreSQL 18) are the columns' business.
CONSTRAINTS = f"""
SELECT n.nspname, COALESCE(c.relname, t.typname), con.conname, con.contype,
       pg_get_constraintdef(con.oid), con.contypid <> 0, {comment("pg_constraint", "con.oid")},
       con.conkey, rn.nspname || '.' || r.relname, con.confkey
FROM pg_constraint con
JOIN pg_namespace n ON n.oid = con.connamespace
LEFT JOIN pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_type t ON t.oid = con.contypid
LEFT JOIN pg_class r ON r.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE (con.conrelid <> 0 OR con.contypid <> 0) AND con.contype <> 'n' AND {USER_NAMESPACE}
  AND {not_extension_member("pg_class", "con.conrelid")}
  AND {not_extension_member("pg_type", "con.contypid")}
  AND {in_scope("n.nspname || '.' || COALESCE(c.relname, t.typname)")}
"""

# Indexes that do not back a primary key, unique or exclusion constraint (those are
# constraints). Key parts are assembled in Python from the per-column pieces (an operator
# class is named only when it is not its type's default); column numbers are resolved there
# too, from the columns query.
INDEXES = f"""
SELECT n.nspname, ic.relname, tn.nspname || '.' || tc.relname, i.indisunique, am.amname,
       i.indnkeyatts,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnatts) k ORDER BY k),
       ARRAY(SELECT CASE WHEN opc.opcdefault THEN '' ELSE opc.opcname END
             FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS u(oid, n)
             JOIN pg_opclass opc ON opc.oid = u.oid ORDER BY u.n),
       i.indoption::int2[], pg_get_expr(i.indpred, i.indrelid), {{nulls_not_distinct}},
       {comment("pg_class", "ic.oid")},
       i.indkey::int2[],
       con.oid IS NOT NULL
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_class tc ON tc.oid = i.indrelid
JOIN pg_namespace tn ON tn.oid = tc.relnamespace
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
  AND con.contype IN ('p', 'u', 'x')
WHERE {USER_NAMESPACE} AND {not_extension_member("pg_class", "tc.oid")}
  AND {in_scope("tn.nspname || '.' || tc.relname", "tc.relname")}
"""

SEQUENCES = f"""
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
       s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       (SELECT tn.nspname || '.' || t.relname || '.' || a.attname
        FROM pg_depend d
        JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_namespace tn ON tn.oid = t.relnamespace
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
          AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        LIMIT 1),
       pg_get_userbyid(c.relowner), c.relacl::text[], {comment("pg_class", "c.oid")}
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {USER_NAMESPACE} AND {not_extension_member("pg_class", "c.oid")}
  AND {in_scope(QUALIFIED_REL, "c.relname")}
"""

# Enums, domains, composite types (not tables' row types) and range types.
TYPES = f"""
SELECT n.nspname, t.typname, t.typtype,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder),
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
       t.typnotnull, pg_get_expr(t.typdefaultbin, 0),
       CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN co.collname END,
       ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
               AND NOT a.attisdropped ORDER BY a.attnum),
       (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid),
       pg_get_userbyid(t.typowner), t.typacl::text[], {comment("pg_type", "t.oid")}
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_class rc ON rc.oid = t.typrelid
WHERE t.typtype IN ('e', 'd', 'c', 'r') AND (t.typtype <> 'c' OR rc.relkind = 'c')
  AND {USER_NAMESPACE} AND {not_extension_member("pg_type", "t.oid")}
  AND {in_scope("n.nspname || '.' || t.typname", "t.typname")}
"""

FUNCTIONS = f"""
SELECT n.nspname, p.proname, oidvectortypes(p.proargtypes), p.prokind,
       pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), l.lanname,
       {{body}}, p.provolatile, p.proisstrict, p.prosecdef, p.proleakproof,
       p.proparallel, p.proconfig, pg_get_userbyid(p.proowner), p.proacl::text[],
       {comment("pg_proc", "p.oid")}
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE {USER_NAMESPACE} AND {not_extension_member("pg_proc", "p.oid")}
  AND {in_scope("n.nspname || '.' || p.proname", "p.proname")}
"""

TRIGGERS = f"""
SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled,
       {comment("pg_trigger", "t.oid")}
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND {USER_NAMESPACE} AND {not_extension_member("pg_class", "c.oid")}
  AND {in_scope(QUALIFIED_REL, "c.relname")}
"""

POLICIES = f"""
SELECT n.nspname, c.relname, p.polname, p.polpermissive, p.polcmd,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END
             FROM unnest(p.polroles) r ORDER BY 1),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {USER_NAMESPACE} AND {in_scope(QUALIFIED_REL, "c.relname")}
"""


def versioned(sql: str, version_num: int) -> str:
    """Fill in the parts of a query that depend on the server's major version."""
    return sql.format(
        nulls_not_distinct="i.indnullsnotdistinct" if version_num >= 150000 else "false",
        body=(
            "COALESCE(pg_get_function_sqlbody(p.oid), p.prosrc)"
            if version_num >= 140000
            else "p.prosrc"
        ),
    )
