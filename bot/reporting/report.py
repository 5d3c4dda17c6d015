"""The clean-up report: `/report` and `domainbot report FILE` (.xlsx, or .csv for the detail rows alone)."""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from bot.config.settings import office_today
from bot.deadlines.calendar import work_calendar
from bot.monitoring.store import monitor_rows
from bot.registry.export import guard_cell
from bot.registry.sheets import SpreadsheetError
from bot.reporting.collect import (
    Registry,
    late_contact_units,
    office_region,
    overdue_contact_changes,
    unit_views,
    with_late_contacts,
)
from bot.reporting.workbook import DETAIL_HEADERS, ReportHeader, detail_row, write_workbook
from knowledge.campaigns import Campaign


@dataclass
class Report:
    registry: Registry
    header: ReportHeader
    monitoring: list[list[object]] = field(default_factory=list)  # open monitoring findings (bot/monitoring)

    def summary(self) -> str:
        r = self.registry
        lines = [f"{self.header.title}（{self.header.day.isoformat()}）",
                 f"{r.units} 个单位，{r.sites} 个网站，{r.domains} 个域名。"]
        lines.append("；".join(f"{label} {value}" for label, value in r.figures()[3:]) + "。")
        if self.monitoring:
            lines.append(f"域名监测：{len({row[1] for row in self.monitoring})} 个域名有 {len(self.monitoring)} 个未解决的问题。")
        return "\n".join(lines)


def report_header(session: Session, today: dt.date, settings: object | None = None,
                  campaign: Campaign | None = None) -> ReportHeader:
    region = office_region(session, settings)
    office = f"{region}人民政府办公室" if region else ""
    return ReportHeader(region, office, today, campaign)


def write_report(session: Session, path: Path, today: dt.date | None = None, settings: object | None = None) -> Report:
    """Write the report (.xlsx: the workbook; .csv: the detail rows alone), streaming the registry."""
    from bot.campaigns.store import current_campaign

    today = today or office_today()
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise SpreadsheetError("报表只能写成 .xlsx 或 .csv 文件")
    header = report_header(session, today, settings, current_campaign(session, today))
    views = with_late_contacts(unit_views(session, work_calendar(session)), late_contact_units(session, today))
    late_contacts = overdue_contact_changes(session, today)
    if suffix == ".xlsx":
        monitoring = monitor_rows(session)
        return Report(write_workbook(path, views, header, today, monitoring, late_contacts), header, monitoring)
    registry = Registry(today=today, keep_lines=False)
    registry.add_overdue(late_contacts)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(DETAIL_HEADERS)
        number = 0
        for unit_view in views:
            for line in registry.add(unit_view):
                number += 1
                values = [number, *detail_row(line, today)]
                writer.writerow(["" if v is None else guard_cell(v.isoformat() if isinstance(v, dt.date) else v)
                                 for v in values])
    return Report(registry, header)


def build_report(session: Session, today: dt.date | None = None, settings: object | None = None) -> Report:
    """The counts alone (no file)."""
    from bot.campaigns.store import current_campaign

    today = today or office_today()
    registry = Registry(today=today, keep_lines=False)
    for unit_view in unit_views(session, work_calendar(session)):
        registry.add(unit_view)
    registry.add_overdue(overdue_contact_changes(session, today))
    return Report(registry, report_header(session, today, settings, current_campaign(session, today)),
                  monitor_rows(session))
