"""What the application's handlers and jobs share, typed: python-telegram-bot creates one `BotData` per
Application (ContextTypes); `build_application` fills in the settings and the database before any update."""
from __future__ import annotations

import asyncio
import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.config.settings import Settings
from bot.db.storage import Database
from bot.delivery.pacing import ReplyPacer
from bot.delivery.sender import Outbox, utc_now
from bot.runtime.inbox import Inbox


@dataclass
class BotData:
    settings: Settings = None  # type: ignore[assignment]  # set by build_application
    db: Database = None  # type: ignore[assignment]  # set by build_application
    commands: list = field(default_factory=list)  # handlers.basics.BotCommandInfo: the menu and /help
    clock: Callable[[], dt.datetime] = utc_now  # tests replace it to control time
    outbox: Outbox | None = None  # set when the jobs are installed
    pacer: ReplyPacer | None = None  # replies paced against Telegram's limits (bot/delivery/pacing.py)
    inbox: Inbox | None = None  # updates taken from Telegram and not handled yet (bot/runtime/inbox.py)
    warm_up: asyncio.Future | None = None  # the knowledge indexes being built after start
    pending_buttons: OrderedDict[str, dict] = field(default_factory=OrderedDict)  # handlers.common.remember
    pages: OrderedDict[tuple, object] = field(default_factory=OrderedDict)  # handlers.common.show_page
    monitor_running: set[str] = field(default_factory=set)  # domains a /monitor is checking now


BotContext = CallbackContext[ExtBot, dict, dict, BotData]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData)
