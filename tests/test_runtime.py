"""Settings, log redaction, storage bootstrap and reply splitting."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from bot.config.logs import OneLineFormatter, RedactTokenFilter
from bot.config.settings import SettingsError, load_settings
from bot.db.storage import Database, normalise_url
from bot.ui.messages import visible_length
from handlers.common import split_html
from tests.support.env import TEST_TOKEN


def test_settings_defaults_and_parsing(monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    settings = load_settings(bot_admin_ids="1, 2,3")
    assert settings.bot_admin_ids == frozenset({1, 2, 3})
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.database_url.startswith("sqlite:///") and "data" in settings.database_url
    assert settings.bot_timezone == "Asia/Shanghai" and not settings.has_token


@pytest.mark.parametrize("field,value,name", [
    ("bot_admin_ids", "1,x", "BOT_ADMIN_IDS"), ("bot_timezone", "Mars/Olympus", "BOT_TIMEZONE"),
    ("log_level", "LOUD", "LOG_LEVEL"), ("telegram_api_base_url", "ftp://x", "TELEGRAM_API_BASE_URL"),
    ("telegram_bot_token", "not a token", "TELEGRAM_BOT_TOKEN"), ("webhook_port", "99999", "WEBHOOK_PORT"),
    ("webhook_secret", "bad secret!", "WEBHOOK_SECRET"), ("update_concurrency", "0", "UPDATE_CONCURRENCY"),
])
def test_bad_settings_name_the_variable(field, value, name):
    with pytest.raises(SettingsError) as info:
        load_settings(**{field: value})
    assert name in str(info.value) and "\n" not in str(info.value)


def test_token_is_redacted_from_messages_arguments_and_tracebacks():
    flt = RedactTokenFilter(TEST_TOKEN)
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s",
                               (f"https://api.telegram.org/bot{TEST_TOKEN}/getUpdates",), None)
    flt.filter(record)
    assert TEST_TOKEN not in record.getMessage() and "<secret>" in record.getMessage()
    try:
        raise RuntimeError(f"failed at /bot{TEST_TOKEN}/sendMessage")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    flt.filter(record)
    line = OneLineFormatter("%(message)s").format(record)
    assert TEST_TOKEN not in line and "\n" not in line
    other = "987654321:ZZZotherTokenLooking-abcdefghijklmn"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, other, None, None)
    flt.filter(record)
    assert other not in record.getMessage()


def test_split_html_respects_limit_and_entities():
    blocks = ["<b>标题</b>", "甲" * 5000, "&lt;tag&gt; " * 600]
    parts = split_html(blocks, limit=4096)
    assert all(visible_length(p) <= 4096 for p in parts)  # what Telegram counts: the text after its HTML
    joined = "".join(parts)
    assert joined.count("甲") == 5000
    for part in parts:
        amp = part.rfind("&")
        assert amp == -1 or ";" in part[amp:]


def test_postgres_urls_use_psycopg():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


async def test_database_bootstrap(database_url):
    db = Database(database_url)
    try:
        assert await db.run(lambda s: s.exec(text("select 1")).one()[0]) == 1
        if db.dialect == "sqlite":
            assert db.call(lambda s: s.exec(text("pragma journal_mode")).one()[0]) == "wal"
    finally:
        db.dispose()


def test_warm_up_leaves_loaded_data_out_of_full_collections():
    import gc

    from bot.runtime.app import _warm_up

    try:
        _warm_up()
        assert gc.get_freeze_count() > 50_000  # the Q&A index, division table, libraries
    finally:
        gc.unfreeze()
