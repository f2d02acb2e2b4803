"""seed the category tree (reference data)

Data migration. Parents are inserted before their children and every child looks its parent
up by natural key (slug), never by a hard-coded id. ON CONFLICT (slug) DO NOTHING makes the
upgrade safe to re-run. The downgrade deletes exactly these rows (children first) and puts the
identity sequence back, so a re-upgrade assigns the same ids again.

Revision ID: 1a7d5e9c3b60
Revises: e6f0a4b8c312
Create Date: 2026-01-07 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "1a7d5e9c3b60"
down_revision: Union[str, Sequence[str], None] = "e6f0a4b8c312"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Insert the reference categories, parents first."""
    # top-level categories
    op.execute(
        "INSERT INTO categories (slug, name, parent_id) VALUES ('apparel', 'Apparel', NULL) "
        "ON CONFLICT (slug) DO NOTHING"
    )
    op.execute(
        "INSERT INTO categories (slug, name, parent_id) VALUES ('footwear', 'Footwear', NULL) "
        "ON CONFLICT (slug) DO NOTHING"
    )
    op.execute(
        "INSERT INTO categories (slug, name, parent_id) "
        "VALUES ('accessories', 'Accessories', NULL) "
        "ON CONFLICT (slug) DO NOTHING"
    )
    # children: the parent is looked up by its slug
    op.execute(
        "INSERT INTO categories (slug, name, parent_id) "
        "VALUES ('t-shirts', 'T-Shirts', (SELECT id FROM categories WHERE slug = 'apparel')) "
        "ON CONFLICT (slug) DO NOTHING"
    )
    op.execute(
        "INSERT INTO categories (slug, name, parent_id) "
        "VALUES ('hoodies', 'Hoodies', (SELECT id FROM categories WHERE slug = 'apparel')) "
        "ON CONFLICT (slug) DO NOTHING"
    )
    op.execute(
        "INSERT INTO categories (slug, name, parent_id) "
        "VALUES ('sneakers', 'Sneakers', (SELECT id FROM categories WHERE slug = 'footwear')) "
        "ON CONFLICT (slug) DO NOTHING"
    )
    op.execute(
        "INSERT INTO categories (slug, name, parent_id) "
        "VALUES ('boots', 'Boots', (SELECT id FROM categories WHERE slug = 'footwear')) "
        "ON CONFLICT (slug) DO NOTHING"
    )
    op.execute(
        "INSERT INTO categories (slug, name, parent_id) "
        "VALUES ('bags', 'Bags', (SELECT id FROM categories WHERE slug = 'accessories')) "
        "ON CONFLICT (slug) DO NOTHING"
    )


def downgrade() -> None:
    """Delete exactly the rows the upgrade inserted, children first."""
    op.execute(
        "DELETE FROM categories "
        "WHERE slug IN ('t-shirts', 'hoodies', 'sneakers', 'boots', 'bags')"
    )
    op.execute("DELETE FROM categories WHERE slug IN ('apparel', 'footwear', 'accessories')")
    # put the identity sequence back so that a re-upgrade assigns the same ids
    op.execute(
        "SELECT setval(pg_get_serial_sequence('categories', 'id'), "
        "COALESCE((SELECT max(id) FROM categories), 0) + 1, false)"
    )
