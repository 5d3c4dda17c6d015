"""The clean-up's order for one domain (pure): which status changes the policy allows, and why not.

A domain given up after a change of domain is announced on the new site for 3 months before it is cancelled
(四（三）); an idle domain (site taken down for good) is cancelled without a notice (二（六）、四（三）); a
cancelled domain is gone: using it again means registering anew (三（一）、（二）). A change is dated on the day
it happened, never later than today. Skipping a step or going back is refused with the reason; where an
office may have a reason the rules do not foresee (an early cancellation ordered from above, a notice
withdrawn), the refusal can be overridden by confirming it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from knowledge.policy import PLAN_DOC
from knowledge.registry_model import STAGE, Status

CONFIRM_WORD = "确认"


@dataclass(frozen=True)
class Refusal:
    reason: str
    confirmable: bool  # the admin may go ahead by confirming

    def text(self) -> str:
        if not self.confirmable:
            return self.reason + "没有做任何修改。"
        return self.reason + f"没有做任何修改；确需这样改，请在命令末尾加“{CONFIRM_WORD}”。"


def status_change_refusal(name: str, current: str, wanted: str, on: dt.date,
                          notice_ends: dt.date | None = None) -> Refusal | None:
    """Why `name` may not go from `current` to `wanted` on `on` (None: it may). `notice_ends` is the day the
    3-month notice of a domain 公告中 is over. (A day still to come is refused before: knowledge.when.)"""
    if wanted == current:
        return None
    if current == Status.CANCELLED:
        return Refusal(f"{name} 已注销，不能改回“{wanted}”：再用须重新申请注册（{PLAN_DOC} 三（一）、（二）），可用 /apply。",
                       False)
    if wanted == Status.CANCELLED:
        if current == Status.TO_REGISTER:
            return Refusal(f"{name} 还没有注册，无需注销；误登记的请用 /deldomain 删除。", False)
        if current == Status.NOTICE and notice_ends is not None and on < notice_ends:
            return Refusal(f"{name} 的公告期到 {notice_ends.isoformat()} 才满 3 个月（{PLAN_DOC} 四（三）），期满后再注销。", True)
        if current in (Status.IN_USE, Status.TO_CANCEL):
            return Refusal(f"{name} 没有经过公告：域名调整的，要在新域名网站首页醒目位置公告 3 个月后再注销原域名"
                           f"（{PLAN_DOC} 四（三））。请先设为“公告中”并写公告开始日期；网站已永久下线的，先设为“闲置”再注销。", True)
    if STAGE[wanted] < STAGE[current]:
        return Refusal(f"{name} 现为“{current}”，改为“{wanted}”是往回走（例如撤回公告）。", True)
    return None


def primary_refusal(name: str, status: str) -> str | None:
    """主域名 marks the domain a site is known by: only a domain in use can carry it."""
    if status == Status.IN_USE:
        return None
    return f"只有在用的域名可以设为主域名：{name} 现为“{status}”。没有做任何修改。"
