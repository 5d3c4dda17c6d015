"""What the real Bot API server refuses, for the fake (tests/support/fake_bot_api.py).

The HTML rules follow the server's own parser (tdlib, td/telegram/MessageEntity.cpp `parse_html`): a tag is
`<` up to the first space or `>`; only the documented tags are allowed; attributes are `name=value`,
`name="value"` or `name='value'`; an end tag closes the innermost open tag (`</>` too) and must name it; every
open tag must be closed; only `&lt; &gt; &amp; &quot;` and numeric entities are decoded (anything else after
`&` stays literal text, as the server keeps it). Error texts are the server's, after the Bot API's
"Bad Request: can't parse entities: " prefix. Lengths are counted after parsing, in UTF-16 code units, on the
text with leading and trailing white space removed (as the server trims it)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MAX_BUTTONS = 100
MAX_ROW = 8
MAX_CALLBACK_BYTES = 64

ALLOWED_TAGS = {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji", "span",
                "pre", "code", "blockquote"}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NUMERIC = re.compile(r"#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_SPACE = " \t\r\n\f\v"
_SPECIAL = re.compile(r"[<&]")


class Refused(Exception):
    """The server's 400 answer; `description` is the text it sends."""

    def __init__(self, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.status = status


@dataclass(frozen=True)
class Parsed:
    text: str  # the plain text the message shows
    entities: tuple[tuple[str, int, int, str], ...]  # (tag, utf-16 offset, utf-16 length, argument)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entity(text: str, at: int) -> tuple[str, int] | None:
    """The character an entity at text[at] == '&' stands for and the index after it, or None (kept literally)."""
    rest = text[at + 1:at + 16]
    for name, char in _NAMED.items():
        if rest.startswith(name + ";"):
            return char, at + len(name) + 2
    match = _NUMERIC.match(rest)
    if match:
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), at + 1 + match.end()
    return None


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def parse_html(text: str) -> Parsed:
    """The server's reading of `parse_mode=HTML` text; raises Refused with its error text."""
    def fail(reason: str) -> Refused:
        return Refused("Bad Request: can't parse entities: " + reason)

    out: list[str] = []
    out_len = 0  # utf-16 length of out
    stack: list[tuple[str, int, str]] = []  # (tag, utf-16 offset where it began, argument)
    entities: list[tuple[str, int, int, str]] = []
    i, n = 0, len(text)
    while i < n:
        special = _SPECIAL.search(text, i)
        stop = special.start() if special else n
        if stop > i:  # plain text up to the next '<' or '&', taken whole
            out.append(text[i:stop])
            out_len += utf16_len(text[i:stop])
            i = stop
            continue
        ch = text[i]
        if ch == "&":
            decoded = _entity(text, i)
            out.append(decoded[0] if decoded else ch)
            out_len += utf16_len(decoded[0]) if decoded else 1
            i = decoded[1] if decoded else i + 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":  # an end tag
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            j = i + 1
            while j < n and text[j] not in _SPACE and text[j] != ">":
                j += 1
            end_name = text[i + 1:j].lower()
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n or text[j] != ">":
                raise fail(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            tag, start, argument = stack.pop()
            if end_name and end_name != tag:
                raise fail(f'Unmatched end tag at byte offset {_byte_offset(text, begin)}, expected "</{tag}>", '
                           f'found "</{end_name}>"')
            entities.append((tag, start, out_len - start, argument))
            i = j + 1
            continue
        j = i
        while j < n and text[j] not in _SPACE and text[j] != ">":
            j += 1
        if j >= n:
            raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[i:j].lower()
        if tag not in ALLOWED_TAGS:
            raise fail(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
        argument = ""
        while True:
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[j] == ">":
                break
            name_start = j
            while j < n and text[j] not in _SPACE and text[j] not in "=>":
                j += 1
            name = text[name_start:j].lower()
            if not name:
                raise fail(f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            while j < n and text[j] in _SPACE:
                j += 1
            if j < n and text[j] != "=" and tag == "blockquote" and name == "expandable":
                argument = "expandable"
                continue
            if j >= n or text[j] != "=":
                raise fail(f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset '
                           f"{_byte_offset(text, begin)}")
            j += 1
            while j < n and text[j] in _SPACE:
                j += 1
            if j >= n:
                raise fail(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}')
            if text[j] in "'\"":
                quote, j = text[j], j + 1
                value: list[str] = []
                while j < n and text[j] != quote:
                    decoded = _entity(text, j) if text[j] == "&" else None
                    if decoded:
                        value.append(decoded[0])
                        j = decoded[1]
                    else:
                        value.append(text[j])
                        j += 1
                if j < n:
                    j += 1
                attribute = "".join(value)
            else:
                token_start = j
                while j < n and (text[j].isascii() and text[j].isalnum() or text[j] in ".-"):
                    j += 1
                attribute = text[token_start:j].lower()
                if j < n and text[j] not in _SPACE and text[j] != ">":
                    raise fail(f"Unexpected end of name token at byte offset {_byte_offset(text, token_start)}")
            if j >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if (tag, name) in (("a", "href"), ("tg-emoji", "emoji-id")) or (
                    (tag, name) == ("code", "class") and attribute.startswith("language-")) or (
                    (tag, name) == ("span", "class") and attribute.startswith("tg-")):
                argument = attribute
        if tag == "span" and argument != "tg-spoiler":
            raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}')
        stack.append((tag, out_len, argument))
        i = j + 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return Parsed("".join(out), tuple(sorted(entities, key=lambda e: (e[1], -e[2]))))


def read_text(params: dict, key: str = "text") -> Parsed:
    """The text (or caption) of a request as the server reads it: HTML parsed when asked for, trimmed."""
    raw = params.get(key)
    raw = "" if raw is None else str(raw)
    mode = str(params.get("parse_mode") or "").lower()
    if mode == "html":
        parsed = parse_html(raw)
    elif mode in ("markdown", "markdownv2"):
        parsed = Parsed(raw, ())  # the bot never sends Markdown; taken as plain text here
    else:
        parsed = Parsed(raw, ())
    stripped = parsed.text.strip()
    lead = utf16_len(parsed.text) - utf16_len(parsed.text.lstrip())
    return Parsed(stripped, tuple((t, o - lead, ln, a) for t, o, ln, a in parsed.entities))


def check_text(params: dict) -> Parsed:
    parsed = read_text(params)
    if not parsed.text:
        raise Refused("Bad Request: message text is empty")
    if utf16_len(parsed.text) > TEXT_LIMIT:
        raise Refused("Bad Request: message is too long")
    return parsed


def check_caption(params: dict) -> Parsed:
    parsed = read_text(params, "caption")
    if utf16_len(parsed.text) > CAPTION_LIMIT:
        raise Refused("Bad Request: message caption is too long")
    return parsed


def read_markup(params: dict) -> dict | None:
    raw = params.get("reply_markup")
    if raw in (None, ""):
        return None
    markup = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(markup, dict):
        raise Refused("Bad Request: can't parse reply keyboard markup JSON object")
    return markup


def check_markup(params: dict) -> dict | None:
    """An inline keyboard as the server checks it: button text, callback data 1–64 bytes, ≤ 8 a row, ≤ 100."""
    markup = read_markup(params)
    if markup is None or "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise Refused("Bad Request: can't parse inline keyboard button: field \"inline_keyboard\" must be an Array "
                      "of Arrays")
    if sum(len(row) for row in rows) > MAX_BUTTONS or any(len(row) > MAX_ROW for row in rows):
        raise Refused("Bad Request: reply markup is too long")
    for row in rows:
        for button in row:
            if not str(button.get("text") or "").strip():
                raise Refused("Bad Request: BUTTON_TEXT_INVALID")
            actions = set(button) - {"text"}
            if not actions:
                raise Refused("Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
                              "inline keyboard")
            if "callback_data" in button:
                data = str(button["callback_data"])
                if not 1 <= len(data.encode()) <= MAX_CALLBACK_BYTES:
                    raise Refused("Bad Request: BUTTON_DATA_INVALID")
    return markup


def reply_target(params: dict) -> tuple[int | None, bool]:
    """The message a send replies to, and whether it may go without it (allow_sending_without_reply)."""
    raw = params.get("reply_parameters")
    if raw not in (None, ""):
        reply = json.loads(raw) if isinstance(raw, str) else raw
        return int(reply.get("message_id") or 0) or None, bool(reply.get("allow_sending_without_reply"))
    message_id = params.get("reply_to_message_id")
    allow = str(params.get("allow_sending_without_reply") or "").lower() in ("true", "1")
    return (int(message_id) if message_id not in (None, "") else None), allow
