"""create tenant project_members

Revision ID: 6b0e4c8a2d97
Revises: d4a8e2c6f150
Create Date: 2026-02-05 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "6b0e4c8a2d97"
down_revision: Union[str, Sequence[str], None] = "d4a8e2c6f150"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "project_members",
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.Text(), server_default="viewer", nullable=False),
        sa.CheckConstraint(
            "role IN ('owner', 'editor', 'viewer')", name=op.f("ck_project_members_role_known")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["tenant.projects.id"],
            name=op.f("fk_project_members_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["tenant.users.id"],
            name=op.f("fk_project_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_project_members")),
        schema="tenant",
    )
    op.create_index(
        op.f("ix_project_members_user_id"),
        "project_members",
        ["user_id"],
        unique=False,
        schema="tenant",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_project_members_user_id"), table_name="project_members", schema="tenant")
    op.drop_table("project_members", schema="tenant")
