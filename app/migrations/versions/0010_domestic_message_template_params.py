"""message template params, for gateways that send a registered template and its values

Revision ID: 0010_domestic
Revises: 0009_figures
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_domestic'
down_revision = '0009_figures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('params')
