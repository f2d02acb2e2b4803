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
    # reference rows missing after a fresh replay (found by natural key)
    op.execute(
        """
        INSERT INTO public.colors (name, hex, parent_id)
        VALUES
            ('Blue', '#0000FF', NULL),
            ('White', '#FFFFFF', NULL)
        ON CONFLICT (name) DO NOTHING
        """
    )
    op.execute(
        """
        INSERT INTO public.colors (name, hex, parent_id)
        VALUES
            (
                'Indigo',
                '#4B0082',
                (SELECT id FROM public.colors WHERE name = 'Blue')
            ),
            (
                'Off-white',
                '#FAF9F6',
                (SELECT id FROM public.colors WHERE name = 'White')
            )
        ON CONFLICT (name) DO NOTHING
        """
    )
    op.execute(
        """
        INSERT INTO public.colors (name, hex, parent_id)
        VALUES
            (
                'Ivory',
                '#FFFFF0',
                (SELECT id FROM public.colors WHERE name = 'Off-white')
            )
        ON CONFLICT (name) DO NOTHING
        """
    )
    op.execute(
        """
        INSERT INTO public.swatches (id, color_id, label)
        VALUES
            (
                1,
                (SELECT id FROM public.colors WHERE name = 'Indigo'),
                'Indigo, matte'
            ),
            (2, (SELECT id FROM public.colors WHERE name = 'Black'), 'Black, gloss')
        ON CONFLICT (id) DO NOTHING
        """
    )
    op.execute(
        "SELECT setval(pg_get_serial_sequence('public.swatches', 'id'), (SELECT "
        "max(id) FROM public.swatches))"
    )


def downgrade() -> None:
    # reference rows missing after a fresh replay (found by natural key)
    op.execute("DELETE FROM public.swatches WHERE id IN (1, 2)")
    op.execute("DELETE FROM public.colors WHERE name = 'Ivory'")
    op.execute("DELETE FROM public.colors WHERE name IN ('Indigo', 'Off-white')")
    op.execute("DELETE FROM public.colors WHERE name IN ('Blue', 'White')")
