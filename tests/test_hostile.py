"""Hostile chats through the fake Bot API: the bot answers sensibly or ignores, never crashes, never sends
unescaped HTML, and changes no data."""
from __future__ import annotations

import io
import random
from html.parser import HTMLParser

from sqlalchemy import func
from sqlmodel import select

from bot.db.models import AuditLog, Contact, Deadline, Delivery, Domain, Unit

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "blockquote", "a"}
ATTACKER = 6666


class TelegramHTML(HTMLParser):
    """Fails on any tag Telegram's HTML mode would not accept, and on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.bad.append(tag)
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.bad.append(f"/{tag}")


def assert_safe_html(text: str) -> None:
    parser = TelegramHTML()
    parser.feed(text)
    parser.close()
    assert not parser.bad and not parser.stack, (parser.bad, parser.stack, text[:200])
    assert len(text) <= 4096


def _random_unicode(rng: random.Random, size: int) -> str:
    ranges = [(0x20, 0x7E), (0x4E00, 0x9FA5), (0x0600, 0x06FF), (0x1F300, 0x1F6FF), (0x0000, 0x001F), (0x202A, 0x202E),
              (0x0300, 0x036F), (0xFF00, 0xFFEF)]
    out = []
    for _ in range(size):
        lo, hi = rng.choice(ranges)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


HOSTILE = [
    "", " ", "\u202e\u202dgov.cn", "<b>未闭合", "</b>", "<script>alert(1)</script>", "&lt;&amp;&gt;",
    "'; DROP TABLE unit; --", "1' OR '1'='1", "域名" * 2048, "a" * 4096, "😀" * 100, "\x00\x01\x02\x1b[31m",
    "/status '; DELETE FROM domain; --", "/setstatus www.wuding.gov.cn 闲置", "/invite 武定县财政局", "/grant 6666",
    "/broadcast 你好", "/holidays 2027 休 2027-01-01", "/remind 2099-01-01 09:00 <i>x", "/report", "/history x",
    "/check " + "a." * 200 + "gov.cn", "/suggest " + "县" * 500, "/nonexistent", "/start ../../etc/passwd",
    "http://[::1]:80/", "xn--.gov.cn", "www.xn--zzzzz.gov.cn", "/ask", "/check", "/suggest", "/policy extra args",
]


def _table_counts(db) -> tuple:
    return db.call(lambda s: tuple(s.exec(select(func.count()).select_from(m)).one()
                                   for m in (Unit, Domain, Contact, AuditLog, Deadline)))


async def test_hostile_messages_get_sensible_safe_answers_and_change_nothing(running_bot, fake_api):
    await running_bot.bot_data.warm_up
    db = running_bot.bot_data.db
    before = _table_counts(db)
    rng = random.Random(20261128)
    messages = HOSTILE + [_random_unicode(rng, rng.randint(1, 300)) for _ in range(40)]
    for text in messages:
        fake_api.push_text(text, chat_id=ATTACKER, user_id=ATTACKER)
    # Updates without text, an edited message, a forged callback and a photo.
    fake_api.push({"edited_message": fake_api.make_message("编辑后的内容", chat_id=ATTACKER, user_id=ATTACKER)})
    fake_api.push({"message": fake_api.make_message(None, chat_id=ATTACKER, user_id=ATTACKER,
                                                    photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}])})
    message = fake_api.make_message("x", chat_id=ATTACKER, user_id=777000111)
    for data in ("sv:1:99", "ss:abc", "st:-1", "dl:done:1", "dl:snooze:x", "kind:zzz:portal", "sec:../", "\u202e", "x" * 64):
        fake_api.push_callback(data, message, user_id=ATTACKER)
    fake_api.push_text("/start", chat_id=ATTACKER, user_id=ATTACKER)
    assert await fake_api.until(lambda calls: sum(1 for c in calls if c.method == "sendMessage"
                                                  and "政府网站域名助手" in c.params.get("text", "")) >= 1, timeout=60)
    for call in fake_api.calls_to("sendMessage") + fake_api.calls_to("editMessageText"):
        if call.params.get("parse_mode") == "HTML":
            assert_safe_html(call.params["text"])
    texts = fake_api.sent_texts(ATTACKER)
    assert not any("抱歉，处理您的消息时出错了" in t for t in texts)  # no handler failed
    assert "编辑后的内容" not in "".join(texts)
    assert _table_counts(db) == before
    assert db.call(lambda s: s.exec(select(func.count()).select_from(Delivery)).one()) == 0  # nothing queued


async def test_hostile_spreadsheets_from_an_admin_change_nothing(running_bot, fake_api, tmp_path):
    from openpyxl import Workbook

    from knowledge.registry_model import HEADERS

    await running_bot.bot_data.warm_up
    db = running_bot.bot_data.db
    before = _table_counts(db)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    sheet.cell(row=1_000_000, column=1, value=" ")
    buffer = io.BytesIO()
    workbook.save(buffer)
    uploads = [("empty-million.xlsx", buffer.getvalue()), ("corrupt.xlsx", b"PK\x03\x04" + bytes(200)),
               ("formula.csv", "单位名称,域名\n=HYPERLINK(\"http://x\"),<b>x</b>.gov.cn\n".encode()),
               ("notes.txt", b"hello"), ("empty.csv", b"")]
    for name, data in uploads:
        fake_api.push_document(name, data, chat_id=42, user_id=42)
    assert await fake_api.until(lambda calls: sum(1 for c in calls if c.method in ("sendMessage", "editMessageText")
                                                  and any(w in c.params.get("text", "") for w in ("导入", "只能导入", "空的")))
                                >= len(uploads), timeout=60)
    for call in fake_api.calls_to("sendMessage") + fake_api.calls_to("editMessageText"):
        if call.params.get("parse_mode") == "HTML":
            assert_safe_html(call.params["text"])
    assert _table_counts(db) == before
