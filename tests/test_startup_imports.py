"""Issue 17: what the bot loads before its first getUpdates. The ORM, the models and the services load after
the bot polls (in the warm-up, or at the first database session); what the start does before then — the
database wait, the schema check, building the application, reading the stored conversation states — needs
none of them. Run in a fresh interpreter: this test process has everything loaded."""
from __future__ import annotations

import subprocess
import sys

from bot.db.storage import Database

LATER = ("sqlmodel", "sqlalchemy.orm", "bot.db.models", "alembic",
         "yaml", "rapidfuzz", "jieba", "pypinyin", "openpyxl", "docx", "python_calamine", "dns",
         "bot.registry.lookup", "bot.registry.importer", "bot.registry.export", "bot.reporting.progress", "bot.deadlines.calendar",
         "bot.applications.forms", "bot.monitoring.store", "knowledge.qa")

START = """
import asyncio, json, sys
from bot.cli import build_parser
from bot.config.settings import load_settings
from bot.runtime.app import build_application
from bot.runtime.startup import wait_for_database

build_parser().parse_args(["run"])  # `domainbot run` builds every subcommand's parser
settings = load_settings(telegram_bot_token="1:x", database_url=sys.argv[1])
wait_for_database(settings.database_url, 0)
app = build_application(settings)
app.bot_data.db.upgrade()  # current: one query
conversations = asyncio.run(app.persistence.get_conversations("application"))
print(json.dumps({"loaded": sorted(m for m in sys.modules if m in sys.argv[2].split(",")),
                  "conversations": [[*key, state] for key, state in conversations.items()]}))
"""


def test_nothing_heavy_loads_before_the_first_poll(tmp_path):
    import datetime as dt
    import json

    from bot.applications.conversations import save_draft

    url = f"sqlite:///{tmp_path / 'start.sqlite3'}"
    db = Database(url)
    db.upgrade()
    now = dt.datetime.now(dt.UTC)
    db.call(lambda s: save_draft(s, "application", 5, 6, "STEP", {"a": 1}, now))
    db.call(lambda s: save_draft(s, "application", 7, 8, "OLD", {}, now - dt.timedelta(days=30)))  # timed out
    db.dispose()
    out = subprocess.run([sys.executable, "-c", START, url, ",".join(LATER)], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    result = json.loads(out.splitlines()[-1])
    assert result["loaded"] == []
    assert result["conversations"] == [[5, 6, "STEP"]]  # the live state read without the ORM; the old one dropped
    db = Database(url)
    from bot.applications.conversations import load_draft

    assert db.call(lambda s: load_draft(s, "application", 7, 8)) is None
    assert db.call(lambda s: load_draft(s, "application", 5, 6))[:2] == ("STEP", {"a": 1})
    db.dispose()


def test_the_collector_is_off_only_until_the_warm_up(monkeypatch, tmp_path, capsys):
    """`domainbot run` starts with the garbage collector off (the start-up frees almost nothing); the warm-up
    turns it back on, and so does every other command, and a start that fails."""
    import gc

    from bot.cli import main
    from bot.runtime.app import _warm_up

    try:
        gc.disable()
        _warm_up()
        assert gc.isenabled()
        gc.unfreeze()
        monkeypatch.chdir(tmp_path)  # no .env here
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
        assert main(["run"]) == 2  # no token: a configuration error
        assert gc.isenabled()
        assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err
        gc.disable()
        assert main(["check", "www.wuding.gov.cn", "--unit", "武定县人民政府"]) in (0, 1)
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
