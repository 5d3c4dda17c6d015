"""The clean-up report: counts by status and unit kind, and every domain that still needs action."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from bot.db.models import Unit
from bot.registry.lookup import view_unit
from bot.registry.spreadsheet import write_table
from knowledge.actions import STATUSES
from knowledge.units import KIND_LABELS, KINDS
from knowledge.workdays import WorkCalendar

PENDING_HEADERS = ("单位名称", "单位类型", "域名", "状态", "是否合规", "问题", "需办理事项", "办理期限", "依据")


@dataclass
class Report:
    generated: dt.datetime
    by_status: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)
    table: Counter = field(default_factory=Counter)  # (kind, status) → count
    noncompliant: int = 0
    pending: list[list[object]] = field(default_factory=list)
    units: int = 0

    @property
    def domains(self) -> int:
        return sum(self.by_status.values())

    def summary(self) -> str:
        lines = [f"域名清理情况（{self.generated:%Y-%m-%d %H:%M}）：{self.units} 个单位，{self.domains} 个域名。"]
        lines.append("按状态：" + "，".join(f"{s} {self.by_status[s]}" for s in STATUSES if self.by_status[s]) if self.domains else "按状态：无")
        lines.append(f"不合规 {self.noncompliant} 个；需办理 {len(self.pending)} 项。")
        overdue = [r for r in self.pending if isinstance(r[7], dt.date) and r[7] < self.generated.date()]
        if overdue:
            lines.append(f"已逾期 {len(overdue)} 项。")
        return "\n".join(lines)

    def write_xlsx(self, path: Path) -> None:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        summary = workbook.create_sheet("汇总")
        summary.append([f"政府网站域名清理情况 {self.generated:%Y-%m-%d}"])
        summary.append(["单位类型", *STATUSES, "合计"])
        for kind in KINDS:
            row = [self.table[(kind, s)] for s in STATUSES]
            if any(row):
                summary.append([KIND_LABELS[kind], *row, sum(row)])
        summary.append(["合计", *(self.by_status[s] for s in STATUSES), self.domains])
        summary.append([])
        summary.append(["单位数", self.units, "不合规域名", self.noncompliant, "需办理事项", len(self.pending)])
        pending = workbook.create_sheet("需办理")
        pending.append(list(PENDING_HEADERS))
        for row in self.pending:
            pending.append(row)
        workbook.save(path)


def build_report(session: Session, calendar: WorkCalendar | None = None, now: dt.datetime | None = None) -> Report:
    report = Report(generated=now or dt.datetime.now())
    if calendar is None:  # the reminders' calendar, admin-entered years included (issue 11)
        from bot.deadlines.calendar import work_calendar

        calendar = work_calendar(session)
    units = session.exec(select(Unit).order_by(Unit.name)).all()
    report.units = len(units)
    for unit in units:
        view = view_unit(session, unit, calendar)
        for d in view.domains:
            status = d.domain.status
            report.by_status[status] += 1
            report.by_kind[unit.kind] += 1
            report.table[(unit.kind, status)] += 1
            report.noncompliant += not d.compliant
            if d.action.needed:
                report.pending.append([
                    unit.name, KIND_LABELS.get(unit.kind, unit.kind), d.domain.unicode or d.domain.name, status,
                    "是" if d.compliant else "否", "；".join(p["message"] for p in d.problems), d.action.action,
                    d.action.due, d.action.basis,
                ])
    report.pending.sort(key=lambda r: (r[7] is None, r[7] or dt.date.max, r[0]))
    return report


def write_report(session: Session, path: Path, calendar: WorkCalendar | None = None) -> Report:
    report = build_report(session, calendar)
    if path.suffix.lower() == ".csv":
        write_table(path, report.pending, headers=PENDING_HEADERS)
    else:
        report.write_xlsx(path)
    return report
