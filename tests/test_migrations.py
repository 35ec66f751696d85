"""The migrations build exactly the schema the models describe."""

from app import migrate
from app.db import db


def test_models_and_migrations_agree(ctx):
    assert migrate.pending_differences(db.engine) == []
