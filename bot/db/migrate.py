"""Schema migrations with Alembic, configured in code (no alembic.ini needed).

Alembic is imported only when a migration is pending: on an up-to-date database one query says so (importing
Alembic and loading its scripts cost ~0.17 s and 7 MB at every start)."""
from __future__ import annotations

import re
from importlib import resources

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

_REVISION = re.compile(r"^revision\b[^=\n]*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=(.*)$", re.M)


def head_revisions() -> set[str]:
    """The newest revision(s), read from the migration scripts' text (the revision no script names as its
    down_revision)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (resources.files("bot.db") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py") or script.name.startswith("_"):
            continue
        source = script.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        for down in _DOWN_REVISION.findall(source):
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down))
    return revisions - parents


def is_current(engine: Engine) -> bool:
    """The database is at the newest revision (False when it has no alembic_version table yet)."""
    try:
        with engine.connect() as connection:
            current = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        return False
    heads = head_revisions()
    return bool(heads) and current == heads


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("bot.db") / "migrations"))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and is_current(engine):
        return
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
