"""jobs: work the worker does at once (a new ticket's escalation or dispatch)

Revision ID: 0011_intake
Revises: 0010_domestic
"""

from alembic import op
import sqlalchemy as sa



revision = '0011_intake'
down_revision = '0010_domestic'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('ticket_opened', name='jobkind', native_enum=False, length=30), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('run_at', sa.DateTime(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    op.create_index('ix_jobs_run_at', 'jobs', ['run_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_jobs_run_at', table_name='jobs')
    op.drop_table('jobs')
