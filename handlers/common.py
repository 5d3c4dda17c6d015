"""Shared Telegram glue: HTML escaping, replies (split by bot/ui/messages), addressing rules and one-shot button data."""
from __future__ import annotations

import asyncio
import html
import logging
import re
import secrets
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, ReplyParameters, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, RetryAfter
from telegram.warnings import PTBUserWarning

from bot.delivery.pacing import flood_wait
from bot.runtime.state import BotContext
from bot.ui.messages import split_html
from bot.ui.replies import REPLY_DEFAULTS

if TYPE_CHECKING:
    from bot.registry.access import Role

log = logging.getLogger(__name__)
FLOOD_RETRIES = 3
UPLOAD_TIMEOUT = 120.0  # seconds to send a large file and hear Telegram's answer
APOLOGY = "抱歉，处理您的消息时出错了，请稍后再试。"
# do_api_request warns that send_message exists; reply_html uses it on purpose (see there).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


def esc(value: object) -> str:
    """Escape any dynamic text for HTML parse mode."""
    return html.escape(str(value), quote=False)


async def reply_html(update: Update, blocks: Sequence[str] | str,
                     keyboard: InlineKeyboardMarkup | None = None) -> int | None:
    """Answer in the chat of the update: HTML, split under the limit, the keyboard under the last part. In a
    group the answer replies to the asker's message, and still arrives when that message is gone
    (allow_sending_without_reply). Returns the id of the last part sent."""
    chat = update.effective_chat
    if chat is None:
        return None
    parts = split_html(blocks)
    defaults = chat.get_bot().defaults or REPLY_DEFAULTS
    message = update.effective_message
    reply_to = (ReplyParameters(message.message_id, allow_sending_without_reply=True)
                if message and chat.type != ChatType.PRIVATE else None)
    sent = None
    for i, part in enumerate(parts):
        # do_api_request sends the parameters as given: the application's Defaults are added here.
        params = {"chat_id": chat.id, "text": part, "parse_mode": defaults.parse_mode,
                  "link_preview_options": defaults.link_preview_options,
                  "reply_parameters": reply_to if i == 0 else None, "reply_markup": keyboard if i == len(parts) - 1 else None}
        # The sent message is not needed, and turning Telegram's answer into a Message object costs 0.12 ms, 6% of
        # an update (benchmarks/bench_e2e.py): send_message without that step.
        sent = await _flood_retried(lambda params=params: chat.get_bot().do_api_request(
            "sendMessage", {k: v for k, v in params.items() if v is not None}))
    return sent.get("message_id") if isinstance(sent, dict) else None


_MAX_PAGES = 2048


async def show_page(update: Update, context: BotContext, text: str, keyboard: InlineKeyboardMarkup | None,
                    title: str | None = None) -> None:
    """A page of a paged list, shown for a button press: the message pressed is edited when it is that list (its
    text starts with `title`, or always when there is no title: the buttons are only on the list); pressed on
    another message (the summary a list opens from), the page is sent once and a second press of that button
    edits the page sent, so a double tap never sends the page again. An edit Telegram would find unchanged
    ("message is not modified") is not sent: the page already shows what was asked for."""
    query = update.callback_query
    message = query.message
    pages: OrderedDict = context.bot_data.pages
    target, key = None, None
    if message is not None:
        key = (message.chat.id, message.message_id, title)
        own = title is None or (message.text or "").startswith(title)
        target = message.message_id if own else pages.get(key)
    shown = (text, keyboard.to_json() if keyboard else "")
    if target is not None:
        if pages.get((message.chat.id, target)) == shown:
            return  # a second tap: the page shows this already (Telegram would answer "message is not modified")
        try:
            await context.bot.edit_message_text(text, message.chat.id, target, reply_markup=keyboard)
            _remember_page(pages, (message.chat.id, target), shown)
            return
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
            # gone or too old to edit: sent anew below
    sent = await reply_html(update, text, keyboard)
    if key is not None and sent is not None:
        _remember_page(pages, (message.chat.id, sent), shown)
        if target != message.message_id:
            _remember_page(pages, key, sent)


def _remember_page(pages: OrderedDict, key: tuple, value: object) -> None:
    pages[key] = value
    pages.move_to_end(key)
    while len(pages) > _MAX_PAGES:
        pages.popitem(last=False)


async def send_file(update: Update, path: Path, filename: str) -> None:
    """A file (the 20 MB report) sent to the chat of the update: streamed from disk in chunks (read whole and
    written at once, it held the event loop ~40 ms), given time to travel (the 5 s meant for short messages
    turned a slow answer into an error while the file still arrived), and resent after Telegram's flood wait."""
    chat = update.effective_chat

    async def send() -> None:
        with path.open("rb") as handle:  # opened again for a resend: the stream is used up
            await chat.send_document(document=InputFile(handle, filename=filename, read_file_handle=False),
                                     read_timeout=UPLOAD_TIMEOUT, write_timeout=UPLOAD_TIMEOUT)

    await _flood_retried(send)


