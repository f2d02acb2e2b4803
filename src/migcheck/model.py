"""The one result model of a migcheck run.

Every stage writes into these dataclasses and every renderer (terminal, JSON, JUnit, SARIF,
GitHub, Markdown, HTML) reads from them, so nothing is computed twice and a saved JSON result
can be re-rendered later (`migcheck report`). The JSON form is versioned by SCHEMA_VERSION;
bump it when a field changes meaning or disappears (adding optional fields is compatible).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

SCHEMA_VERSION = 1


class Severity(enum.StrEnum):
    """How bad a finding is; `--fail-on` compares against `rank`."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Status(enum.StrEnum):
    """What happened to one revision (or one step of it) during a replay."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # not run: an ancestor failed, or the step was not asked for


class FailureKind(enum.StrEnum):
    """Classes of failure, each explained to the user in one human line."""

    FOREIGN_KEY_VIOLATION = "foreign_key_violation"
    UNIQUE_VIOLATION = "unique_violation"
    NOT_NULL_VIOLATION = "not_null_violation"
    CHECK_VIOLATION = "check_violation"
    MISSING_OBJECT = "missing_object"
    DUPLICATE_OBJECT = "duplicate_object"
    SYNTAX_ERROR = "syntax_error"
    TIMEOUT = "timeout"
    DEPENDENT_OBJECTS = "dependent_objects"
    PYTHON_ERROR = "python_error"
    IRREVERSIBLE = "irreversible"  # a downgrade that raises NotImplementedError on purpose
    DATABASE_ERROR = "database_error"


@dataclass
class Location:
    """Where a finding points: a revision file and line (both optional for graph-wide ones)."""

    path: str | None = None
    line: int | None = None
    revision: str | None = None


@dataclass
class Finding:
    """One result of a check: stable code, severity, one-line message, location, hint."""

    code: str
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)
    hint: str = ""
    check: str = ""
    tenant: str | None = None
    # The object the finding is about (e.g. "table public.colors"), used for baselines.
    subject: str = ""
    sql: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Identity that survives line moves: what a baseline file records."""
        parts = [self.code, self.location.revision or "", self.subject or self.message]
        if self.tenant:
            parts.append(self.tenant)
        return "|".join(parts)


@dataclass
class Statement:
    """One SQL statement a revision executed, as captured from SQLAlchemy's cursor events."""

    sql: str
    duration_ms: float
    rowcount: int | None = None
    line: int | None = None  # line of the revision file that issued it, when it did
    parameters: str | None = None  # repr of the bound parameters, shortened
    failed: bool = False


@dataclass
class Failure:
    """Why a step failed: the server's diagnostics plus the revision line that issued it."""

    kind: FailureKind
    summary: str
    message: str
    sqlstate: str | None = None
    detail: str | None = None
    hint: str | None = None
    schema: str | None = None
    table: str | None = None
    column: str | None = None
    constraint: str | None = None
    statement: str | None = None
    path: str | None = None
    line: int | None = None
    exception: str = ""


@dataclass
class StepResult:
    """One run of a revision's upgrade() or downgrade()."""

    direction: str  # "upgrade" | "downgrade"
    status: Status
    duration_ms: float = 0.0
    statements: list[Statement] = field(default_factory=list)
    failure: Failure | None = None

    @property
    def dml_statements(self) -> list[Statement]:
        return [s for s in self.statements if statement_kind(s.sql) in DML_KINDS]


@dataclass
class RevisionResult:
    """Everything migcheck learnt about one revision in a run."""

    revision: str
    path: str
    message: str = ""
    down_revisions: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    branch_labels: list[str] = field(default_factory=list)
    is_merge: bool = False
    is_head: bool = False
    status: Status = Status.SKIPPED
    upgrade: StepResult | None = None
    downgrade: StepResult | None = None
    skipped_because: str | None = None

    @property
    def duration_ms(self) -> float:
        return sum(s.duration_ms for s in (self.upgrade, self.downgrade) if s is not None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (as inside a RunResult's `revisions`)."""
        return _to_jsonable(self)


@dataclass
class ServerInfo:
    """Which PostgreSQL the run used; never holds a password."""

    kind: str  # "embedded" | "container" | "url"
    version: str = ""
    description: str = ""


@dataclass
class ProjectInfo:
    config_file: str
    script_location: str
    heads: list[str] = field(default_factory=list)
    tenant: str | None = None


@dataclass
class RunResult:
    """The whole run: what every renderer reads and `--json` writes."""

    command: str
    project: ProjectInfo
    server: ServerInfo
    revisions: list[RevisionResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    started_at: str = ""
    duration_ms: float = 0.0
    tool_version: str = ""
    schema_version: int = SCHEMA_VERSION
    # Stage-specific payloads (e.g. the reference diff) live under their stage's name.
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def failed_revisions(self) -> list[RevisionResult]:
        return [r for r in self.revisions if r.status is Status.FAILED]

    def revision(self, revision_id: str) -> RevisionResult | None:
        return next((r for r in self.revisions if r.revision == revision_id), None)

    def to_dict(self) -> dict[str, Any]:
        return _to_jsonable(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"result schema_version {version!r} is not {SCHEMA_VERSION}: "
                "re-run migcheck with this version to produce it"
            )
        return _from_jsonable(cls, data)


DML_KINDS = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "COPY"})


def statement_text(sql: str) -> str:
    """A statement without its leading whitespace and comments."""
    text = sql.lstrip()
    while text.startswith("--") or text.startswith("/*"):
        if text.startswith("--"):
            text = text.split("\n", 1)[1].lstrip() if "\n" in text else ""
        else:
            text = text.split("*/", 1)[1].lstrip() if "*/" in text else ""
    return text


def statement_kind(sql: str) -> str:
    """First keyword of a statement (skipping comments and WITH clauses), upper-cased."""
    text = statement_text(sql)
    word = text.split(None, 1)[0].upper() if text else ""
    word = word.rstrip("(;")
    if word == "WITH":
        for kind in ("INSERT", "UPDATE", "DELETE", "MERGE"):
            if f" {kind} " in f" {text.upper()} ":
                return kind
        return "SELECT"
    return word


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    return value


T = TypeVar("T")


def _from_jsonable(tp: Any, value: Any) -> Any:
    """Rebuild dataclasses from their JSON form, guided by the type hints."""
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _from_jsonable(args[0], value) if len(args) == 1 else value
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_from_jsonable(item, v) for v in value]
    if origin is dict:
        return dict(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        kwargs = {k: _from_jsonable(hints[k], v) for k, v in value.items() if k in known}
        return tp(**kwargs)
    return value
