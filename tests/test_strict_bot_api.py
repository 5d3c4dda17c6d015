"""The fake Bot API refuses what the real server refuses, with the server's error text."""
from __future__ import annotations

import json

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest

from tests.support import bot_api_rules as rules
from tests.support.env import TEST_TOKEN

PREFIX = "Bad Request: can't parse entities: "


@pytest.mark.parametrize(("text", "error"), [
    ("缺少列：<备注>", 'Unsupported start tag "备注" at byte offset 12'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<b>粗", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<pre>截断", 'Can\'t find end tag corresponding to start tag "pre"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ('<a href="x" title>y</a>', 'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0'),
])
def test_refused_html(text, error):
    with pytest.raises(rules.Refused) as refused:
        rules.parse_html(text)
    assert refused.value.description == PREFIX + error


def test_accepted_html_is_measured_after_parsing():
    parsed = rules.parse_html('<b>粗</b> &lt;备注&gt; &amp; &#128512; &nbsp; <a href="https://x.cn/?a=1&amp;b=2">链</a>'
                              '<pre><code class="language-yaml">k: v</code></pre><blockquote expandable>q</blockquote>'
                              '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span><i>u</>')
    assert parsed.text.startswith("粗 <备注> & 😀 &nbsp; 链k: vqstu")
    assert ("a", 19, 1, "https://x.cn/?a=1&b=2") in parsed.entities
    # 4,096 UTF-16 code units after parsing: tags do not count, an emoji counts two
    assert rules.check_text({"text": "<b>" + "字" * 4096 + "</b>", "parse_mode": "HTML"})
    with pytest.raises(rules.Refused, match="message is too long"):
        rules.check_text({"text": "😀" * 2049})
    with pytest.raises(rules.Refused, match="message text is empty"):
        rules.check_text({"text": " <b> </b>\n", "parse_mode": "HTML"})
    with pytest.raises(rules.Refused, match="message caption is too long"):
        rules.check_caption({"caption": "字" * 1025})


def _markup(rows) -> dict:
    return {"reply_markup": json.dumps({"inline_keyboard": rows})}


def test_keyboards_are_checked():
    button = {"text": "按钮", "callback_data": "x"}
    assert rules.check_markup(_markup([[button] * 8] * 12 + [[button] * 4]))
    for rows, error in [([[button] * 9], "reply markup is too long"),
                        ([[button] * 5] * 21, "reply markup is too long"),
                        ([[{"text": "b", "callback_data": "字" * 22}]], "BUTTON_DATA_INVALID"),
                        ([[{"text": "b", "callback_data": ""}]], "BUTTON_DATA_INVALID"),
                        ([[{"text": "", "callback_data": "x"}]], "BUTTON_TEXT_INVALID"),
                        ([[{"text": "b"}]], "Text buttons are unallowed")]:
        with pytest.raises(rules.Refused, match=error):
            rules.check_markup(_markup(rows))


@pytest.mark.bot_api_refusals
async def test_the_fake_refuses_and_records(fake_api):
    bot = Bot(TEST_TOKEN, base_url=fake_api.base_url)
    async with bot:
        asked = fake_api.make_message("问题", chat_id=-500, user_id=5001, chat_type="group")
        sent = await bot.send_message(-500, "<b>答</b>", parse_mode="HTML",
                                      reply_parameters=ReplyParameters(asked["message_id"]))
        assert sent.text == "答" and sent.entities[0].type == "bold"
        fake_api.delete_message(-500, asked["message_id"])
        with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
            await bot.send_message(-500, "答", reply_parameters=ReplyParameters(asked["message_id"]))
        await bot.send_message(-500, "答", reply_parameters=ReplyParameters(asked["message_id"],
                                                                            allow_sending_without_reply=True))
        with pytest.raises(BadRequest, match="(?i)unsupported start tag"):
            await bot.send_message(-500, "缺少列 <备注>", parse_mode="HTML")
        keys = InlineKeyboardMarkup([[InlineKeyboardButton("下一页", callback_data="p:1")]])
        await bot.edit_message_text("<b>第二页</b>", -500, sent.message_id, parse_mode="HTML", reply_markup=keys)
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_text("<b>第二页</b>", -500, sent.message_id, parse_mode="HTML", reply_markup=keys)
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("x", -500, 999999)
    assert [r.description for r in fake_api.refusals] == [
        "Bad Request: message to be replied not found",
        PREFIX + 'Unsupported start tag "备注" at byte offset 10',
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
        "as a current content and reply markup of the message",
        "Bad Request: message to edit not found"]


async def test_knobs_for_an_imperfect_server(fake_api):
    bot = Bot(TEST_TOKEN, base_url=fake_api.base_url)
    fake_api.always_fail["setMyCommands"] = (500, "Internal Server Error")
    fake_api.get_me = {**{k: v for k, v in fake_api.get_me.items() if k != "username"}, "has_main_web_app": True}
    async with bot:
        with pytest.raises(Exception, match="Internal Server Error"):
            await bot.set_my_commands([("start", "开始")])
    calls = fake_api.calls_to("getMe")
    assert calls and "username" not in fake_api.get_me
