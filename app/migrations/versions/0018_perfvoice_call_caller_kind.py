"""the caller's kind of line on the call, read once at the answer instead of at every step

Revision ID: 0018_perfvoice
Revises: 0017_streets
"""

from alembic import op
import sqlalchemy as sa

from app.phones import InvalidPhone, normalize


revision = '0018_perfvoice'
down_revision = '0017_streets'
branch_labels = None
depends_on = None

def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caller_kind', sa.Enum('mobile', 'landline', 'voip', 'other', name='phonekind', native_enum=False, length=10), nullable=True))
    # Calls still going on when this runs take their next steps from the new column: fill it
    # for them (their caller is stored in E.164 when it could be read). Ended calls keep NULL.
    connection = op.get_bind()
    calls = sa.table('calls', sa.column('id'), sa.column('caller'), sa.column('status'),
                     sa.column('caller_kind'))
    going = connection.execute(
        sa.select(calls.c.id, calls.c.caller).where(calls.c.status == 'in-progress')
    )
    for call_id, caller in going.all():
        kind = _kind(caller)
        if kind is not None:
            connection.execute(
                calls.update().where(calls.c.id == call_id).values(caller_kind=kind)
            )


def _kind(caller: str) -> str | None:
    try:
        return normalize(caller).kind.value  # E.164 already, so the region does not matter
    except InvalidPhone:
        return None


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('caller_kind')
