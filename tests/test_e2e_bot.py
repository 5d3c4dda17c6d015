"""End to end: the real Application polling the fake Bot API on 127.0.0.1."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

from telegram.ext import CommandHandler

from tests.support.env import TEST_TOKEN

GROUP = -100123


async def test_start_and_help_in_private_chat(running_bot, fake_api):
    fake_api.push_text("/start")
    fake_api.push_text("/help")
    texts = await fake_api.messages(2)
    assert len(texts) == 2
    for text in texts:
        assert "政府网站域名助手" in text
        assert "/ask" in text and "/check" in text and "例：" in text


async def test_command_menu_registered_with_scopes(running_bot, fake_api):
    assert await fake_api.until(lambda calls: sum(c.method == "setMyCommands" for c in calls) >= 2)
    scopes = {}
    for call in fake_api.calls_to("setMyCommands"):
        scopes[json.loads(call.params["scope"])["type"]] = json.loads(call.params["commands"])
    assert set(scopes) == {"all_private_chats", "all_group_chats"}
    private = {c["command"]: c["description"] for c in scopes["all_private_chats"]}
    assert {"start", "help", "ask", "suggest", "check", "policy"} <= set(private)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d) for d in private.values())


async def test_group_chatter_is_ignored_but_mentions_and_commands_answered(running_bot, fake_api):
    fake_api.push_text("大家好，今天开会", chat_id=GROUP, chat_type="supergroup")
    fake_api.push_text("联系人换了多久内报备", chat_id=GROUP, chat_type="supergroup")
    await asyncio.sleep(1.5)
    assert fake_api.sent_texts(GROUP) == []
    mention = "@domainbot_test 联系人换了多久内报备"
    fake_api.push_text(mention, chat_id=GROUP, chat_type="supergroup",
                       entities=[{"type": "mention", "offset": 0, "length": len("@domainbot_test")}])
    assert await fake_api.until(lambda calls: len([c for c in calls if c.method == "sendMessage"]) >= 1)
    assert "20个工作日" in fake_api.sent_texts(GROUP)[0]
    answer = next(c for c in fake_api.calls_to("sendMessage") if int(c.params["chat_id"]) == GROUP)
    assert json.loads(answer.params["reply_parameters"])["message_id"] > 0  # in a group, quote the asker
    fake_api.push_text("/help@domainbot_test", chat_id=GROUP, chat_type="supergroup")
    fake_api.push_text("/help@some_other_bot", chat_id=GROUP, chat_type="supergroup")
    await fake_api.messages(2)
    await asyncio.sleep(0.5)
    assert len(fake_api.sent_texts(GROUP)) == 2


async def test_private_question_gets_answer_with_citation(running_bot, fake_api):
    fake_api.push_text("部门网站能自己注册gov.cn吗")
    text = (await fake_api.messages(1))[0]
    assert "下级" in text and "楚政办函〔2019〕8号 二（二）" in text
    call = fake_api.calls_to("sendMessage")[0]
    assert "reply_parameters" not in call.params
    assert call.params["parse_mode"] == "HTML"


async def test_domain_and_unit_name_in_private_chat(running_bot, fake_api):
    fake_api.push_text("wuding.gov.cn")
    fake_api.push_text("武定县人力资源和社会保障局")
    texts = await fake_api.messages(2)
    assert "不符合规范" in texts[0] and "www.wuding.gov.cn" in texts[0]
    assert "rsj.wuding.gov.cn" in texts[1]


async def test_question_without_question_mark_is_not_taken_for_a_unit_name(running_bot, fake_api):
    # a place, a unit word and a colloquial question word (啥时候) but no "？": the Q&A answers, not the name check
    fake_api.push_text("牟定县的乡镇清理情况啥时候报")
    text = (await fake_api.messages(1))[0]
    assert "类型待定" not in text and "3月20日" in text


async def test_question_ending_in_a_dialect_tag_is_not_taken_for_a_unit_name(running_bot, fake_api):
    # …就得了撒: a Yunnan tag that asks agreement ends the message; it is a claim to check, not a unit's name
    fake_api.push_text("清理情况报县政府办办公室秘书股就得了撒")
    text = (await fake_api.messages(1))[0]
    assert "类型待定" not in text and "电子政务网络管理股" in text


async def test_dynamic_text_is_escaped(running_bot, fake_api):
    fake_api.push_text("/check <b>x</b>.gov.cn <script>alert(1)</script>")
    text = (await fake_api.messages(1))[0]
    assert "<script>" not in text and "<b>x</b>" not in text
    assert "&lt;" in text


async def test_institution_asks_for_kind_and_button_belongs_to_asker(running_bot, fake_api):
    fake_api.push_text("/suggest 武定县图书馆", user_id=7)
    await fake_api.messages(1)
    markup = json.loads(fake_api.calls_to("sendMessage")[0].params["reply_markup"])
    buttons = [b for row in markup["inline_keyboard"] for b in row]
    assert any("事业单位" in b["text"] for b in buttons)
    other = next(b for b in buttons if b["callback_data"].endswith("institution_other"))
    message = fake_api.make_message("x", chat_id=5001, user_id=777000111)
    fake_api.push_callback(other["callback_data"], message, user_id=8)  # someone else presses it
    assert await fake_api.until(lambda calls: any(c.method == "answerCallbackQuery" for c in calls))
    assert "提问的人" in fake_api.calls_to("answerCallbackQuery")[0].params.get("text", "")
    fake_api.push_callback(other["callback_data"], message, user_id=7)
    texts = await fake_api.messages(2)
    assert "不得使用 .gov.cn" in texts[1]


async def test_forged_callback_data_is_answered_not_crashing(running_bot, fake_api):
    message = fake_api.make_message("x")
    fake_api.push_callback("kind:nonexistent:portal", message)
    fake_api.push_callback("clause:../../etc/passwd", message)
    fake_api.push_callback("garbage" * 20, message)
    fake_api.push_text("/start")
    assert await fake_api.until(lambda calls: sum(c.method == "answerCallbackQuery" for c in calls) >= 2)
    assert "政府网站域名助手" in (await fake_api.messages(1))[0]


async def test_long_reply_is_split_under_limit(running_bot, fake_api):
    fake_api.push_text("/policy")
    await fake_api.messages(1)
    message = fake_api.make_message("x", chat_id=5001)
    for key in ("p2", "p3", "p5"):
        fake_api.push_callback(f"sec:{key}", message)
    await fake_api.messages(4)
    await asyncio.sleep(0.5)
    texts = fake_api.sent_texts()
    assert all(len(t) <= 4096 for t in texts)
    assert any("二（六）" in t for t in texts)


async def test_error_handler_apologises_and_bot_keeps_running(running_bot, fake_api):
    async def boom(update, context):
        raise RuntimeError("simulated failure")

    running_bot.add_handler(CommandHandler("boom", boom), group=-1)
    fake_api.push_text("/boom")
    fake_api.push_text("/start")
    texts = await fake_api.messages(2)
    assert any("抱歉" in t for t in texts)
    await fake_api.until(lambda calls: any("政府网站域名助手" in c.params.get("text", "") for c in calls))


async def test_flood_limit_429_is_retried(running_bot, fake_api):
    fake_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    fake_api.push_text("/start")
    assert await fake_api.until(lambda calls: sum(c.method == "sendMessage" for c in calls) >= 2, timeout=15)
    assert "政府网站域名助手" in fake_api.sent_texts()[-1]


async def test_blocked_by_user_403_does_not_stop_the_bot(running_bot, fake_api):
    fake_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    fake_api.push_text("/start", chat_id=9001, user_id=9001)
    fake_api.push_text("/help")
    assert await fake_api.until(lambda calls: any(c.method == "sendMessage" and int(c.params["chat_id"]) == 5001
                                               for c in calls))


async def test_messages_without_text_get_a_hint(running_bot, fake_api):
    sticker = fake_api.make_message(None, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular",
                                                   "width": 1, "height": 1, "is_animated": False, "is_video": False})
    fake_api.push({"message": sticker})
    assert "文字消息" in (await fake_api.messages(1))[0]


def _env(fake_api, tmp_path, **extra):
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=fake_api.base_url,
               DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def test_process_logs_never_contain_the_token(fake_api, tmp_path):
    env = _env(fake_api, tmp_path, LOG_LEVEL="DEBUG")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert fake_api.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls), timeout=20)
        fake_api.push_text("/start")
        assert fake_api.wait_for_messages(1, timeout=20)
        fake_api.fail_next("sendMessage", 400, "Bad Request: chat not found")
        fake_api.push_text("/help")
        fake_api.wait_for(lambda calls: sum(c.method == "sendMessage" for c in calls) >= 2, timeout=20)
        time.sleep(0.5)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode("utf-8", "replace")
    assert fake_api.calls_to("getMe")[0].token == TEST_TOKEN  # the token did travel, to the API only
    assert "getUpdates" in output or "Application started" in output  # debug logging was on
    assert TEST_TOKEN not in output
    assert TEST_TOKEN.split(":")[1] not in output


def test_bad_setting_fails_with_one_clear_line(tmp_path):
    env = dict(os.environ, BOT_ADMIN_IDS="12,abc", TELEGRAM_BOT_TOKEN=TEST_TOKEN)
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp_path, capture_output=True,
                          timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "BOT_ADMIN_IDS" in lines[0]


def test_console_chat_answers_start_and_help(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'c.sqlite3'}")
    env.pop("TELEGRAM_BOT_TOKEN", None)
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "chat"], input="/start\n/help\n联系人换了多久内报备\n".encode(),
                          env=env, cwd=tmp_path, capture_output=True, timeout=60)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    assert out.count("政府网站域名助手") >= 2
    assert "20个工作日" in out and "<b>" not in out


def test_no_argument_without_token_starts_console_with_hint(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'c.sqlite3'}", TELEGRAM_BOT_TOKEN="")
    proc = subprocess.run([sys.executable, "-m", "bot.cli"], input=b"/start\n", env=env, cwd=tmp_path,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0
    assert "TELEGRAM_BOT_TOKEN" in proc.stderr.decode()
    assert "政府网站域名助手" in proc.stdout.decode()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode_checks_the_secret_token(fake_api, tmp_path):
    import urllib.error
    import urllib.request

    port = _free_port()
    env = _env(fake_api, tmp_path, WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_SECRET="s3cret-Token_1",
               WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port))
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--webhook"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def post(secret: str | None) -> int:
        update = {"update_id": 1, "message": fake_api.make_message("/start")}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/hook", data=json.dumps(update).encode(),
                                         headers={"Content-Type": "application/json"})
        if secret is not None:
            request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        assert fake_api.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls), timeout=20)
        set_webhook = fake_api.calls_to("setWebhook")[0].params
        assert set_webhook["url"] == f"http://127.0.0.1:{port}/hook" and set_webhook["secret_token"] == "s3cret-Token_1"
        for _ in range(50):  # the server starts listening right after setWebhook
            try:
                status = post("wrong")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert status == 403
        assert post(None) == 403
        time.sleep(0.5)
        assert fake_api.sent_texts() == []
        assert post("s3cret-Token_1") == 200
        assert "政府网站域名助手" in fake_api.wait_for_messages(1, timeout=15)[0]
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode("utf-8", "replace")
    assert TEST_TOKEN not in output and "s3cret-Token_1" not in output


async def test_each_chat_answered_in_order_while_chats_run_side_by_side(running_bot, fake_api):
    chats = (7001, 7002, 7003)
    for _ in range(5):
        for chat in chats:  # a database lookup, then a quick check: the answers must not swap
            fake_api.push_text("/status www.wuding.gov.cn", chat_id=chat, user_id=chat)
            fake_api.push_text("wuding.gov.cn", chat_id=chat, user_id=chat)
    await fake_api.messages(30, timeout=30)
    for chat in chats:
        texts = fake_api.sent_texts(chat)
        assert len(texts) == 10
        assert [("还没有登记为联系人" in t) for t in texts] == [True, False] * 5