async def _flood_retried(send: Callable[[], Awaitable[object]]) -> object:
    for attempt in range(FLOOD_RETRIES + 1):
        try:
            return await send()
        except RetryAfter as exc:  # Telegram's flood control: wait as told, then try again
            if attempt == FLOOD_RETRIES:
                raise
            await asyncio.sleep(flood_wait(exc))


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def mentions_bot(message: Message | None, bot_username: str) -> bool:
    """True when a group message @-mentions this bot or replies to one of its messages."""
    if message is None:
        return False
    if message.reply_to_message and message.reply_to_message.from_user and message.reply_to_message.from_user.username == bot_username:
        return True
    wanted = f"@{bot_username}".lower()
    mentions = {**message.parse_entities([MessageEntityType.MENTION]),
                **message.parse_caption_entities([MessageEntityType.MENTION])}  # a file's caption too
    return any(text.lower() == wanted for text in mentions.values())


def strip_mention(text: str, bot_username: str) -> str:
    return " ".join(word for word in text.split() if word.lower() != f"@{bot_username}".lower())


# -- button data ----------------------------------------------------------------------------------------
# Telegram allows 64 bytes of callback data; longer payloads (a unit name) are kept here under a random key,
# together with the user who may press the button. Lost on restart: the button then says it has expired.
_MAX_PENDING = 2048


def remember(context: BotContext, payload: dict, owner_id: int | None) -> str:
    store: OrderedDict = context.bot_data.pending_buttons
    key = secrets.token_urlsafe(6)
    store[key] = {"owner": owner_id, **payload}
    while len(store) > _MAX_PENDING:
        store.popitem(last=False)
    return key


def recall(context: BotContext, key: str) -> dict | None:
    store: OrderedDict | None = context.bot_data.pending_buttons
    return store.get(key) if store else None


MAX_BUTTONS, MAX_ROW = 100, 8  # Telegram refuses more ("reply markup is too long"): a list that can grow pages


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    built = [[InlineKeyboardButton(label[:64], callback_data=data) for label, data in row] for row in rows if row]
    if sum(map(len, built)) > MAX_BUTTONS or any(len(row) > MAX_ROW for row in built):
        raise ValueError(f"keyboard over Telegram's {MAX_BUTTONS} buttons / {MAX_ROW} a row: page it")
    return InlineKeyboardMarkup(built) if built else None


MAX_ID = 2**53  # Telegram user/chat ids and the bot's row ids all stay below this (Telegram: 52 significant bits)
_ID = re.compile(r"-?[0-9]{1,16}")


def parse_id(text: str, signed: bool = False) -> int | None:
    """An id typed or carried in button data: ASCII digits only ('²'.isdigit() is True), within 64-bit columns."""
    if not _ID.fullmatch(text or "") or (text.startswith("-") and not signed):
        return None
    value = int(text)
    return value if abs(value) < MAX_ID else None


def message_text(update: Update) -> str:
    message = update.effective_message
    return (message.text or message.caption or "") if message else ""


async def user_role(update: Update, context: BotContext) -> Role:
    """What the person behind this update may do, read fresh from the database on every update and button press
    (an admin configured in BOT_ADMIN_IDS needs no database trip)."""
    from bot.registry.access import Role, role_of

    uid = update.effective_user.id if update.effective_user else None
    admins = context.bot_data.settings.bot_admin_ids
    if uid is not None and uid in admins:
        return Role(True, ())
    return await context.bot_data.db.run(lambda session: role_of(session, uid, admins))




async def deployment_region(context: BotContext | None) -> str:
    """The deployment's region (/region, else BOT_REGION, else the units' most shared place), '' when none or the
    database is out of reach: help texts and examples are written in its places (knowledge.examples)."""
    if context is None or context.bot_data.db is None:
        return ""
    from bot.registry.region import home_region, known_region

    configured = context.bot_data.settings.bot_region if context.bot_data.settings else None
    region = known_region(configured)
    if region is not None:
        return region
    try:
        return await context.bot_data.db.run(lambda s: home_region(s, configured))
    except Exception:
        log.exception("region lookup failed")
        return ""


ASKER_REGION_WAIT = 0.5  # seconds: /help and /ask never wait longer on the database for the asker's office


async def asker_region(update: Update, context: BotContext) -> str:
    """The region a person's help, examples and answers are in: an office admin's office's (祥云县), else the
    deployment's. /help needs no database: when the asker's office cannot be read at once (a stalled database),
    the deployment's region serves."""
    region = await deployment_region(context)

    async def office_place() -> str:
        role = await user_role(update, context)
        if role.admin or role.office is None:
            return region  # no database trip for anyone but an office's admin
        from bot.offices.service import role_region

        return str(await context.bot_data.db.run(lambda s: role_region(s, role, region)))

    from bot.db.storage import DatabaseUnavailable

    try:
        return await asyncio.wait_for(office_place(), ASKER_REGION_WAIT)
    except (TimeoutError, DatabaseUnavailable):  # slow or out of reach: the deployment's places suit most askers
        return region


async def localized(context: BotContext | None, text: str) -> str:
    """`text` (the bot's own wording, never a quote) in the deployment's places: see knowledge.examples."""
    from knowledge.examples import localize

    return localize(text, await deployment_region(context))
