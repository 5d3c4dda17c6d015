"""Findings of the fresh-eyes trial (notes/TRIAL.md): each test failed before its fix."""
from __future__ import annotations

import re

from knowledge.naming import suggest
from knowledge.rules import check

# What a clerk must never read: option names of the command line, kind codes.
_INTERNAL = re.compile(r"--\w|institution_|\bdepartment\b|\bportal\b")


def test_naming_notes_speak_chinese_without_internal_codes():
    notes = [*suggest("狮山镇").notes, *suggest("武定县第一中学").notes,
             *check("x.wuding.gov.cn", "武定县第一中学").notes]
    assert notes, "the three cases each carry a note"
    assert [n for n in notes if _INTERNAL.search(n)] == []
