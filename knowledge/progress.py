"""Where a registered domain stands in the clean-up, in the words a county office reports (pure).

Everything here reads the status and the next action the registry already computed (knowledge.actions); the
status names below are the only ones this module knows, each tied to the measure the plan prescribes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from knowledge.actions import NextAction
from knowledge.registry_model import STATUSES

DONE, IN_PROGRESS, NOT_STARTED = "done", "in_progress", "not_started"
STAGES = (DONE, IN_PROGRESS, NOT_STARTED)
STAGE_LABELS = {DONE: "已完成", IN_PROGRESS: "办理中", NOT_STARTED: "未开始"}

# 处理措施: what the office reports it is doing with each domain.
KEEP, REGISTER, ANNOUNCE, MIGRATE, CANCEL, CANCEL_FILINGS, CANCELLED = (
    "保留", "申请规范域名", "公告后注销", "整合迁移后注销", "注销", "注销备案", "已注销")
MEASURES = (KEEP, REGISTER, ANNOUNCE, MIGRATE, CANCEL, CANCEL_FILINGS, CANCELLED)

_CANCELLED, _ANNOUNCING, _TO_CANCEL, _IDLE, _TO_REGISTER = "已注销", "公告中", "待注销", "闲置", "待注册"
_BY_STATUS = {_ANNOUNCING: ANNOUNCE, _TO_CANCEL: MIGRATE, _IDLE: CANCEL, _TO_REGISTER: REGISTER}
_UNDER_WAY = {_ANNOUNCING, _TO_CANCEL, _TO_REGISTER}
assert set(_BY_STATUS) | {_CANCELLED} <= set(STATUSES), "status names drifted from knowledge.actions.STATUSES"


@dataclass(frozen=True)
class Standing:
    measure: str
    stage: str
    overdue: bool

    @property
    def done(self) -> bool:
        return self.stage == DONE


def standing(status: str, compliant: bool, action: NextAction, today: dt.date, replaced: bool = False) -> Standing:
    """`replaced`: the unit already uses a compliant domain in this one's place, so a non-compliant domain in use
    is announced and cancelled (公告后注销), not one for which a compliant domain is still to be applied for."""
    if status == _CANCELLED:
        measure = CANCEL_FILINGS if action.needed else CANCELLED
    else:
        measure = _BY_STATUS.get(status) or (KEEP if compliant else ANNOUNCE if replaced else REGISTER)
    if not action.needed:
        stage = DONE
    elif status in _UNDER_WAY or measure == CANCEL_FILINGS:
        stage = IN_PROGRESS
    else:
        stage = NOT_STARTED
    overdue = stage != DONE and action.due is not None and action.due < today
    return Standing(measure, stage, overdue)


def is_live(status: str) -> bool:
    """A domain that still points at a site (not cancelled, not merely applied for)."""
    return status not in (_CANCELLED, _TO_REGISTER)


def bar(part: int, whole: int, width: int = 10) -> str:
    """▓▓▓▓░░░░░░ 40%: a text bar that reads the same in any chat font."""
    share = part / whole if whole else 0.0
    filled = round(share * width)
    return "▓" * filled + "░" * (width - filled) + f" {round(share * 100)}%"
