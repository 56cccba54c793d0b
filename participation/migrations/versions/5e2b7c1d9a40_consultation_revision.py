"""Consultation revision: the key of cached fragments (proposal list, count)

Revision ID: 5e2b7c1d9a40
Revises: 8c3dd44a2700
Create Date: 2026-12-01 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e2b7c1d9a40"
down_revision = "8c3dd44a2700"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE … ADD COLUMN on every database (see downgrade).
    op.add_column(
        "consultation",
        sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade():
    # Plain DROP COLUMN, not a batch: a batch would copy and drop the consultation
    # table, and SQLite would cascade that drop to its ballots and proposals.
    op.drop_column("consultation", "revision")
