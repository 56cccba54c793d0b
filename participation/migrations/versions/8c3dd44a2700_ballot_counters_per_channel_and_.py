"""Ballot counters per channel and eligible count at close; actions by objective
and date

Revision ID: 8c3dd44a2700
Revises: c8a0b02a83d0
Create Date: 2026-12-01 02:16:14.727826

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8c3dd44a2700"
down_revision = "c8a0b02a83d0"
branch_labels = None
depends_on = None

CHANNELS = ("online", "paper", "meeting")


def upgrade():
    # Plain ALTER TABLE … ADD COLUMN on every database (see downgrade).
    for channel in CHANNELS:
        op.add_column(
            "consultation",
            sa.Column(
                f"ballots_{channel}", sa.Integer(), server_default="0", nullable=False
            ),
        )
    op.add_column("consultation", sa.Column("eligible_at_close", sa.Integer()))

    # Backfill the counters from the ballots already cast (one statement per
    # channel; correlated counts use ix_ballot_consultation_channel).
    consultation = sa.table(
        "consultation",
        sa.column("id"),
        *(sa.column(f"ballots_{channel}") for channel in CHANNELS),
    )
    ballot = sa.table("ballot", sa.column("consultation_id"), sa.column("channel"))
    for channel in CHANNELS:
        counted = (
            sa.select(sa.func.count())
            .select_from(ballot)
            .where(
                ballot.c.consultation_id == consultation.c.id,
                ballot.c.channel == channel,
            )
            .scalar_subquery()
        )
        op.execute(consultation.update().values({f"ballots_{channel}": counted}))

    # An objective's latest actions come from an index, not a sort of them all.
    op.create_index(
        "ix_action_objective_done", "action", ["objective_id", "done_on"], unique=False
    )
    op.drop_index("ix_action_objective_id", table_name="action")


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it), not a batch: a
    # batch copies and drops the consultation table, and with foreign keys on,
    # SQLite would cascade that drop to every ballot, proposal and comment.
    op.create_index("ix_action_objective_id", "action", ["objective_id"], unique=False)
    op.drop_index("ix_action_objective_done", table_name="action")
    op.drop_column("consultation", "eligible_at_close")
    for channel in reversed(CHANNELS):
        op.drop_column("consultation", f"ballots_{channel}")
