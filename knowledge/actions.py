"""What must happen next to a registered domain under the policy, and by when (pure)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from knowledge.policy import PLAN_DOC
from knowledge.registry_model import STATUSES, Status, read_status
from knowledge.workdays import WorkCalendar, deadline

__all__ = ["STATUSES", "NextAction", "next_action"]


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
                needs_primary: bool = False, calendar: WorkCalendar | None = None, problems: tuple[str, ...] = (),
                kind: str | None = None, replacement: str = "", registered_for: str = "") -> NextAction:
    """What to do next with one domain, knowing its unit: `replacement` is a compliant domain the unit already
    uses (same script); `registered_for` the www name this registered name serves; `problems` the check codes."""
    status = read_status(status) or status
    if status == Status.NOTICE:
        if changed_on:
            d = deadline("notice_period", changed_on, calendar)
            return NextAction("公告期满后注销原域名", d.due, d.provisional, d.basis)
        return NextAction("在新域名网站首页醒目位置公告3个月，期满注销原域名（请填写状态变更日期以计算期限）",
                          basis=f"{PLAN_DOC} 四（三）")
    if status == Status.CANCELLED:
        if has_filings:
            if changed_on:
                d = deadline("filing_cancellation", changed_on, calendar)
                return NextAction("注销ICP备案、党政机关网站标识、公安备案等", d.due, d.provisional, d.basis)
            return NextAction("注销ICP备案、党政机关网站标识、公安备案等", basis=f"{PLAN_DOC} 三（五）")
        return NextAction("无需处理")
    if status == Status.IDLE:
        return NextAction("及时注销，不得转给其他单位或个人使用", basis=f"{PLAN_DOC} 二（六）")
    if status == Status.TO_CANCEL:
        return NextAction("做好网站迁移，在新域名网站首页醒目位置公告3个月（设为公告中），期满后由域名持有者联系注册机构注销",
                          basis=f"{PLAN_DOC} 四（三）")
    if status == Status.TO_REGISTER:
        return NextAction("按注册流程逐级报省政府办公厅办理", basis=f"{PLAN_DOC} 三（一）、三（二）、四（二）")
    if registered_for:
        return NextAction(f"无需处理（这是 {registered_for} 的注册域名，网站以 {registered_for} 访问）")
    if not compliant:
        return _fix(problems, kind, replacement)
    if needs_primary:
        return NextAction("已有多个合规域名，明确主域名", basis=f"{PLAN_DOC} 二")
    return NextAction("无需处理")


def _fix(problems: tuple[str, ...], kind: str | None, replacement: str) -> NextAction:
    notice = f"在 {replacement} 首页醒目位置公告3个月，期满注销本域名" if replacement else "启用后在新域名首页公告3个月，再注销本域名"
    if "ip_address" in problems:
        return NextAction(f"为网站使用规范域名{('（' + replacement + '）') if replacement else ''}，停止以 IP 地址访问",
                          basis=f"{PLAN_DOC} 二（一）、二（二）")
    if kind == "system" or "system_as_site" in problems:
        return NextAction("业务系统不再作为独立网站：并入所属网站（作为栏目或路径），公告3个月后注销本域名",
                          basis=f"{PLAN_DOC} 二（五）、四（三）")
    if kind == "institution_other" or "institution_uses_gov_cn" in problems:
        return NextAction("不承担行政职能的事业单位不得使用 .gov.cn：改用非 .gov.cn 域名，公告3个月后注销本域名",
                          basis=f"{PLAN_DOC} 二（三）、四（三）")
    if kind == "township" and "township_own_domain" in problems:
        return NextAction(f"乡镇网页并入县级政府门户网站栏目（或使用门户网站的下级域名），{notice}",
                          basis=f"《政府网站发展指引》；{PLAN_DOC} 四（三）")
    if replacement:
        return NextAction(f"已有规范域名 {replacement}：{notice}", basis=f"{PLAN_DOC} 四（三）")
    return NextAction(f"申请规范域名；{notice}", basis=f"{PLAN_DOC} 四（一）、四（三）")
