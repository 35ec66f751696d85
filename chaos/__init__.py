"""Fault scenarios with real processes: `make chaos` (or `.venv/bin/python -m chaos.run [NAME...]`).

Each scenario starts the real web app under gunicorn and real `hotline worker` processes against
PostgreSQL (DATABASE_URL; its tables are emptied) and a local double of Twilio's REST API, injects
one fault (kill -9, a provider outage, a database restart, a read-only database, a full disk, a
flood of duplicate deliveries, sustained load) and checks what the street would care about:
nothing lost, nothing sent twice that was marked sent, nothing half-written, no 500s.
"""
