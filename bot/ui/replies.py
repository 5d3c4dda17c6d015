"""How every message the bot sends is formatted: HTML, no link previews (answers quote domains; previews would
only clutter). Installed as python-telegram-bot's Defaults, so a send that names neither gets both."""
from __future__ import annotations

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Defaults

REPLY_DEFAULTS = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
