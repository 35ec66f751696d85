"""ticket recording length, so the queue can show "录音 0:12" for a call with no words

Revision ID: 0012_voice
Revises: 0011_intake
"""

from alembic import op
import sqlalchemy as sa


revision = '0012_voice'
down_revision = '0011_intake'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recording_seconds', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('recording_seconds')
