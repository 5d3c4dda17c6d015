"""/start, /help, the command menu, and the error handler that keeps the bot alive."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.db.storage import UNAVAILABLE, DatabaseUnavailable
from bot.runtime.state import BotContext
from handlers.common import APOLOGY, asker_region, esc, is_private, reply_html
from knowledge.examples import localize
from knowledge.offices import read_place

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotCommandInfo:
    name: str
    description: str  # shown in Telegram's menu
    example: str  # shown in /help
    private: bool = True
    group: bool = True


COMMANDS = [
    BotCommandInfo("start", "开始使用", "/start"),
    BotCommandInfo("help", "查看全部功能和示例", "/help"),
]

# The rules' source is cited as it is (楚政办函〔2019〕8号); the examples are localized (knowledge.examples).
INTRO = (
    "我是<b>政府网站域名助手</b>，帮助{where}各单位清理和规范政府网站域名"
    "（规则依据楚政办函〔2019〕8号《全州政府网站域名清理工作方案》）。\n"
    "• 政策问答：直接发问题，例如“联系人换了多久内报备”\n"
    "• 生成域名：发单位全称，例如“武定县人力资源和社会保障局”\n"
    "• 检查域名：发域名或网址，例如“wuding.gov.cn”"
)


def help_text(commands: list[BotCommandInfo], private: bool, region: str = "") -> list[str]:
    """The introduction and every command with its example, in the deployment's own places (`region`)."""
    place = read_place(region)
    # localized before the place is put in: the place is the deployment's already, never rewritten again
    lines = [localize(INTRO, region).format(where=esc(place.name) if place else ""), "", "<b>命令</b>"]
    for command in commands:
        if (private and command.private) or (not private and command.group):
            description, example = localize(command.description, region), localize(command.example, region)
            lines.append(f"/{command.name} — {esc(description)}\n    例：<code>{esc(example)}</code>")
    if not private:
        lines.append("\n在群里请用命令，或 @我 再提问。")
    return ["\n".join(lines)]


async def start(update: Update, context: BotContext) -> None:
    commands = (context.bot_data.commands or COMMANDS)
    await reply_html(update, help_text(commands, is_private(update), await asker_region(update, context)))


async def help_command(update: Update, context: BotContext) -> None:
    commands = (context.bot_data.commands or COMMANDS)
    await reply_html(update, help_text(commands, is_private(update), await asker_region(update, context)))


async def unknown_command(update: Update, context: BotContext) -> None:
    if is_private(update):
        await reply_html(update, "没有这个命令。发送 /help 查看可用命令。")


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure and apologise to the user; never let an update take the bot down."""
    unavailable = isinstance(context.error, DatabaseUnavailable)
    if unavailable:
        log.warning("database unavailable while answering: %s", context.error)
    else:
        log.error("update failed: %s", context.error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            if update.callback_query is not None and unavailable:
                await update.callback_query.answer(UNAVAILABLE, show_alert=True)
                return
            await update.effective_chat.send_message(UNAVAILABLE if unavailable else APOLOGY)
        except Exception as exc:
            log.warning("could not send the apology: %s", exc)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_error_handler(on_error)


def register_fallbacks(app: Application) -> None:
    """Unknown commands; added last so that every feature's own commands match first."""
    app.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, unknown_command))
