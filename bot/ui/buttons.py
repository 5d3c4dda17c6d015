"""Callback data of inline buttons: one codec per kind of button, the only place that builds or parses it.

Telegram returns whatever a button carried, and anyone can forge it, so `decode` accepts only what `encode`
could have made: the kind's prefix, the right number of fields, ids that fit a database integer, choices from the
kind's own list. Anything else decodes to None and the handler answers “按钮无效”."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from knowledge.applications import ACTIONS

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
MAX_ID = 2**63 - 1  # ids are BIGINT in the database; a larger number is a forged button
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(frozen=True)
class Button:
    """A kind of button: `prefix:field:field…`. Field types: "id" (a positive database id), "index" (a position or
    page, 0–99999), "date" (YYYYMMDD), "token" (a short ASCII key made by the bot), or a tuple of allowed words."""

    prefix: str
    fields: tuple[object, ...]

    @property
    def pattern(self) -> str:
        """For CallbackQueryHandler: this kind's data, whatever its fields say (decode checks them)."""
        return rf"^{re.escape(self.prefix)}:"

    def encode(self, *values: object) -> str:
        if len(values) != len(self.fields):
            raise ValueError(f"{self.prefix}: {len(self.fields)} fields, got {len(values)}")
        parts = [self._text(kind, value) for kind, value in zip(self.fields, values)]
        data = ":".join([self.prefix, *parts])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    def decode(self, data: str | None) -> tuple | None:
        data = data or ""
        if not data.startswith(self.prefix + ":") and data != self.prefix:
            return None
        rest = data[len(self.prefix) + 1:]
        parts = rest.split(":") if self.fields else ([] if not rest else None)
        if parts is None or len(parts) != len(self.fields):
            return None
        try:
            return tuple(self._check(kind, part) for kind, part in zip(self.fields, parts))
        except ValueError:
            return None

    @classmethod
    def _text(cls, kind: object, value: object) -> str:
        text = f"{value:%Y%m%d}" if kind == "date" and isinstance(value, dt.date) else str(value)
        cls._check(kind, text)
        return text

    @staticmethod
    def _check(kind: object, text: str) -> object:
        if kind == "id":
            if not (text.isascii() and text.isdigit()) or len(text) > 19 or not 0 < int(text) <= MAX_ID:
                raise ValueError(text)
            return int(text)
        if kind == "index":
            if not (text.isascii() and text.isdigit()) or len(text) > 5:
                raise ValueError(text)
            return int(text)
        if kind == "date":
            if not (text.isascii() and text.isdigit()) or len(text) != 8:
                raise ValueError(text)
            return dt.datetime.strptime(text, "%Y%m%d").date()
        if kind == "token":
            if not _TOKEN.fullmatch(text):
                raise ValueError(text)
            return text
        if isinstance(kind, tuple):
            if text not in kind:
                raise ValueError(text)
            return text
        raise TypeError(kind)


# -- every kind of button the bot sends ------------------------------------------------------------------------
# Registry (/status): show a unit found by a fuzzy search; pick a domain's new status; set it; make it the 主域名.
SHOW_UNIT = Button("st", ("id",))
PICK_STATUS = Button("ss", ("id",))
SET_STATUS = Button("sv", ("id", "index"))  # the index into knowledge.registry_model.STATUSES
SET_PRIMARY = Button("sp", ("id",))
# Naming (/suggest): the unit's kind when the name does not say it; the other compliant spellings.
PICK_KIND = Button("kind", ("token", "token"))  # (remembered question, kind code)
ALTERNATIVES = Button("alt", ("token",))
# Policy: one clause, one section of the documents.
CLAUSE = Button("clause", ("token",))
SECTION = Button("sec", ("token",))
# Reminders: a deadline done, or postponed one working day from the due date the reminder showed (spent once).
DEADLINE_DONE = Button("dl:done", ("id",))
DEADLINE_SNOOZE = Button("dl:snooze", ("id", "date"))
OLD_SNOOZE = Button("dl:snooze", ("id",))  # sent before the 推迟 button named its due date: refused as spent
DUE_LIST = Button("du", ("index",))  # a page of /due
DUE_OFFICE = Button("duo", ("id", "index"))  # a page of /due for an office below the admin's (checked on press)
# Progress: one group's domains, a page at a time, for the scope remembered under the token.
PROGRESS_PAGE = Button("pg", ("token", "index", "token"))
# Progress of one office below (/progress at an office with offices under it); checked against the presser's offices.
PROGRESS_OFFICE = Button("po", ("id",))
# Campaigns: show or end one (remembered under the token).
CAMPAIGN = Button("cp", (("show", "end"), "token"))
CAMPAIGN_LIST = Button("cl", ("index",))  # a page of the /campaign list
# Applications (/apply): a step of the guided form; a choice by position in the list the form offered; the action;
# an open application's step advanced, rejected, or its returned document attached.
APPLY_STEP = Button("ap", (("back", "cancel", "done", "submit"),))
APPLY_PICK = Button("ap", (("unit", "tog", "dom", "rep", "yr"), "index"))
APPLY_ACTION = Button("ap:act", (tuple(ACTIONS),))
APPLICATION = Button("aq", (("rej", "att"), "id"))
# 推进到下一步 names the step it was sent for: pressed again, or after someone else passed that step, it moves nothing.
ADVANCE = Button("aq:adv", ("id", "index"))
