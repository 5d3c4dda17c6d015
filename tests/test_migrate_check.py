"""Start-up skips Alembic when the database is already at the newest revision: one query decides, and the
newest revision is read from the migration scripts (checked here against Alembic's own reading)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.db import migrate
from bot.db.storage import Database


def test_the_newest_revision_read_from_the_scripts_is_alembics():
    from alembic.script import ScriptDirectory

    from bot.db.migrate import alembic_config

    db = Database("sqlite://")
    assert migrate.head_revisions() == set(ScriptDirectory.from_config(alembic_config(db.engine)).get_heads())
    db.dispose()


def test_an_up_to_date_database_is_not_handed_to_alembic(tmp_path, monkeypatch):
    import alembic.command

    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert not migrate.is_current(db.engine)  # empty: no alembic_version table
    db.upgrade()
    assert migrate.is_current(db.engine)

    def refuse(*args, **kwargs):
        raise AssertionError("Alembic was run on an up-to-date database")

    monkeypatch.setattr(alembic.command, "upgrade", refuse)
    db.upgrade()  # nothing pending: Alembic is not run
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert not migrate.is_current(db.engine)
    with pytest.raises(AssertionError, match="Alembic was run"):
        db.upgrade()  # a pending migration goes to Alembic
    db.dispose()
