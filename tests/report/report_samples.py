"""Hand-built RunResults for the golden tests: deterministic, and covering every branch a
renderer has (failure, skip, merge, findings of each severity, history-wide, tenant, SQL,
a --since gate, a reference diff), plus the small rule catalogue their codes point to."""

from __future__ import annotations

from migcheck.model import (
    Failure,
    FailureKind,
    Finding,
    Location,
    ProjectInfo,
    RevisionResult,
    RunResult,
    ServerInfo,
    Severity,
    Statement,
    Status,
    StepResult,
)
from migcheck.rules import Rule

VERSIONS = "sample_migrations/colors/versions"

RULES = {
    "MC101": Rule(
        code="MC101",
        name="multiple-heads",
        severity=Severity.ERROR,
        summary="The history has more than one head",
        why="`alembic upgrade head` refuses to run with several heads.",
        bad="b1 and c1 both revise a0",
        good="m2 = alembic merge b1 c1",
        fix="merge the heads",
    ),
    "MC301": Rule(
        code="MC301",
        name="reference-rows-skipped",
        severity=Severity.ERROR,
        summary="A data migration leaves reference rows out on a fresh database",
        why="A guard that checks for existing rows skips the insert on an empty database.",
        fix="insert unconditionally with ON CONFLICT DO NOTHING",
    ),
    "MC801": Rule(
        code="MC801",
        name="index-not-concurrent",
        severity=Severity.WARNING,
        summary="CREATE INDEX without CONCURRENTLY locks writes",
        why="A plain CREATE INDEX blocks every write to the table while it builds.",
        bad="op.create_index('ix_orders_customer', 'orders', ['customer_id'])",
        good="op.create_index(..., postgresql_concurrently=True) in an autocommit block",
        fix="build the index concurrently",
    ),
}


def _stmt(sql: str, ms: float, rows: int | None = None, line: int | None = None) -> Statement:
    return Statement(sql=sql, duration_ms=ms, rowcount=rows, line=line)


def _revision(
    rid: str, down: list[str], message: str, up: StepResult | None, **kw: object
) -> RevisionResult:
    status = up.status if up else Status.SKIPPED
    return RevisionResult(
        revision=rid,
        path=f"{VERSIONS}/{rid}_{message.replace(' ', '_')}.py",
        message=message,
        down_revisions=down,
        status=status,
        upgrade=up,
        **kw,  # type: ignore[arg-type]
    )


def _base(command: str, revisions: list[RevisionResult], findings: list[Finding]) -> RunResult:
    return RunResult(
        command=command,
        project=ProjectInfo(
            config_file="sample_migrations/colors/alembic.ini",
            script_location="sample_migrations/colors",
            heads=[revisions[-1].revision] if revisions else [],
        ),
        server=ServerInfo(kind="embedded", version="16.4", description="embedded PostgreSQL 16.4"),
        revisions=revisions,
        findings=findings,
        started_at="2026-01-12T09:30:00+00:00",
        duration_ms=1843.2,
        tool_version="0.1.0",
    )


def clean() -> RunResult:
    """Three revisions, all applied and round-tripped, nothing found."""
    a = StepResult("upgrade", Status.OK, 41.5, [_stmt("CREATE TABLE colors (id serial)", 38.0)])
    b = StepResult(
        "upgrade",
        Status.OK,
        12.25,
        [_stmt("INSERT INTO colors (name) VALUES ('red'), ('blue')", 1.5, 2, 14)],
    )
    c = StepResult("upgrade", Status.OK, 230.0, [_stmt("CREATE INDEX ix ON colors (name)", 228.0)])
    down = StepResult("downgrade", Status.OK, 8.0, [_stmt("DROP INDEX ix", 7.0)])
    revisions = [
        _revision("a1b2c3d4e5f6", [], "create colors", a),
        _revision("b2c3d4e5f6a1", ["a1b2c3d4e5f6"], "seed colors", b),
        _revision("c3d4e5f6a1b2", ["b2c3d4e5f6a1"], "index color names", c, downgrade=down),
    ]
    result = _base("run", revisions, [])
    result.extras["gate"] = {"fail_on": "error", "since": None, "new_revisions": None}
    return result


