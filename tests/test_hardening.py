"""Findings of the attack trial (issue 17), each reproduced: invites claimed once, spent buttons, private
database files, group uploads that must address the bot, malformed ids and URLs answered in Chinese."""
from __future__ import annotations

import asyncio
import datetime as dt
import stat
import threading

from sqlmodel import select

from bot.db.models import AuditLog, Contact, Deadline, Unit
from bot.db.storage import Database
from bot.deadlines import events
from bot.registry.access import Role, create_invite, redeem_invite
from bot.registry.lookup import RegistryError
from knowledge.rules import check

ADMIN = 42


def _unit(db: Database, name: str = "武定县财政局") -> int:
    return db.call(lambda s: (s.add(u := Unit(name=name, kind="department")), s.flush(), u.id)[-1])


def _open_together(db: Database, code: str, users: list[int]) -> list:
    start, results = threading.Barrier(len(users)), []

    def open_link(user_id: int) -> None:
        start.wait()
        try:
            db.call(lambda s: redeem_invite(s, code, user_id, f"用户{user_id}"))
            results.append(user_id)
        except RegistryError:
            pass
        except Exception as exc:  # a lost race on SQLite's lock is a refusal too, never a second link
            results.append(("error", type(exc).__name__))

    threads = [threading.Thread(target=open_link, args=(user,)) for user in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_an_invite_opened_by_several_people_at_once_links_exactly_one(db):
    _unit(db)
    for round_ in range(3):
        code = db.call(lambda s: create_invite(s, Role(True, ()), "武定县财政局", "test").code)
        results = _open_together(db, code, [9000 + 10 * round_ + i for i in range(8)])
        assert len([r for r in results if isinstance(r, int)]) == 1, results
    contacts = db.call(lambda s: s.exec(select(Contact.telegram_id).where(Contact.telegram_id.is_not(None))).all())
    assert len(contacts) == 3


def test_expired_and_used_invites_are_refused(db):
    _unit(db)
    now = dt.datetime.now(dt.UTC)
    code = db.call(lambda s: create_invite(s, Role(True, ()), "武定县财政局", "test", now=now - dt.timedelta(days=8)).code)
    try:
        db.call(lambda s: redeem_invite(s, code, 1, "x", now=now))
        raise AssertionError("an expired invite was accepted")
    except RegistryError as exc:
        assert "过期" in str(exc)


def test_a_snooze_button_is_spent_after_one_press(db):
    unit_id = _unit(db)
    due = dt.date(2026, 12, 11)
    deadline_id = db.call(lambda s: events.ensure_deadline(s, "k", "报备", due, unit_id=unit_id).id)
    moved = [db.call(lambda s: events.snooze_once(s, deadline_id, "telegram:7", due)[1]) for _ in range(5)]
    assert moved == [True, False, False, False, False]
    assert db.call(lambda s: s.get(Deadline, deadline_id).due) == dt.date(2026, 12, 14)
    entries = db.call(lambda s: s.exec(select(AuditLog).where(AuditLog.action == "snooze")).all())
    assert len(entries) == 1 and "2026-12-14" in entries[0].after


def test_sqlite_files_are_private(tmp_path):
    path = tmp_path / "data" / "bot.sqlite3"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.call(lambda s: s.add(Unit(name="武定县财政局")))
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    assert all(f.exists() for f in files)
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    database.dispose()


def test_urls_with_stray_brackets_are_answered_not_raised():
    for url in ("http://[www.wuding.gov.cn]/", "http://x]/"):
        result = check(url)
        assert not result.compliant and "方括号" in result.problems[0].message


async def test_malformed_ids_and_numbers_get_a_chinese_answer(running_bot, fake_api):
    await running_bot.bot_data.warm_up
    message = fake_api.make_message("x", chat_id=ADMIN, user_id=ADMIN)
    for data in ("st:" + "9" * 30, "sv:" + "9" * 25 + ":1", "dl:done:" + "9" * 40, "dl:snooze:²", "ss:¹"):
        fake_api.push_callback(data, message, user_id=ADMIN)
    fake_api.push_text("/grant " + "9" * 40, chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: len([c for c in calls if c.method == "answerCallbackQuery"]) >= 5
                                and any("用法：/grant" in c.params.get("text", "") for c in calls))
    alerts = [c.params.get("text", "") for c in fake_api.calls_to("answerCallbackQuery")]
    assert all("按钮无效" in a for a in alerts), alerts
    assert not any("抱歉" in t for t in fake_api.sent_texts())


async def test_files_in_a_group_are_imported_only_when_addressed(running_bot, fake_api):
    await running_bot.bot_data.warm_up
    db = running_bot.bot_data.db
    fake_api.group_admins.add(ADMIN)
    csv = "单位名称,域名\n武定县财政局,czj.wuding.gov.cn\n".encode()
    fake_api.push_document("登记表.csv", csv, chat_id=-500, user_id=ADMIN, chat_type="group")  # shared, not addressed
    fake_api.push_document("登记表.csv", csv, chat_id=-500, user_id=7777, chat_type="group")  # a member, not addressed
    fake_api.push_text("/help", chat_id=-500, user_id=7777, chat_type="group")
    assert await fake_api.until(lambda calls: any("/help" in c.params.get("text", "") or "命令" in c.params.get("text", "")
                                                  for c in calls if c.method == "sendMessage"))
    await asyncio.sleep(1.0)  # the uploads, had they been taken, would be under way
    assert db.call(lambda s: s.exec(select(Unit)).all()) == []
    assert not [t for t in fake_api.sent_texts(-500) if "只有管理员" in t or "正在读取" in t]
    file_id = "caption1"
    fake_api.files[file_id] = csv
    document = {"file_id": file_id, "file_unique_id": file_id, "file_name": "登记表.csv", "file_size": len(csv)}
    caption = "@domainbot_test 导入"
    entities = [{"type": "mention", "offset": 0, "length": len("@domainbot_test")}]
    fake_api.push({"message": fake_api.make_message(None, -500, ADMIN, "group", document=document, caption=caption,
                                                    caption_entities=entities)})
    assert await fake_api.until(lambda calls: any("导入完成" in c.params.get("text", "") for c in calls), timeout=15)
    assert len(db.call(lambda s: s.exec(select(Unit)).all())) == 1


async def test_a_stalled_database_gets_a_short_answer_and_other_chats_go_on(running_bot, fake_api):
    """Four updates wait on a database held by another writer; /help (no database) is answered within seconds, the
    four get 数据库暂时不可用 within seconds, and once the lock is gone the bot works again."""
    import sqlite3
    import time as clock

    await running_bot.bot_data.warm_up
    path = running_bot.bot_data.db.engine.url.database
    holder = sqlite3.connect(path, timeout=1, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # every write now waits: a stalled database as far as writers go
    try:
        started = clock.monotonic()
        for chat in range(6001, 6005):
            fake_api.push_text("/remind 30分钟 开会", chat_id=chat, user_id=chat)
        fake_api.push_text("/help", chat_id=6009, user_id=6009)
        assert await fake_api.until(lambda calls: any(int(c.params.get("chat_id", 0)) == 6009 for c in calls
                                                      if c.method == "sendMessage"), timeout=15)
        help_after = clock.monotonic() - started
        assert await fake_api.until(lambda calls: sum("数据库暂时不可用" in c.params.get("text", "") for c in calls) >= 4,
                                    timeout=15)
        waited = clock.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert help_after < 6 and waited < 9, (help_after, waited)  # was: the whole stall (30 s lock wait)
    fake_api.push_text("/remind 30分钟 开会", chat_id=6001, user_id=6001)
    assert await fake_api.until(lambda calls: any("好的" in c.params.get("text", "") for c in calls), timeout=15)


def _start(fake_api, tmp_path, **env: str):
    import os
    import subprocess
    import sys

    from tests.support.env import TEST_TOKEN

    full = {**os.environ, "TELEGRAM_BOT_TOKEN": TEST_TOKEN, "TELEGRAM_API_BASE_URL": fake_api.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "LOG_LEVEL": "INFO", **env}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=full, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    return done.returncode, done.stderr.strip().splitlines()


def test_a_rejected_token_is_one_line_without_the_token(fake_api, tmp_path):
    from tests.support.env import TEST_TOKEN

    fake_api.fail_next("getMe", 401, "Unauthorized")
    code, lines = _start(fake_api, tmp_path)
    assert code == 1 and "TELEGRAM_BOT_TOKEN" in lines[-1]
    assert not any(TEST_TOKEN in line or TEST_TOKEN.split(":")[1] in line for line in lines), lines
    assert not any("Traceback" in line for line in lines)


def test_start_up_failures_are_one_line_naming_the_setting(fake_api, tmp_path):
    for url, sign in (("postgresql://postgres@127.0.0.1:1/x", "DATABASE_URL"),  # nothing listens: retried, then
                      ("postgresql://a:b@[::1/x", "DATABASE_URL"), ("nosuchdb://x", "DATABASE_URL")):
        code, lines = _start(fake_api, tmp_path, DATABASE_URL=url, DATABASE_START_WAIT="3")
        assert code != 0 and sign in lines[-1], lines
        assert not any("Traceback" in line or line.startswith("  File") for line in lines), lines
    code, lines = _start(fake_api, tmp_path, TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot")
    assert code == 1 and "TELEGRAM_API_BASE_URL" in lines[-1] and "Traceback" not in "\n".join(lines)
