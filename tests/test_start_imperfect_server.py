"""Start-up against a Bot API server that is not quite Telegram (issue 25, item 1): a refused command menu is
retried later and never stops the bot; a getMe answer without a field the bot can do without is completed,
named in one line, and the bot starts."""
from __future__ import annotations

import logging

from tests.support.app import polling_bot
from tests.support.env import TEST_TOKEN


async def test_a_refused_command_menu_does_not_stop_the_bot_and_is_set_later(settings, fake_api, clock, monkeypatch,
                                                                             caplog):
    from bot.runtime import app as app_module

    monkeypatch.setattr(app_module, "MENU_RETRY_FIRST", 0.2, raising=False)
    fake_api.fail_next("setMyCommands", 500, "Internal Server Error")
    fake_api.fail_next("setMyCommands", 400, "Bad Request: BOT_COMMAND_INVALID")
    caplog.set_level(logging.INFO, logger="bot.runtime.app")
    async with polling_bot(settings, clock):
        fake_api.push_text("/help")
        assert "/ask" in (await fake_api.messages(1))[0]  # the bot answers meanwhile
        # refused twice (at start, at the first retry), then both menus (private, group) set
        assert await fake_api.until(lambda calls: sum(c.method == "setMyCommands" for c in calls) >= 4, timeout=10)
    tries = fake_api.calls_to("setMyCommands")
    assert tries[2].at - tries[1].at >= 0.35  # the second retry waited twice as long (0.4 s)
    refusals = [r.getMessage() for r in caplog.records if "命令菜单未能设置" in r.getMessage()]
    assert len(refusals) == 2 and "Internal Server Error" in refusals[0] and "bot_command_invalid" in refusals[1].lower()
    assert any(r.getMessage() == "命令菜单已设置" for r in caplog.records)


async def test_a_menu_retry_due_before_a_slow_start_ends_still_runs(settings, fake_api, clock, monkeypatch):
    """The first retry is scheduled while the bot starts, before the job queue runs: a start slower than the
    wait (here 1.5 s against 0.2 s) must not drop it as misfired (it did: the menu was never set)."""
    import time

    from bot.runtime import app as app_module
    from bot.runtime import monitor_jobs

    monkeypatch.setattr(app_module, "MENU_RETRY_FIRST", 0.2, raising=False)
    install = monitor_jobs.install_monitoring

    def slow_install(app) -> None:  # the rest of the start, after the menu's first try, taking its time
        time.sleep(1.5)
        install(app)

    monkeypatch.setattr(monitor_jobs, "install_monitoring", slow_install)
    fake_api.fail_next("setMyCommands", 500, "Internal Server Error")
    async with polling_bot(settings, clock):
        assert await fake_api.until(lambda calls: sum(c.method == "setMyCommands" for c in calls) >= 3, timeout=10)


def _get_me_without(fake_api, monkeypatch, *fields: str) -> None:
    """The fake answers getMe without `fields` (everything else as before)."""
    answer = fake_api._answer

    def without(method, params, token):
        status, body = answer(method, params, token)
        if method == "getMe" and body.get("ok"):
            body = {**body, "result": {k: v for k, v in body["result"].items() if k not in fields}}
        return status, body

    monkeypatch.setattr(fake_api, "_answer", without)


async def test_a_get_me_answer_missing_fields_is_named_in_one_line_and_the_bot_starts(settings, fake_api, clock,
                                                                                      monkeypatch, caplog):
    from bot.db.models import Unit

    _get_me_without(fake_api, monkeypatch, "id", "first_name", "username")
    caplog.set_level(logging.WARNING)
    async with polling_bot(settings, clock) as app:
        assert app.bot.id == int(TEST_TOKEN.split(":")[0])  # the token says who the bot is
        fake_api.push_text("/help")
        assert "/ask" in (await fake_api.messages(1))[0]  # commands are answered
        app.bot_data.db.call(lambda s: s.add(Unit(name="武定县财政局", kind="department")))
        fake_api.push_text("/invite 武定县财政局", chat_id=42, user_id=42)
        invite = (await fake_api.messages(2))[1]
    assert "/start " in invite and "t.me/" not in invite  # no link without a username: the code to send instead
    lines = [r.getMessage() for r in caplog.records if "getMe" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("Telegram 的 getMe 回答缺少字段 id、first_name、username："), lines
    assert "@机器人" in lines[0]


def test_a_complete_or_failed_get_me_answer_is_passed_on_as_it_is():
    from bot.runtime.startup import complete_get_me

    url = f"http://127.0.0.1:1/bot{TEST_TOKEN}/getMe"
    for body in (b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"b","username":"b_bot"}}',
                 b'{"ok":false,"error_code":401,"description":"Unauthorized"}', b"not json", b'{"ok":true,"result":5}'):
        assert complete_get_me(body, url) == body
