"""Text cleaned where it enters: every update's text and caption pass knowledge.text.clean_text (controls, bidi
overrides, what no workbook or form can hold) before any handler reads them, so a stray control character typed
in /note or an /apply reason is never stored and /report and export never meet it.

The cleaned update is a new one made from the old one's dict (python-telegram-bot's objects are immutable), in
`CleaningApplication.process_update`, the one door every update passes: polling, the webhook, the inbox's
taken-over updates and the console chat alike."""
from __future__ import annotations

from typing import Any

from telegram import Bot, Update
from telegram.ext import Application

from knowledge.text import clean_text, is_clean

_TEXT_FIELDS = (("text", "entities"), ("caption", "caption_entities"))


def cleaned_with_entities(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """`clean_text` applied to a message's text, its entities (offsets in UTF-16 code units) moved with it: each
    stretch between entity edges is cleaned on its own, so every edge lands where its text now is."""
    raw = text.encode("utf-16-le", "surrogatepass")
    size = len(raw) // 2

    def edge(value: int) -> int:
        return min(max(value, 0), size)

    edges = sorted({0, size, *(edge(e["offset"]) for e in entities), *(edge(e["offset"] + e["length"]) for e in entities)})
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
        start = moved.get(edge(entity["offset"]), 0)
        end = moved.get(edge(entity["offset"] + entity["length"]), start)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return "".join(pieces), kept


def _dirty(message: Any) -> bool:
    return any(isinstance(value := getattr(message, field, None), str) and value and not is_clean(value)
               for field, _ in _TEXT_FIELDS)


def clean_update(update: Update, bot: Bot | None = None) -> Update:
    """The update itself when its texts are clean (nearly always), else a cleaned copy (for `bot`)."""
    message = update.effective_message
    if message is None or not _dirty(message):
        return update
    data = update.to_dict()
    for value in data.values():  # message, edited_message, channel_post …
        if not isinstance(value, dict):
            continue
        for field, entities_field in _TEXT_FIELDS:
            text = value.get(field)
            if isinstance(text, str) and text and not is_clean(text):
                value[field], cleaned = cleaned_with_entities(text, value.get(entities_field) or [])
                if cleaned:
                    value[entities_field] = cleaned
                else:
                    value.pop(entities_field, None)
    return Update.de_json(data, bot)


class CleaningApplication(Application):
    """python-telegram-bot's Application whose `process_update` (public, and the method every way in calls)
    cleans the update first."""

    async def process_update(self, update: object) -> None:
        await super().process_update(clean_update(update, self.bot) if isinstance(update, Update) else update)
