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
    # function public.touch_sku(): missing on a fresh database
    op.execute(
        """
CREATE OR REPLACE FUNCTION public.touch_sku()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    NEW.sku := upper(NEW.sku);
    RETURN NEW;
END
$function$"""
    )

    # trigger public.items.items_touch_sku: missing on a fresh database
    op.execute(
        "CREATE TRIGGER items_touch_sku BEFORE INSERT ON public.items FOR EACH ROW "
        "EXECUTE FUNCTION public.touch_sku()"
    )


def downgrade() -> None:
    # trigger public.items.items_touch_sku: missing on a fresh database
    op.execute("DROP TRIGGER items_touch_sku ON public.items")

    # function public.touch_sku(): missing on a fresh database
    op.execute("DROP FUNCTION public.touch_sku()")
