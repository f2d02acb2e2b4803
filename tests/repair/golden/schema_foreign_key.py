"""repair: bring a fresh database to the reference

Revision ID: r9
Revises: a1
Create Date: <date>

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "r9"
down_revision: str | Sequence[str] | None = "a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # constraint public.items.fk_items_color_id: missing on a fresh database
    op.create_foreign_key(
        op.f("fk_items_color_id"),
        "items",
        "colors",
        ["color_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    # constraint public.items.fk_items_color_id: missing on a fresh database
    op.drop_constraint(op.f("fk_items_color_id"), "items", type_="foreignkey")