def broken() -> RunResult:
    """A failure, a skipped descendant, a merge, findings of every severity, a --since gate
    (only 9f8e7d6c5b4a is new, so the old revision's error was demoted), and a diff."""
    failure = Failure(
        kind=FailureKind.MISSING_OBJECT,
        summary='missing object: constraint "uq_sizes_name" of table "sizes" does not exist',
        message='constraint "uq_sizes_name" of relation "sizes" does not exist',
        sqlstate="42704",
        table="sizes",
        constraint="uq_sizes_name",
        statement="ALTER TABLE sizes DROP CONSTRAINT uq_sizes_name",
        path=f"{VERSIONS}/9f8e7d6c5b4a_rename_sizes.py",
        line=23,
        exception="UndefinedObject",
    )
    revisions = [
        _revision(
            "1a2b3c4d5e6f",
            [],
            "create colors and sizes",
            StepResult(
                "upgrade",
                Status.OK,
                64.0,
                [
                    _stmt("CREATE TABLE colors (id serial PRIMARY KEY, name text)", 30.0),
                    _stmt("CREATE TABLE sizes (id serial PRIMARY KEY, name text)", 31.0),
                ],
            ),
        ),
        _revision(
            "2b3c4d5e6f1a",
            ["1a2b3c4d5e6f"],
            "seed colors | guarded",
            StepResult(
                "upgrade",
                Status.OK,
                5.5,
                [_stmt("SELECT count(*) FROM colors", 0.8, 1, 19)],
            ),
        ),
        _revision(
            "3c4d5e6f1a2b",
            ["1a2b3c4d5e6f"],
            "orders by customer",
            StepResult(
                "upgrade",
                Status.OK,
                420.0,
                [_stmt("CREATE INDEX ix_orders_customer ON orders (customer_id)", 415.0)],
            ),
        ),
        _revision(
            "4d5e6f1a2b3c",
            ["2b3c4d5e6f1a", "3c4d5e6f1a2b"],
            "merge heads",
            StepResult("upgrade", Status.OK, 0.4, []),
            is_merge=True,
        ),
        _revision(
            "9f8e7d6c5b4a",
            ["4d5e6f1a2b3c"],
            "rename sizes",
            StepResult(
                "upgrade",
                Status.FAILED,
                3.2,
                [_stmt("ALTER TABLE sizes DROP CONSTRAINT uq_sizes_name", 1.1, None, 23)],
                failure,
            ),
        ),
        _revision("0a9b8c7d6e5f", ["9f8e7d6c5b4a"], "add size order", None, is_head=True),
    ]
    revisions[-1].skipped_because = "9f8e7d6c5b4a failed"
    findings = [
        Finding(
            code="MC301",
            severity=Severity.WARNING,
            message="colors has 0 rows on a fresh database; the reference has 2 (red, blue)",
            location=Location(
                f"{VERSIONS}/2b3c4d5e6f1a_seed_colors_|_guarded.py", 19, "2b3c4d5e6f1a"
            ),
            hint="insert unconditionally with ON CONFLICT DO NOTHING",
            check="data",
            subject="table public.colors",
            sql="SELECT count(*) FROM colors",
            details={"demoted_from": "error", "missing_rows": 2},
        ),
        Finding(
            code="MC801",
            severity=Severity.WARNING,
            message="CREATE INDEX ix_orders_customer locks writes to orders while it builds",
            location=Location(line=12, revision="3c4d5e6f1a2b"),
            hint="build the index concurrently",
            check="lint",
            subject="index ix_orders_customer",
            sql="CREATE INDEX ix_orders_customer ON orders (customer_id)",
        ),
        Finding(
            code="MC801",
            severity=Severity.INFO,
            message="tenant acme: the index is built per tenant schema",
            location=Location(line=12, revision="3c4d5e6f1a2b"),
            check="lint",
            tenant="acme",
        ),
        Finding(
            code="MC999",
            severity=Severity.ERROR,
            message="rename leaves <sizes> & its `uq_sizes_name` constraint behind",
            location=Location(f"{VERSIONS}/9f8e7d6c5b4a_rename_sizes.py", 23, "9f8e7d6c5b4a"),
            check="lint",
        ),
        Finding(
            code="MC101",
            severity=Severity.ERROR,
            message="the history has 2 heads: 0a9b8c7d6e5f, 5e6f1a2b3c4d",
            location=Location("sample_migrations/colors/alembic.ini"),
            hint="merge the heads",
            check="graph",
            subject="heads",
        ),
    ]
    result = _base("run", revisions, findings)
    result.extras["gate"] = {
        "fail_on": "error",
        "since": "origin/main",
        "new_revisions": ["9f8e7d6c5b4a"],
    }
    result.extras["checks"] = ["data", "graph", "lint", "stairway"]
    result.extras["diff"] = {
        "schema": "--- reference\n+++ migrations\n@@ table public.sizes @@\n"
        "-  uq_sizes_name UNIQUE (name)\n+  uq_sizes_normalized_name UNIQUE (name)",
        "data": "",
    }
    result.extras["graph"] = {"merge_points": ["4d5e6f1a2b3c"]}
    return result


SAMPLES = {"clean": clean, "broken": broken}
