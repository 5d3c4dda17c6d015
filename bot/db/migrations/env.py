"""Alembic environment: the target is SQLModel's metadata; the connection comes from bot.db.storage."""
from __future__ import annotations

import warnings

from alembic import context
from sqlmodel import SQLModel

import bot.db.models  # noqa: F401 - registers the tables on SQLModel.metadata
from bot.db.storage import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode recreates tables there. Recreating a table
    # reflects the tables it refers to, and SQLAlchemy cannot reflect SQLite's expression indexes
    # (ix_unit_name_lower): it says so on stderr, which a clerk's first `domainbot` command should not show.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
