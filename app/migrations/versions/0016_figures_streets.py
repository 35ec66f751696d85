"""figures: streets above communities; follow-ups without a deadline past the holiday calendar

Revision ID: 0016_figures
Revises: 0015_dash
Create Date: 2026-11-29 06:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0016_figures'
down_revision = '0015_dash'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('streets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_streets')),
    sa.UniqueConstraint('code', name=op.f('uq_streets_code'))
    )
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_communities_street_id'), ['street_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_communities_street_id_streets'), 'streets', ['street_id'], ['id'])

    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_departments_street_id'), ['street_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_departments_street_id_streets'), 'streets', ['street_id'], ['id'])

    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.alter_column('due_at',
               existing_type=sa.DateTime(),
               nullable=True)

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_staff_users_street_id_streets'), 'streets', ['street_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_staff_users_street_id_streets'), type_='foreignkey')
        batch_op.drop_column('street_id')

    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.alter_column('due_at',
               existing_type=sa.DateTime(),
               nullable=False)

    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_departments_street_id_streets'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_departments_street_id'))
        batch_op.drop_column('street_id')

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_communities_street_id_streets'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_communities_street_id'))
        batch_op.drop_column('street_id')

    op.drop_table('streets')
