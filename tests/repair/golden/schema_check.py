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
    # constraint public.items.ck_items_sku: missing on a fresh database
    op.create_check_constraint(op.f("ck_items_sku"), "items", "sku <> ''::text")


def downgrade() -> None:
    # constraint public.items.ck_items_sku: missing on a fresh database
    op.drop_constraint(op.f("ck_items_sku"), "items", type_="check")
