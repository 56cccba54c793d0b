"""Ballot choices indexed by proposal and grade (the recount reads this index
alone)

Revision ID: a41f0c3e7b2d
Revises: 5e2b7c1d9a40
Create Date: 2026-12-01 06:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a41f0c3e7b2d"
down_revision = "5e2b7c1d9a40"
branch_labels = None
depends_on = None


def upgrade():
    # The new index starts with proposal_id: it serves every use of the old one.
    op.create_index(
        "ix_ballot_choice_proposal_grade",
        "ballot_choice",
        ["proposal_id", "grade"],
        unique=False,
    )
    op.drop_index("ix_ballot_choice_proposal_id", table_name="ballot_choice")


def downgrade():
    op.create_index(
        "ix_ballot_choice_proposal_id", "ballot_choice", ["proposal_id"], unique=False
    )
    op.drop_index("ix_ballot_choice_proposal_grade", table_name="ballot_choice")
