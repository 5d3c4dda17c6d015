"""Long messages cut into parts Telegram accepts: the one splitter every send path uses (chat replies in
handlers/common.reply_html, outbox rows in bot/delivery/queue).

Telegram measures a message after reading its HTML: 4,096 UTF-16 code units of visible text (tags do not count,
`&lt;` counts one, an emoji outside the BMP two). A part is cut only between elements' text, never inside a tag
or an entity; the elements open at the cut are closed at the end of the part and opened again, with the same
attributes, at the start of the next (a `<pre>` report split in two is two `<pre>` blocks), so every part is
well-formed HTML on its own. Cuts fall after a line break where one is near."""
from __future__ import annotations

import html
import re
from collections.abc import Sequence

TEXT_LIMIT = 4096  # telegram.constants.MessageLimit.MAX_TEXT_LENGTH
CAPTION_LIMIT = 1024
# A tag, an entity, or text up to the next one. The bot's HTML is its own (dynamic text is escaped), so a lone
# '<' or '&' is taken as text.
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^>]*)?)>|&(?:[a-zA-Z]+|#[0-9]+|#[xX][0-9a-fA-F]+);|[^<&]+|[<&]")


def units(text: str) -> int:
    """Telegram's length of plain text: UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def visible_length(markup: str) -> int:
    """The length Telegram counts for HTML text: what is shown, tags left out, entities as one character."""
    total = 0
    for match in _TOKEN.finditer(markup):
        if match.group(2) is None:
            total += units(html.unescape(match.group(0)))
    return total


def split_html(blocks: Sequence[str] | str, limit: int = TEXT_LIMIT) -> list[str]:
    """HTML blocks (each well-formed) packed into as few messages as fit, a line break between blocks; a block too
    long for one message is cut at element boundaries. Every part is well-formed and at most `limit` long."""
    messages: list[str] = []
    current, used = "", 0
    for block in [blocks] if isinstance(blocks, str) else blocks:
        if not block or not block.strip():
            continue
        size = visible_length(block)
        pieces = [(block, size)] if size <= limit else [(p, visible_length(p)) for p in _cut(block, limit)]
        for piece, length in pieces:
            if current and used + 1 + length <= limit:
                current, used = f"{current}\n{piece}", used + 1 + length
            else:
                if current:
                    messages.append(current)
                current, used = piece, length
    if current:
        messages.append(current)
    return messages


def _cut(block: str, limit: int) -> list[str]:
    parts: list[str] = []
    out: list[str] = []
    used = 0
    open_tags: list[tuple[str, str]] = []  # (name, the tag as written)

    def flush() -> None:
        nonlocal used
        parts.append("".join(out) + "".join(f"</{name}>" for name, _ in reversed(open_tags)))
        out[:] = [tag for _, tag in open_tags]
        used = 0

    for match in _TOKEN.finditer(block):
        token, name = match.group(0), match.group(2)
        if name is not None:
            if match.group(1):
                if open_tags and open_tags[-1][0] == name.lower():
                    open_tags.pop()
            else:
                open_tags.append((name.lower(), token))
            out.append(token)
            continue
        if token.startswith("&") and token.endswith(";") and len(token) > 2:  # an entity: never cut inside
            width = units(html.unescape(token))
            if used + width > limit:
                flush()
            out.append(token)
            used += width
            continue
        text = token
        while text:
            room = limit - used
            if units(text) <= room:
                out.append(text)
                used += units(text)
                break
            take = _fit(text, room)
            newline = text.rfind("\n", 0, take)
            if newline >= take // 2 and newline > 0:
                take = newline + 1
            elif used and room < limit // 4:
                take = 0  # little room left: start the next part rather than cut this line short
            out.append(text[:take])
            used += units(text[:take])
            text = text[take:]
            flush()
    if used or not parts:
        parts.append("".join(out) + "".join(f"</{name}>" for name, _ in reversed(open_tags)))
    return [p for p in parts if visible_length(p) > 0 and p.strip()]


def _fit(text: str, room: int) -> int:
    """How many characters of `text` fit in `room` UTF-16 code units."""
    count = 0
    for index, ch in enumerate(text):
        count += 2 if ord(ch) > 0xFFFF else 1
        if count > room:
            return index
    return len(text)
