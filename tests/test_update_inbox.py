"""No update is lost once Telegram was told the bot has it (issue 27 item 9): a webhook replica killed after
answering 200 loses nothing (another process handles what it left), and long polling never moves its offset past
an update that is neither handled nor written down."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
from telegram import Update

from bot.db.storage import Database
from bot.runtime.inbox import AckingBot, Inbox
from tests.support.env import TEST_TOKEN

SECRET = "test-secret_1"
UPDATES = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _replica(fake_api, url: str, tmp_path, name: str, port: int, mode: str = "--webhook") -> subprocess.Popen:
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=fake_api.base_url, DATABASE_URL=url,
               BOT_ADMIN_IDS="42", LOG_LEVEL="INFO", MONITOR_ENABLED="false", INBOX_TAKEOVER_SECONDS="3",
               WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="127.0.0.1",
               WEBHOOK_PORT=str(port))
    with open(tmp_path / f"{name}.log", "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", *([mode] if mode else [])], env=env,
                                cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)


def _wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the replica stopped"
        try:
            if httpx.post(f"http://127.0.0.1:{port}/hook", json={}, timeout=1).status_code == 403:  # no secret
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the webhook never listened")


def _answered(fake_api) -> set[int]:
    return {i for i in range(UPDATES) if any(f"wd{i}.gov.cn" in t for t in fake_api.sent_texts(5001))}


def test_a_webhook_replica_killed_after_acknowledging_loses_nothing(fake_api, tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    port = _free_port()
    first = _replica(fake_api, url, tmp_path, "a", port)
    second = None
    try:
        _wait_listening(port, first)
        fake_api.delays["sendMessage"] = 0.4  # one chat's answers, in order: the last is seconds away
        for i in range(UPDATES):
            update = {"update_id": 1000 + i, "message": fake_api.make_message(f"/check wd{i}.gov.cn")}
            answer = httpx.post(f"http://127.0.0.1:{port}/hook", json=update, timeout=10,
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert answer.status_code == 200  # acknowledged: Telegram forgets it now
        fake_api.wait_for(lambda calls: len(_answered(fake_api)) >= 2, timeout=20)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert len(_answered(fake_api)) < UPDATES  # killed with updates acknowledged but not answered
        fake_api.delays.clear()
        second = _replica(fake_api, url, tmp_path, "b", _free_port())
        fake_api.wait_for(lambda calls: len(_answered(fake_api)) == UPDATES, timeout=40)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(20)
    assert _answered(fake_api) == set(range(UPDATES))


def test_a_polling_replica_killed_loses_nothing(fake_api, tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    fake_api.delays["sendMessage"] = 0.4
    for i in range(UPDATES):
        fake_api.push_text(f"/check wd{i}.gov.cn")
    first = _replica(fake_api, url, tmp_path, "a", _free_port(), mode="")
    second = None
    try:
        fake_api.wait_for(lambda calls: len(_answered(fake_api)) >= 2, timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert len(_answered(fake_api)) < UPDATES
        fake_api.delays.clear()
        second = _replica(fake_api, url, tmp_path, "b", _free_port(), mode="")
        fake_api.wait_for(lambda calls: len(_answered(fake_api)) == UPDATES, timeout=40)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(20)


async def test_polling_holds_the_offset_on_updates_neither_handled_nor_written(fake_api, tmp_path):
    """With the database away, fetched updates are handled from memory and the offset stays on the first of them
    until it is handled: a process killed meanwhile gets them all again from Telegram."""
    db = Database(f"sqlite:///{tmp_path / 'none' / 'missing.sqlite3'}")  # never migrated: every write fails
    inbox = Inbox(db, "w")
    bot = AckingBot(TEST_TOKEN, base_url=fake_api.base_url)
    bot.acknowledge_through(inbox)
    await bot.initialize()
    try:
        for i in range(3):
            fake_api.push_text(f"第{i}条")
        first = await bot.get_updates(timeout=0)
        assert [u.update_id for u in first] == [1, 2, 3]
        again = await bot.get_updates(offset=4, timeout=0)  # python-telegram-bot asks past what it was given
        assert again == ()  # nothing new, and nothing handed out twice
        assert fake_api.calls_to("getUpdates")[-1].params.get("offset") in (1, "1")  # but 1-3 not acknowledged
        inbox.done(1)
        await bot.get_updates(offset=4, timeout=0)
        assert fake_api.calls_to("getUpdates")[-1].params.get("offset") in (2, "2")
        inbox.done(2), inbox.done(3)
        await bot.get_updates(offset=4, timeout=0)
        assert fake_api.calls_to("getUpdates")[-1].params.get("offset") in (4, "4")
    finally:
        await bot.shutdown()
        db.dispose()
    assert isinstance(first[0], Update)
    await asyncio.sleep(0)


def test_a_webhook_update_the_database_cannot_take_is_not_acknowledged(fake_api, tmp_path):
    """The database is held past the 4 s wait: the webhook answers 503 (Telegram sends the update again) instead
    of a 200 for an update it could lose; sent again later, it is answered once."""
    import threading

    from tests.support.stall import hold_write_lock

    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    port = _free_port()
    proc = _replica(fake_api, url, tmp_path, "a", port)
    update = {"update_id": 5000, "message": fake_api.make_message("/check wd0.gov.cn")}
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    try:
        _wait_listening(port, proc)
        db = Database(url)
        held = threading.Event()
        blocker = threading.Thread(target=hold_write_lock, args=(db, 7, held))
        blocker.start()
        held.wait(5)
        refused = httpx.post(f"http://127.0.0.1:{port}/hook", json=update, timeout=15, headers=headers)
        blocker.join()
        db.dispose()
        assert refused.status_code == 503
        time.sleep(0.5)
        assert _answered(fake_api) == set()  # not handled either
        assert httpx.post(f"http://127.0.0.1:{port}/hook", json=update, timeout=15, headers=headers).status_code == 200
        fake_api.wait_for(lambda calls: _answered(fake_api) == {0}, timeout=15)
        time.sleep(1)
    finally:
        proc.terminate()
        proc.wait(20)
    assert sum("wd0.gov.cn" in t for t in fake_api.sent_texts(5001)) == 1
