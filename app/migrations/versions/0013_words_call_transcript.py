"""calls.transcript: what the line said and what the caller did, turn by turn

Revision ID: 0013_words
Revises: 0012_voice
"""

from alembic import op
import sqlalchemy as sa


revision = '0013_words'
down_revision = '0012_voice'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls') as batch:
        batch.add_column(sa.Column('transcript', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('calls') as batch:
        batch.drop_column('transcript')
