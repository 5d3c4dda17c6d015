"""Shared Telegram glue: HTML escaping, splitting long replies, addressing rules and one-shot button data."""
from __future__ import annotations

import asyncio
import html
import re
import secrets
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, MessageEntity, ReplyParameters, Update
from telegram.constants import ChatType, MessageEntityType, MessageLimit
from telegram.error import RetryAfter
from telegram.warnings import PTBUserWarning

from bot.delivery.pacing import flood_wait
from bot.runtime.state import BotContext
from bot.ui.replies import REPLY_DEFAULTS
from knowledge.text import clean_text, is_clean

if TYPE_CHECKING:
    from bot.registry.access import Role

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
FLOOD_RETRIES = 3
UPLOAD_TIMEOUT = 120.0  # seconds to send a large file and hear Telegram's answer
APOLOGY = "抱歉，处理您的消息时出错了，请稍后再试。"
# do_api_request warns that send_message exists; reply_html uses it on purpose (see there).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


def esc(value: object) -> str:
    """Escape any dynamic text for HTML parse mode."""
    return html.escape(str(value), quote=False)


def split_html(blocks: Sequence[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Pack HTML blocks (each well-formed on its own) into messages under `limit` characters.
    A single block too long for one message is cut as plain escaped text, never inside an entity."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if not block:
            continue
        pieces = [block] if len(block) <= limit else _cut_plain(block, limit)
        for piece in pieces:
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _cut_plain(block: str, limit: int) -> list[str]:
    text = esc(_strip_tags(block))
    out = []
    while text:
        cut = min(limit, len(text))
        if cut < len(text):
            newline = text.rfind("\n", 0, cut)
            if newline > limit // 2:
                cut = newline
            amp = text.rfind("&", 0, cut)
            if amp != -1 and ";" not in text[amp:cut]:
                cut = amp  # do not split an entity such as &amp;
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return out


def _strip_tags(block: str) -> str:
    out, inside = [], False
    for ch in block:
        if ch == "<":
            inside = True
        elif ch == ">" and inside:
            inside = False
        elif not inside:
            out.append(ch)
    return html.unescape("".join(out))


async def reply_html(update: Update, blocks: Sequence[str] | str,
                     keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the chat of the update: HTML, split under the limit, the keyboard under the last part."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_html([blocks] if isinstance(blocks, str) else blocks)
    defaults = chat.get_bot().defaults or REPLY_DEFAULTS
    message = update.effective_message
    reply_to = ReplyParameters(message.message_id) if message and chat.type != ChatType.PRIVATE else None
    for i, part in enumerate(parts):
        # do_api_request sends the parameters as given: the application's Defaults are added here.
        params = {"chat_id": chat.id, "text": part, "parse_mode": defaults.parse_mode,
                  "link_preview_options": defaults.link_preview_options,
                  "reply_parameters": reply_to if i == 0 else None, "reply_markup": keyboard if i == len(parts) - 1 else None}
        # The sent message is not needed, and turning Telegram's answer into a Message object costs 0.12 ms, 6% of
        # an update (benchmarks/bench_e2e.py): send_message without that step.
        await _flood_retried(lambda params=params: chat.get_bot().do_api_request(
            "sendMessage", {k: v for k, v in params.items() if v is not None}))


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


async def _flood_retried(send: Callable[[], Awaitable[object]]) -> None:
    for attempt in range(FLOOD_RETRIES + 1):
        try:
            await send()
            return
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


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    built = [[InlineKeyboardButton(label[:64], callback_data=data) for label, data in row] for row in rows if row]
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


# -- text at the door ------------------------------------------------------------------------------------
def _cleaned_with_entities(text: str, entities: Sequence[MessageEntity]) -> tuple[str, tuple[MessageEntity, ...]]:
    """`clean_text` applied to a message's text, its entities (offsets in UTF-16 code units) moved with it: each
    stretch between entity edges is cleaned on its own, so every edge lands where its text now is."""
    raw = text.encode("utf-16-le", "surrogatepass")
    size = len(raw) // 2
    edges = sorted({0, size, *(min(max(e.offset, 0), size) for e in entities),
                    *(min(max(e.offset + e.length, 0), size) for e in entities)})
    moved: dict[int, int] = {0: 0}
    pieces: list[str] = []
    at = 0
    for start, end in zip(edges, edges[1:]):
        piece = clean_text(raw[2 * start:2 * end].decode("utf-16-le", "surrogatepass"), limit=end - start + 16)
        pieces.append(piece)
        at += len(piece.encode("utf-16-le")) // 2
        moved[end] = at
    kept = []
    for entity in entities:
        start = moved.get(min(max(entity.offset, 0), size), 0)
        end = moved.get(min(max(entity.offset + entity.length, 0), size), start)
        if end > start:
            data = entity.to_dict()
            data.update(offset=start, length=end - start)
            kept.append(MessageEntity.de_json(data, entity.get_bot() if entity._bot else None))
    return "".join(pieces), tuple(kept)


async def clean_incoming(update: Update, _context: BotContext) -> None:
    """Every update's text and caption cleaned where it enters (knowledge.text.clean_text: controls, bidi
    overrides, what no workbook or form can hold), before any handler reads it: a stray control character typed in
    /note or an /apply reason is never stored, so /report and export never meet it."""
    message = update.effective_message
    if message is None:
        return
    changes = {}
    for field, entities_field in (("text", "entities"), ("caption", "caption_entities")):
        value = getattr(message, field, None)
        if isinstance(value, str) and value and not is_clean(value):
            changes[field], changes[entities_field] = _cleaned_with_entities(value, getattr(message, entities_field, ()) or ())
    if changes:
        with message._unfrozen():  # python-telegram-bot freezes its objects; this is its own way to change one
            for field, value in changes.items():
                setattr(message, field, value)
