"""Consultation and objective revisions: the keys of cached fragments

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


TABLES = ("consultation", "objective")


def upgrade():
    # Plain ALTER TABLE … ADD COLUMN on every database (see downgrade).
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
        )


def downgrade():
    # Plain DROP COLUMN, not a batch: a batch would copy and drop the table, and
    # SQLite would cascade that drop to its ballots, proposals or measurements.
    for table in reversed(TABLES):
        op.drop_column(table, "revision")
