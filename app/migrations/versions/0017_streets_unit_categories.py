"""streets: the categories each street's department or partner unit handles

Revision ID: 0017_streets
Revises: 0016_figures
Create Date: 2026-11-29 10:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0017_streets'
down_revision = '0016_figures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('categories', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('categories')
