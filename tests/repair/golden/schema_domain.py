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
    # domain public.hex_code: missing on a fresh database
    op.execute("CREATE DOMAIN public.hex_code AS text NOT NULL")
    op.execute(
        "ALTER DOMAIN public.hex_code ADD CONSTRAINT ck_hex_code_format CHECK ((VALUE "
        "~ '^#[0-9A-F]{6}$'::text))"
    )


def downgrade() -> None:
    # domain public.hex_code: missing on a fresh database
    op.execute("DROP DOMAIN public.hex_code")
