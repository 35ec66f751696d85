"""the return visit: a ticket status of its own, follow-up reminders and new ratings

Revision ID: 0009_figures
Revises: 0008_proof
Create Date: 2026-11-29 04:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_figures'
down_revision = '0008_proof'
branch_labels = None
depends_on = None

_ACTIVE = "'assigned', 'dispatching', 'escalated', 'in_progress', 'new', 'reopened', 'unassigned'"
_OLD_OPEN = sa.text(f"status IN ({_ACTIVE})")
# The staff queue's index covers tickets waiting for a return visit too.
_NEW_OPEN = sa.text(
    "status IN ('assigned', 'dispatching', 'escalated', 'in_progress', 'new', 'reopened', "
    "'return_visit', 'unassigned')"
)


def upgrade() -> None:
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remind_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.Enum('satisfied', 'basically_satisfied', 'unsatisfied', name='rating', native_enum=False, length=20), nullable=True))
        batch_op.create_index('ix_followups_status_reminded_remind', ['status', 'reminded_at', 'remind_at'], unique=False)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_open_due_at', postgresql_where=_OLD_OPEN, sqlite_where=_OLD_OPEN)
        batch_op.create_index('ix_tickets_open_due_at', ['due_at', 'id'], unique=False, postgresql_where=_NEW_OPEN, sqlite_where=_NEW_OPEN)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_open_due_at', postgresql_where=_NEW_OPEN, sqlite_where=_NEW_OPEN)
        batch_op.create_index('ix_tickets_open_due_at', ['due_at', 'id'], unique=False, postgresql_where=_OLD_OPEN, sqlite_where=_OLD_OPEN)
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_status_reminded_remind')
        batch_op.drop_column('rating')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('remind_at')
