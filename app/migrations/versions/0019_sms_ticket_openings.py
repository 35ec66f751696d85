"""SQLite: a new ticket's "received" event and the worker's job written by one statement

SQLite has no INSERT inside WITH, so the single statement PostgreSQL writes them with (in the
ticket's own, app/tickets/intake.py) has no equivalent there. An INSERT into the view
`ticket_openings` is one statement whose INSTEAD OF trigger writes the event and, when the row
names a job, the job, with exactly the values given. The view holds nothing; nothing reads it.

A later migration that rebuilds `ticket_events` or `jobs` on SQLite (batch mode: copy, drop,
rename) must drop this trigger first and create it again after: SQLite refuses to rename a
table into place while a trigger names a table that is missing at that moment.

Revision ID: 0019_sms
Revises: 0018_perfvoice
"""

from alembic import op


revision = '0019_sms'
down_revision = '0018_perfvoice'
branch_labels = None
depends_on = None

EVENT = ['ticket_id', 'at', 'kind', 'from_status', 'to_status', 'actor_kind', 'actor_id',
         'actor_label', 'reason', 'data']
JOB = ['kind', 'data', 'run_at', 'locked_until', 'attempts', 'last_error', 'trace']


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return  # PostgreSQL writes them inside the ticket's WITH statement
    columns = EVENT + [f'job_{c}' for c in JOB]
    op.execute(
        'CREATE VIEW IF NOT EXISTS ticket_openings AS SELECT '
        + ', '.join(f'NULL AS {c}' for c in columns)
        + ' WHERE 0'
    )
    event_values = ', '.join(f'NEW.{c}' for c in EVENT)
    job_values = ', '.join(f'NEW.job_{c}' for c in JOB)
    op.execute(
        'CREATE TRIGGER IF NOT EXISTS ticket_openings_insert INSTEAD OF INSERT ON ticket_openings '
        f'BEGIN INSERT INTO ticket_events ({", ".join(EVENT)}) VALUES ({event_values}); '
        f'INSERT INTO jobs (ticket_id, {", ".join(JOB)}) SELECT NEW.ticket_id, {job_values} '
        'WHERE NEW.job_kind IS NOT NULL; END'
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute('DROP TRIGGER IF EXISTS ticket_openings_insert')
    op.execute('DROP VIEW IF EXISTS ticket_openings')
