"""create tenant projects

Revision ID: 9f2c6a0e8b35
Revises: 3e8b0d6c2a71
Create Date: 2026-02-03 11:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "9f2c6a0e8b35"
down_revision: Union[str, Sequence[str], None] = "3e8b0d6c2a71"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "projects",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Text(), server_default="active", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["tenant.users.id"],
            name=op.f("fk_projects_owner_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["status_code"],
            ["tenant.project_statuses.code"],
            name=op.f("fk_projects_status_code_project_statuses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        schema="tenant",
    )
    op.create_index(
        op.f("ix_projects_owner_id"), "projects", ["owner_id"], unique=False, schema="tenant"
    )
    op.create_index(
        op.f("ix_projects_status_code"),
        "projects",
        ["status_code"],
        unique=False,
        schema="tenant",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_projects_status_code"), table_name="projects", schema="tenant")
    op.drop_index(op.f("ix_projects_owner_id"), table_name="projects", schema="tenant")
    op.drop_table("projects", schema="tenant")
