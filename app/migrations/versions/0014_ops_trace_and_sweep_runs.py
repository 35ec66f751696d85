"""trace on jobs and messages (one text followed through the logs); when each sweep last ran

Revision ID: 0014_ops
Revises: 0013_words
"""

from alembic import op
import sqlalchemy as sa



revision = '0014_ops'
down_revision = '0013_words'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs') as batch:
        batch.add_column(sa.Column('trace', sa.String(length=64), nullable=True))
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('trace', sa.String(length=64), nullable=True))
    op.create_table(
        'sweep_runs',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=False),
        sa.Column('seconds', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_sweep_runs')),
    )


def downgrade() -> None:
    op.drop_table('sweep_runs')
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('trace')
    with op.batch_alter_table('jobs') as batch:
        batch.drop_column('trace')
