"""Text normalisation shared by the Q&A, the name parser and the domain checker."""
from __future__ import annotations

import re
import unicodedata

MAX_INPUT_CHARS = 4096  # Telegram's own message limit; longer input is cut, never processed whole.

_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean(text: str | None, limit: int = MAX_INPUT_CHARS) -> str:
    """NFKC, drop control and bidi-override characters, collapse spaces, cut to `limit`."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text[: limit * 2])
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())[:limit]


def compact(text: str | None) -> str:
    """`clean` without any spaces, lower case: for comparisons."""
    return clean(text).replace(" ", "").lower()


def name_text(text: str | None) -> str:
    """A name as stored and shown: `clean` without spaces, its case kept (武定县R&D中心); `compact` of it is the
    form names are compared in."""
    return clean(text).replace(" ", "")
