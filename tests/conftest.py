from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.config.settings import load_settings
from tests.support.app import polling_bot
from tests.support.env import POSTGRES_URL, TEST_TOKEN, postgres_available
from tests.support.fake_bot_api import FakeBotAPI


def pytest_configure(config):
    config.addinivalue_line("markers", "bot_api_refusals: the test makes the strict fake Bot API refuse requests "
                                       "on purpose (its refusals are not a failure)")


@pytest.fixture(autouse=True)
def _configured_region_restored():
    """A bot built in a test configures BOT_REGION for the whole process (bot.registry.region.configure): put it
    back, so a later test reading "no region configured" is not reading an earlier test's."""
    from bot.registry import region

    before = region._configured[0]
    yield
    region._configured[0] = before
    with region._lock:
        region._cache.clear()


@pytest.fixture
def fake_api(request) -> Iterator[FakeBotAPI]:
    """The strict fake Bot API. A request it refuses (as the real server would) fails the test, unless the test
    is marked bot_api_refusals."""
    api = FakeBotAPI().start()
    yield api
    api.stop()
    if request.node.get_closest_marker("bot_api_refusals") is None:
        assert not api.refusals, "the Bot API server would refuse:\n" + "\n".join(api.refused())


@pytest.fixture
def settings(tmp_path, fake_api):
    return load_settings(
        telegram_bot_token=TEST_TOKEN, telegram_api_base_url=fake_api.base_url,
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", bot_admin_ids="42",
        monitor_enabled=False,  # the scheduled monitoring run would ask the system resolver
    )


@pytest.fixture
def clock():
    """The bot's clock; tests may replace `clock.now` (a controllable clock)."""
    import datetime as dt

    class Clock:
        offset = dt.timedelta(0)

        def __call__(self) -> dt.datetime:
            return dt.datetime.now(dt.UTC) + self.offset

    return Clock()


@pytest.fixture
async def running_bot(settings, fake_api, clock) -> AsyncIterator:
    """The real Application, long polling the fake Bot API."""
    async with polling_bot(settings, clock) as app:
        yield app


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    reason = postgres_available()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    return POSTGRES_URL


@pytest.fixture
def db(database_url):
    """A migrated, empty database: SQLite, and PostgreSQL where it answers (its schema is recreated)."""
    from sqlalchemy import text

    from bot.db.storage import Database

    database = Database(database_url)
    if database.dialect == "postgresql":
        with database.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    database.upgrade()
    from bot.registry.audit import Generation

    Generation.bump()  # a new, empty registry: what this process's read caches (the region …) hold is stale
    yield database
    database.dispose()
