"""Alembic environment of the multi-tenant sample: one schema per tenant.

Tenant tables are declared (in models.py and in the revisions) under the placeholder schema
``tenant``; at run time the placeholder is remapped to the tenant being migrated with
SQLAlchemy's ``schema_translate_map``. Pick the tenant with an -x argument::

    alembic -x tenant=acme upgrade heads      # default tenant: tenant_default

env.py creates the tenant schema if it is missing and keeps that tenant's alembic_version
table inside it. The shared registry ``public.tenants`` is not remapped.

Online mode uses the connection handed over in ``config.attributes["connection"]`` when a
caller (a test harness, migcheck) provides one -- the Alembic cookbook pattern -- and
otherwise builds an engine from ``sqlalchemy.url``.

Caveats that come with schema_translate_map (SQLAlchemy applies it only to Table objects
executed on a connection): revisions must use op.create_table / op.create_index /
op.drop_* and Core constructs on ``sa.Table(..., schema="tenant")``; raw SQL naming
"tenant.", ``sa.table()`` (lightweight TableClause) and Alembic's ALTER-based operations
(op.add_column, op.drop_column, op.alter_column) are NOT remapped. Offline (--sql) output
is not remapped either: its DDL names the placeholder schema ``tenant``.
"""

from __future__ import annotations

import re
import sys
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import MetaData, engine_from_config, pool
from sqlalchemy.engine import Connection

# env.py is executed by path, so make the project folder importable for ``models``.
PROJECT_DIR = str(Path(__file__).resolve().parent)
if PROJECT_DIR not in sys.path:
    sys.path.insert(0, PROJECT_DIR)

import models  # noqa: E402

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = models.metadata

TENANT_PLACEHOLDER = models.TENANT_SCHEMA  # "tenant"
TENANT_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def get_tenant() -> str:
    tenant = context.get_x_argument(as_dictionary=True).get("tenant", "tenant_default")
    if not TENANT_NAME.match(tenant) or tenant == TENANT_PLACEHOLDER:
        raise ValueError(f"invalid tenant schema name: {tenant!r}")
    return tenant


def metadata_for(tenant: str) -> MetaData:
    """target_metadata with the placeholder schema replaced by the tenant's schema.

    Autogenerate reflects the real schema, so it must compare against the real name.
    """
    translated = MetaData(naming_convention=target_metadata.naming_convention)
    for table in target_metadata.sorted_tables:
        if table.schema == TENANT_PLACEHOLDER:
            table.to_metadata(translated, schema=tenant)
        else:
            table.to_metadata(translated)
    return translated


def include_name_for(tenant: str):
    def include_name(name, type_, parent_names):
        # autogenerate looks at the default schema (public.tenants) and this tenant only
        if type_ == "schema":
            return name in (None, tenant)
        return True

    return include_name


def run_migrations_offline() -> None:
    """Emit the migrations as SQL script output, without a database connection."""
    tenant = get_tenant()
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata_for(tenant),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        version_table_schema=tenant,
        include_schemas=True,
        include_name=include_name_for(tenant),
        compare_type=True,
    )
    with context.begin_transaction():
        context.execute(f'CREATE SCHEMA IF NOT EXISTS "{tenant}"')
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    tenant = get_tenant()
    connection = connection.execution_options(schema_translate_map={TENANT_PLACEHOLDER: tenant})
    context.configure(
        connection=connection,
        target_metadata=metadata_for(tenant),
        version_table_schema=tenant,
        include_schemas=True,
        include_name=include_name_for(tenant),
        compare_type=True,
    )
    with context.begin_transaction():
        context.execute(f'CREATE SCHEMA IF NOT EXISTS "{tenant}"')
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against a live database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return

    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        do_run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
