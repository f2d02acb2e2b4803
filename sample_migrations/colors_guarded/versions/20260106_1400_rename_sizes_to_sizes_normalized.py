"""rename sizes to sizes_normalized

Sizes branch. Also renames the unique constraint on name to follow the new table name.

Made idempotent (fix(migrations): make color parent migrations idempotent): the table is
only renamed if ``sizes`` still exists, the constraint only if ``uq_sizes_name`` exists.

Revision ID: 20260106_1400
Revises: 20260105_1630
Create Date: 2026-01-06 14:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
from sqlalchemy import text


# revision identifiers, used by Alembic.
revision: str = "20260106_1400"
down_revision: Union[str, Sequence[str], None] = "20260105_1630"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def table_exists(conn, schema, table):
    result = conn.execute(
        text(
            """
            SELECT EXISTS (
                SELECT 1 FROM information_schema.tables
                WHERE table_schema = :schema AND table_name = :table
            )
            """
        ),
        {"schema": schema, "table": table},
    )
    return result.scalar()


def constraint_exists(conn, schema, table, constraint):
    result = conn.execute(
        text(
            """
            SELECT EXISTS (
                SELECT 1 FROM information_schema.table_constraints
                WHERE table_schema = :schema
                  AND table_name = :table
                  AND constraint_name = :constraint
            )
            """
        ),
        {"schema": schema, "table": table, "constraint": constraint},
    )
    return result.scalar()


def upgrade() -> None:
    """Upgrade schema."""
    conn = op.get_bind()
    if table_exists(conn, "product_attributes", "sizes"):
        op.rename_table("sizes", "sizes_normalized", schema="product_attributes")
    if constraint_exists(conn, "product_attributes", "sizes_normalized", "uq_sizes_name"):
        op.execute(
            "ALTER TABLE product_attributes.sizes_normalized "
            "RENAME CONSTRAINT uq_sizes_name TO uq_sizes_normalized_name"
        )


def downgrade() -> None:
    """Downgrade schema."""
    conn = op.get_bind()
    if constraint_exists(
        conn, "product_attributes", "sizes_normalized", "uq_sizes_normalized_name"
    ):
        op.execute(
            "ALTER TABLE product_attributes.sizes_normalized "
            "RENAME CONSTRAINT uq_sizes_normalized_name TO uq_sizes_name"
        )
    if table_exists(conn, "product_attributes", "sizes_normalized"):
        op.rename_table("sizes_normalized", "sizes", schema="product_attributes")
