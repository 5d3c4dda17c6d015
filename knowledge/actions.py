"""What must happen next to a registered domain under the policy, and by when (pure)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from knowledge.policy import PLAN_DOC
from knowledge.workdays import WorkCalendar, deadline

STATUSES = ("规范在用", "不规范", "闲置", "待注销", "公告中", "已注销", "待注册")


@dataclass(frozen=True)
class NextAction:
    action: str
    due: dt.date | None = None
    provisional: bool = False
    basis: str = ""

    @property
    def needed(self) -> bool:
        return self.action != "无需处理"

    def to_json(self) -> dict:
        return {"next_action": self.action, "due": self.due.isoformat() if self.due else None,
                "provisional": self.provisional, "basis": self.basis}


def next_action(status: str, compliant: bool, *, changed_on: dt.date | None = None, has_filings: bool = False,
                needs_primary: bool = False, calendar: WorkCalendar | None = None) -> NextAction:
    if status == "公告中":
        if changed_on:
            d = deadline("notice_period", changed_on, calendar)
            return NextAction("公告期满后注销原域名", d.due, d.provisional, d.basis)
        return NextAction("在新域名网站首页醒目位置公告3个月，期满注销原域名（请填写状态变更日期以计算期限）",
                          basis=f"{PLAN_DOC} 四（三）")
    if status == "已注销":
        if has_filings:
            if changed_on:
                d = deadline("filing_cancellation", changed_on, calendar)
                return NextAction("注销ICP备案、党政机关网站标识、公安备案等", d.due, d.provisional, d.basis)
            return NextAction("注销ICP备案、党政机关网站标识、公安备案等", basis=f"{PLAN_DOC} 三（五）")
        return NextAction("无需处理")
    if status == "闲置":
        return NextAction("及时注销，不得转给其他单位或个人使用", basis=f"{PLAN_DOC} 二（六）")
    if status == "待注销":
        return NextAction("做好网站迁移，由域名持有者联系注册机构注销", basis=f"{PLAN_DOC} 四（三）")
    if status == "待注册":
        return NextAction("按注册流程逐级报省政府办公厅办理", basis=f"{PLAN_DOC} 三（一）、三（二）、四（二）")
    if status == "不规范" or not compliant:
        return NextAction("申请规范域名；启用后在新域名首页公告3个月，再注销本域名", basis=f"{PLAN_DOC} 四（一）、四（三）")
    if needs_primary:
        return NextAction("已有多个合规域名，明确主域名", basis=f"{PLAN_DOC} 二")
    return NextAction("无需处理")
