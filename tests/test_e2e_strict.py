"""What a real Bot API server showed (issue: behave against a real Bot API server), through the running bot and the
strict fake: every test here also fails on any request the server would refuse (tests/conftest.py)."""
from __future__ import annotations

import json

from tests.support.samples import ADMIN, ROWS, import_as_admin

ANONYMOUS_ADMIN = 1087968824  # @GroupAnonymousBot


def _edits_and_sends(fake_api) -> list:
    return [c for c in fake_api.calls if c.method in ("sendMessage", "editMessageText")]


def _buttons(call) -> list[dict]:
    return [b for row in json.loads(call.params["reply_markup"])["inline_keyboard"] for b in row]


async def test_an_import_refused_for_its_header_says_so_in_the_status_message(running_bot, fake_api):
    """The header cells were quoted into HTML unescaped: the server refused the edit and the status message stayed
    "正在读取文件…"."""
    fake_api.push_document("登记表.csv", "<备注>,名称,地址\n甲,乙,丙\n".encode(), chat_id=ADMIN, user_id=ADMIN)
    await fake_api.until(lambda calls: any(c.method == "editMessageText" for c in calls), 20)
    edit = next(c for c in fake_api.calls if c.method == "editMessageText")
    assert edit.params["text"].startswith("导入失败：") and "&lt;备注&gt;" in edit.params["text"]


async def test_an_import_that_breaks_ends_its_status_message_with_an_error(running_bot, fake_api, tmp_path, monkeypatch):
    import handlers.records

    async def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(handlers.records, "import_registry", broken)
    fake_api.push_document("登记表.xlsx", b"PK\x03\x04", chat_id=ADMIN, user_id=ADMIN)
    await fake_api.until(lambda calls: any(c.method == "editMessageText" for c in calls), 20)
    edit = next(c for c in fake_api.calls if c.method == "editMessageText")
    assert edit.params["text"].startswith("导入失败：") and "没有改动" in edit.params["text"]


async def test_a_group_answer_arrives_when_the_question_is_gone(running_bot, fake_api):
    question = fake_api.make_message("/help", chat_id=-600, user_id=5001, chat_type="group")
    fake_api.delete_message(-600, question["message_id"])  # deleted before the bot answers
    fake_api.push({"message": question})
    texts = await fake_api.messages(1)
    assert "/status" in texts[0]


async def test_an_anonymous_group_admin_is_a_group_admin(running_bot, fake_api):
    group = {"id": -700, "type": "supergroup", "title": "办公室群"}
    # /digest off is a group admin's (binding the group is a bot admin's or the unit contact's)
    message = fake_api.make_message("/digest off", chat_id=-700, user_id=ANONYMOUS_ADMIN, chat_type="supergroup",
                                    sender_chat=group)
    message["from"] = {"id": ANONYMOUS_ADMIN, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    fake_api.push({"message": message})
    texts = await fake_api.messages(1)
    assert "只有群管理员" not in texts[0] and "已关闭每周汇总" in texts[0]


async def test_a_double_tapped_page_button_edits_rather_than_resends(running_bot, fake_api, tmp_path):
    await running_bot.bot_data.warm_up
    await import_as_admin(fake_api, tmp_path)
    fake_api.push_text("/progress", chat_id=ADMIN, user_id=ADMIN)
    await fake_api.until(lambda calls: any("最紧急的事项" in c.params.get("text", "") for c in calls), 20)
    summary = next(c for c in fake_api.calls if "最紧急的事项" in c.params.get("text", ""))
    button = next(b for b in _buttons(summary) if b["text"].startswith("已完成"))
    message = fake_api.make_message(fake_api.shown[(ADMIN, max(k[1] for k in fake_api.shown if k[0] == ADMIN))]["text"],
                                    chat_id=ADMIN, user_id=777000111)
    before = len(fake_api.sent_texts(ADMIN))
    fake_api.push_callback(button["callback_data"], message, user_id=ADMIN)
    fake_api.push_callback(button["callback_data"], message, user_id=ADMIN)  # the same button, twice
    fake_api.push_text("/help", chat_id=ADMIN, user_id=ADMIN)  # answered after both presses (one chat, in order)
    await fake_api.until(lambda calls: any("/status" in t for t in fake_api.sent_texts(ADMIN)[before:]), 20)
    pages = [t for t in fake_api.sent_texts(ADMIN)[before:] if t.startswith("<b>已完成")]
    assert len(pages) == 1  # sent once; the second press edited it (or found it unchanged)


async def test_progress_finds_a_unit_by_the_short_name_status_reads(running_bot, fake_api, tmp_path):
    await running_bot.bot_data.warm_up
    rows = [*ROWS, ["武定县教育体育局", "", "", "jyj.wuding.gov.cn", "", "规范在用", "", "", "", "", "", "", "", "", "", "", ""]]
    await import_as_admin(fake_api, tmp_path, rows)
    fake_api.push_text("/progress 教育局", chat_id=ADMIN, user_id=ADMIN)
    await fake_api.until(lambda calls: any("清理进度" in t or "没有名称含" in t for t in fake_api.sent_texts(ADMIN)), 20)
    text = next(t for t in fake_api.sent_texts(ADMIN) if "清理进度" in t or "没有名称含" in t)
    assert "武定县教育体育局" in text and "没有名称含" not in text


async def test_the_campaign_list_pages_its_buttons(running_bot, fake_api):
    from bot.campaigns import store
    from knowledge.campaigns import parse_chat_campaign

    db = running_bot.bot_data.db
    for i in range(60):
        campaign = parse_chat_campaign(f"第{i:02d}号专项工作\n文号 武政办函〔2027〕{i}号\n2027-03-05 报送自查情况 | 各乡镇 → 县政府办")
        db.call(lambda s, c=campaign: store.save_campaign(s, c, "test"))
    fake_api.push_text("/campaign", chat_id=ADMIN, user_id=ADMIN)
    await fake_api.until(lambda calls: any("工作安排" in t for t in fake_api.sent_texts(ADMIN)), 20)
    listing = next(c for c in fake_api.calls if c.method == "sendMessage" and "reply_markup" in c.params)
    buttons = _buttons(listing)
    assert len(buttons) <= 100 and "第 1/7 页" in listing.params["text"]
    nxt = next(b for b in buttons if "下一页" in b["text"])
    message = fake_api.make_message(fake_api.shown[(ADMIN, max(k[1] for k in fake_api.shown if k[0] == ADMIN))]["text"],
                                    chat_id=ADMIN, user_id=777000111)
    fake_api.push_callback(nxt["callback_data"], message, user_id=ADMIN)
    await fake_api.until(lambda calls: any(c.method == "editMessageText" and "第 2/7 页" in c.params["text"]
                                           for c in calls), 20)
