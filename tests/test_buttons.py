"""Callback data: what encode makes decodes to the same values; anything a forger could send decodes to None."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.ui.buttons import MAX_ID, Button

DEADLINE = Button("dl", (("done", "snooze"), "id"))
PICK = Button("sv", ("id", "index"))
CLAUSE = Button("clause", ("token",))


@given(st.sampled_from(["done", "snooze"]), st.integers(1, MAX_ID))
def test_round_trip(action, ident):
    assert DEADLINE.decode(DEADLINE.encode(action, ident)) == (action, ident)


@pytest.mark.parametrize("data", [
    None, "", "dl", "dl:", "dl:done", "dl:done:", "dl:done:0", "dl:done:-1", "dl:done:1:2", "dl:later:1",
    f"dl:done:{MAX_ID + 1}", "dl:done:99999999999999999999999999", "dl:done:１２", "dl:done:²", "dl:done: 1",
    "dx:done:1", "dl:done:1\n",
])
def test_forged_data_is_refused(data):
    assert DEADLINE.decode(data) is None


def test_fields_are_checked_both_ways():
    assert PICK.decode("sv:12:3") == (12, 3)
    assert PICK.decode("sv:12:100000") is None
    assert CLAUSE.decode("clause:plan-2-4") == ("plan-2-4",)
    assert CLAUSE.decode("clause:<b>") is None
    with pytest.raises(ValueError):
        DEADLINE.encode("later", 1)
    with pytest.raises(ValueError):
        CLAUSE.encode("x" * 70)  # over Telegram's 64 bytes
    assert DEADLINE.pattern == "^dl:"


def test_prefixes_with_a_colon_and_dates():
    from bot.ui.buttons import DEADLINE_DONE, DEADLINE_SNOOZE

    snooze = DEADLINE_SNOOZE.encode(7, dt.date(2026, 12, 11))
    assert snooze == "dl:snooze:7:20261211" and DEADLINE_SNOOZE.decode(snooze) == (7, dt.date(2026, 12, 11))
    assert DEADLINE_DONE.decode(snooze) is None and DEADLINE_SNOOZE.decode("dl:done:7") is None
    assert DEADLINE_SNOOZE.decode("dl:snooze:7:20261341") is None  # no 13th month
