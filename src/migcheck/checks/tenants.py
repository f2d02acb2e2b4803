"""Tenants: the history replayed once per tenant schema, every finding naming its tenant.

Schema-per-tenant projects run the same history once per tenant: env.py reads the tenant
from an `-x` argument and maps the placeholder schema its models and revisions use (e.g.
"tenant") to the real one, with schema_translate_map or search_path. In production every
tenant lives in the same database and is migrated one after the other, so that is how the
replay must run them too: raw SQL that ignores the map (a hard-coded schema, an unqualified
CREATE landing in public) works for the first tenant and collides for the next, which
separate databases would never show.

Configuration (`[tool.migcheck]`): `tenants = ["user_1", "user_2"]` and, when env.py reads
another key than the one it can be seen reading, `tenant_x_arg = "schema"`.

A run's revision results are the first tenant's (see checks/pipeline.py); an upgrade that
fails only for a later tenant is therefore reported as a finding naming that tenant (MC001).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from migcheck.checks.failures import step_failure
from migcheck.config import Settings
from migcheck.errors import InputError
from migcheck.model import Finding, RevisionResult, Severity, Status
from migcheck.project import Project, make_config
from migcheck.replay.runner import ReplayOptions
from migcheck.rules import Rule, register

CHECK = "tenants"

TENANT_UPGRADE_FAILS = register(
    Rule(
        code="MC001",
        name="tenant-upgrade-fails",
        severity=Severity.ERROR,
        summary="A revision's upgrade fails for a later tenant (not for the first one)",
        why=(
            "Tenants are migrated one after the other in one database: raw SQL naming a schema "
            "(the developer's own tenant, or a shared object created without IF NOT EXISTS) "
            "works for the first tenant and collides for the next, and the deploy stops with "
            "some tenants migrated and others not."
        ),
        bad='op.execute("ALTER TABLE user_1.users ADD COLUMN nickname text")',
        good='op.create_index("ix_users_email", "users", ["email"], schema="tenant")'
        "  # the placeholder, remapped per tenant",
        fix="let env.py's schema_translate_map (or search_path) choose the schema: Table objects "
        'and op.create_table / op.create_index with schema="<placeholder>" (raw SQL and '
        "ALTER-based ops are not remapped, see MC911), never a real tenant's name",
    )
)

DEFAULT_X_ARG = "tenant"

# `context.get_x_argument(as_dictionary=True).get("tenant")`, or `["tenant"]`, directly or
# through a variable holding the dictionary.
_X_DICTIONARY = re.compile(r"get_x_argument\(\s*as_dictionary\s*=\s*True\s*\)")
_ASSIGNED = re.compile(r"(\w+)\s*=\s*(?:\w+\.)*get_x_argument\(\s*as_dictionary\s*=\s*True\s*\)")
_KEY = r"""(?:\.get\(\s*|\[\s*)["']([^"']+)["']"""


def tenant_variants(
    settings: Settings, options: ReplayOptions, env_py: Path | None = None
) -> list[tuple[str | None, ReplayOptions]]:
    """(tenant, options passing `-x <key>=<tenant>`) per configured tenant, in order.

    [(None, options)] when no tenants are configured. With `env_py`, the key is read from
    env.py when not configured, and env.py is required to read -x arguments at all (if it
    does not, every "tenant" would replay into the same schema and prove nothing).
    """
    tenants = settings.get("tenants")
    if not tenants:
        return [(None, options)]
    where = settings.source or "[tool.migcheck]"
    if not isinstance(tenants, list) or not all(isinstance(t, str) and t for t in tenants):
        raise InputError(f'{where}: tenants must be a list of schema names, e.g. ["user_1"]')
    if len(set(tenants)) != len(tenants):
        raise InputError(f"{where}: tenants lists a schema twice; list each tenant once")
    source = env_py.read_text(encoding="utf-8", errors="replace") if env_py else None
    if source is not None and "get_x_argument" not in source:
        raise InputError(
            f"{env_py}: tenants are configured but env.py never reads -x arguments, so every "
            "tenant would replay into the same schema; make env.py read the tenant from -x"
        )
    key = settings.get("tenant_x_arg") or _read_key(source, env_py) or DEFAULT_X_ARG
    if not isinstance(key, str) or "=" in key:
        raise InputError(f"{where}: tenant_x_arg must be the -x key naming the tenant")
    kept = [arg for arg in options.x_args if arg.partition("=")[0] != key]
    return [
        (tenant, dataclasses.replace(options, x_args=[*kept, f"{key}={tenant}"]))
        for tenant in tenants
    ]


def for_tenant(project: Project, options: ReplayOptions) -> Project:
    """The project as `alembic -x ...` would load it with these options' -x arguments.

    Only the Config changes (env.py reads -x from it); the ScriptDirectory, whose revision
    modules are already imported, is shared.
    """
    return dataclasses.replace(project, config=make_config(project.files, options.x_args))


def tag(findings: list[Finding], tenant: str | None) -> list[Finding]:
    """The findings with their tenant set (messages stay as they are: reports show it)."""
    if tenant is None:
        return findings
    return [dataclasses.replace(finding, tenant=tenant) for finding in findings]


def tenant_failures(
    first: tuple[str, list[RevisionResult]], results: list[RevisionResult], tenant: str
) -> list[Finding]:
    """MC001 for each upgrade that failed for `tenant` but not for the first tenant, whose
    (name, results) `first` gives: its results are the run's revisions, and a failure there
    is reported with them."""
    first_tenant, first_results = first
    statuses = {r.revision: r.status for r in first_results}
    findings = []
    for revision in results:
        step = revision.upgrade
        if revision.status is not Status.FAILED or statuses.get(revision.revision) is Status.FAILED:
            continue
        if step is None or step.failure is None:
            continue
        finding = step_failure(TENANT_UPGRADE_FAILS, revision, step, CHECK)
        applied = statuses.get(revision.revision) is Status.OK
        finding.message = (
            f"{revision.revision}: upgrade failed for tenant {tenant}"
            + (f" after it applied for tenant {first_tenant}" if applied else "")
            + f": {step.failure.summary}"
        )
        findings.append(finding)
    return tag(findings, tenant)


def _read_key(source: str | None, env_py: Path | None) -> str | None:
    """The one -x key env.py reads, if it can be seen; None when it reads none or it is unclear.

    Several keys (e.g. "tenant" and "dry_run") are ambiguous unless one is the default key.
    """
    if source is None:
        return None
    holders = [rf"\b{re.escape(name)}" for name in _ASSIGNED.findall(source)]
    readers = [_X_DICTIONARY.pattern, *holders]
    keys = set(re.findall(rf"(?:{'|'.join(readers)}){_KEY}", source))
    if len(keys) <= 1:
        return next(iter(keys), None)
    if DEFAULT_X_ARG in keys:
        return DEFAULT_X_ARG
    raise InputError(
        f"{env_py}: env.py reads -x keys {', '.join(sorted(keys))}; set tenant_x_arg in "
        "[tool.migcheck] to the one naming the tenant"
    )
