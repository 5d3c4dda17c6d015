"""Plain text: a domain or URL is checked, a unit name gets domain suggestions, anything else is a question.
In groups only messages that mention the bot are answered."""
from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.runtime.state import BotContext
from handlers.common import is_private, mentions_bot, message_text, reply_html, strip_mention
from handlers.naming import reply_check, reply_suggest
from handlers.policy import reply_answer
from knowledge.domains import looks_like_domain
from knowledge.text import ASKING, clean
from knowledge.units import parse_unit

_QUESTION = re.compile(f"{ASKING.pattern}|可以")  # 牟定县的乡镇清理情况啥时候报: a question, not a unit name


def looks_like_unit_name(text: str) -> bool:
    """A bare unit name such as 武定县人力资源和社会保障局 (a place and a unit, not a question)."""
    if len(text) > 40 or " " in text or _QUESTION.search(text):
        return False
    unit = parse_unit(text)
    if unit.place_name:
        return bool(unit.unit or unit.kind == "portal")
    # 教育体育局, 狮山镇, 县融媒体中心: a known unit written without the place (read in the office's region)
    return len(text) <= 20 and (unit.department is not None or bool(unit.town))


async def on_text(update: Update, context: BotContext) -> None:
    text = message_text(update)
    if not is_private(update):
        if not mentions_bot(update.effective_message, context.bot.username):
            return  # plain group chatter is not for the bot
        text = strip_mention(text, context.bot.username)
    text = clean(text)
    if not text:
        await reply_html(update, "请直接发送问题、单位全称或域名。发送 /help 查看用法。")
    elif looks_like_domain(text):
        await reply_check(update, text, context=context)
    elif looks_like_unit_name(text):
        await reply_suggest(update, context, text)
    else:
        await reply_answer(update, text, context)


async def on_other_message(update: Update, context: BotContext) -> None:
    """Stickers, photos and the like in a private chat get a hint; in groups they are ignored."""
    if is_private(update):
        await reply_html(update, "我只能处理文字消息：请发送问题、单位全称或域名。发送 /help 查看用法。")


def register(app: Application) -> None:
    new_message = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(new_message & filters.TEXT & ~filters.COMMAND, on_text))


def register_fallbacks(app: Application) -> None:
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.COMMAND
                                   & ~filters.StatusUpdate.ALL, on_other_message))
