"""Long messages are cut at element boundaries: every part is HTML the server accepts, within its 4,096."""
from __future__ import annotations

import datetime as dt
import html
from types import SimpleNamespace

import pytest

from bot.ui.messages import split_html, visible_length
from tests.support import bot_api_rules as rules
from tests.support.env import TEST_TOKEN


def _accepted(parts: list[str]) -> str:
    """Every part as the real server reads it (raises its refusal otherwise); the visible text joined."""
    shown = []
    for part in parts:
        parsed = rules.check_text({"text": part, "parse_mode": "HTML"})
        assert rules.utf16_len(parsed.text) <= rules.TEXT_LIMIT
        shown.append(parsed.text)
    return "".join(shown)


@pytest.mark.parametrize("block", [
    "<b>标题</b>\n<pre>" + html.escape("\n".join(f"{i}. wud{i}ng.com（解析到 127.0.0.{i % 250}）<x>" for i in range(400))) + "</pre>",
    "<blockquote><b>" + "😀" * 3000 + "</b><i>" + "&lt;备注&gt;" * 900 + "</i></blockquote>",
    '<a href="https://example.cn/?a=1&amp;b=2">' + "甲" * 9000 + "</a>",
    "乙" * 10000,
])
def test_a_block_over_the_limit_is_cut_into_valid_parts(block):
    parts = split_html([block])
    assert len(parts) > 1
    shown = _accepted(parts)
    expected = rules.parse_html(block).text
    assert shown.replace("\n", "") == expected.replace("\n", "")  # nothing lost, nothing added but line breaks


def test_blocks_are_packed_by_what_telegram_counts():
    blocks = ["<b>x</b>" * 100, "&amp;" * 3000, "😀" * 1000]
    parts = split_html(blocks)
    _accepted(parts)
    assert [visible_length(p) for p in parts] == [100 + 1 + 3000, 2000]


def test_the_look_alike_alert_of_150_reaches_the_admins_whole(db, fake_api):
    """Cut at 4,000 characters, the alert lost its </pre>: the server refused it and no admin heard of it."""
    import asyncio

    from telegram import Bot

    from bot.config.settings import load_settings
    from bot.delivery.sender import Outbox
    from bot.monitoring import service

    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    settings = load_settings(bot_admin_ids="42,43", monitor_enabled=False)
    found = [{"domain": f"wud{i:03d}ing-zhengfu.com", "addresses": [f"127.0.{i // 250}.{i % 250}", "10.0.0.1"],
              "ns": [], "registrant": f"某某<公司>{i}"} for i in range(150)]
    finding = SimpleNamespace(id=7, code="lookalike_registered", message="发现疑似冒名注册的相似域名", basis="五（四）")
    target = SimpleNamespace(name="www.wuding.gov.cn", domain_id=None)
    db.call(lambda s: service._alert(s, target, SimpleNamespace(lookalikes=found), [finding], settings, now))

    async def send() -> None:
        async with Bot(TEST_TOKEN, base_url=fake_api.base_url) as bot:
            await Outbox(db, bot, clock=lambda: now + dt.timedelta(seconds=1)).drain()

    asyncio.run(send())
    assert fake_api.refusals == []
    for admin in (42, 43):
        texts = [rules.read_text({"text": t, "parse_mode": "HTML"}).text for t in fake_api.sent_texts(admin)]
        assert len(texts) > 1 and texts[0].startswith("🛡 域名监测发现问题")
        joined = "".join(texts)
        assert all(f"wud{i:03d}ing-zhengfu.com" in joined for i in range(150))
        assert "某某<公司>149" in joined and joined.rstrip().endswith("请予核查处置。")
