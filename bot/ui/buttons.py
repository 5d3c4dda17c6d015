"""Callback data of inline buttons: one codec per kind of button, the only place that builds or parses it.

Telegram returns whatever a button carried, and anyone can forge it, so `decode` accepts only what `encode`
could have made: the kind's prefix, the right number of fields, ids that fit a database integer, choices from the
kind's own list. Anything else decodes to None and the handler answers “按钮无效”."""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
MAX_ID = 2**63 - 1  # ids are BIGINT in the database; a larger number is a forged button
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(frozen=True)
class Button:
    """A kind of button: `prefix:field:field…`. Field types: "id" (a positive database id), "index" (a position in
    a list the handler holds, 0–999), "token" (a short ASCII key made by the bot), or a tuple of allowed words."""

    prefix: str
    fields: tuple[object, ...]

    @property
    def pattern(self) -> str:
        """For CallbackQueryHandler: this kind's data, whatever its fields say (decode checks them)."""
        return rf"^{re.escape(self.prefix)}:"

    def encode(self, *values: object) -> str:
        if len(values) != len(self.fields):
            raise ValueError(f"{self.prefix}: {len(self.fields)} fields, got {len(values)}")
        parts = [str(self._check(kind, str(value))) for kind, value in zip(self.fields, values)]
        data = ":".join([self.prefix, *parts])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    def decode(self, data: str | None) -> tuple | None:
        prefix, _, rest = (data or "").partition(":")
        if prefix != self.prefix:
            return None
        parts = rest.split(":") if self.fields else ([] if not rest else None)
        if parts is None or len(parts) != len(self.fields):
            return None
        try:
            return tuple(self._check(kind, part) for kind, part in zip(self.fields, parts))
        except ValueError:
            return None

    @staticmethod
    def _check(kind: object, text: str) -> object:
        if kind == "id":
            if not (text.isascii() and text.isdigit()) or len(text) > 19 or not 0 < int(text) <= MAX_ID:
                raise ValueError(text)
            return int(text)
        if kind == "index":
            if not (text.isascii() and text.isdigit()) or len(text) > 3:
                raise ValueError(text)
            return int(text)
        if kind == "token":
            if not _TOKEN.fullmatch(text):
                raise ValueError(text)
            return text
        if isinstance(kind, tuple):
            if text not in kind:
                raise ValueError(text)
            return text
        raise TypeError(kind)
