"""The clean-up report workbook a county (or prefecture) office forwards unchanged: a cover sheet with the
figures, a chart and the signature block; one row per domain with its problem, measure and dates; and the
registry in the import columns, so the office above can import several counties' reports into one registry.

Written with openpyxl's write-only mode (rows streamed, 100,000 domains in well under the memory budget)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from bot.registry.export import guard_cell, registry_row, sheet_cell
from bot.registry.lookup import UnitView
from bot.registry.sheets import REGISTER_SHEET
from bot.reporting.collect import DomainLine, Registry, kind_label, line_note
from bot.reporting.plainrows import PlainRows
from knowledge.campaigns import Campaign
from knowledge.domains import site_text
from knowledge.progress import CANCEL_FILINGS, CANCELLED, KEEP, REGISTER, STAGE_LABELS, STAGES, standing
from knowledge.registry_model import HEADERS

COVER_SHEET, DETAIL_SHEET, MONITOR_SHEET = "汇总", "清理明细", "域名监测"
# (header, width in characters)
DETAIL_COLUMNS = (
    ("序号", 6), ("单位名称", 26), ("单位类型", 14), ("网站名称", 18), ("域名", 26), ("中英文", 7), ("主域名", 7),
    ("当前状态", 9), ("是否规范", 9), ("存在问题", 36), ("处理措施", 14), ("新域名", 26), ("计划完成时间", 12),
    ("实际完成时间", 12), ("备案注销情况", 28), ("联系人", 10), ("联系电话", 15), ("备注", 14),
)
DETAIL_HEADERS = tuple(h for h, _ in DETAIL_COLUMNS)
NO_DOMAIN = "（无）"
TITLE_FONT = Font(bold=True, size=16)
BOLD = Font(bold=True)
RED = Font(color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
OVERDUE_FILL = PatternFill("solid", fgColor="FCE4E4")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class ReportHeader:
    region: str
    office: str  # 填报单位
    day: dt.date  # 填报日期
    campaign: Campaign | None = None

    @property
    def title(self) -> str:
        return f"{self.region}政府网站域名清理情况统计表"


def detail_row(line: DomainLine, today: dt.date) -> list[object]:
    """The values of one domain's row (序号 excluded)."""
    unit, view, state = line.unit, line.view, line.standing
    domain = view.domain
    problems = "；".join(f"{p['message']}（{p['basis']}）" if p.get("basis") else p["message"] for p in view.problems)
    contact = unit.contacts[0] if unit.contacts else None
    due = view.action.due if not state.done else None
    actual = domain.changed_on if state.measure in (CANCELLED, CANCEL_FILINGS) else None
    return [unit.unit.name, kind_label(unit.unit.kind), domain.site_name, line.name, "中文" if domain.is_chinese else "英文",
            "是" if domain.is_primary else "否", domain.status, "是" if view.compliant else "否", problems,
            state.measure, new_domain(line), due, actual, filings(line), contact.name if contact else "",
            contact.phone if contact else "", line_note(line, today)]


def new_domain(line: DomainLine) -> str:
    """The compliant domain that replaces this one: the unit's own (kept or being registered) where it has
    one, else the suggestion."""
    if line.standing.measure in (KEEP, CANCELLED):
        return ""
    view = line.view
    for other in line.unit.domains:
        if other is view or not other.compliant or other.domain.is_chinese != view.domain.is_chinese:
            continue
        if standing(other.domain.status, other.compliant, other.action, dt.date.min).measure in (KEEP, REGISTER):
            return site_text(other.domain)
    if line.standing.measure == REGISTER and view.expected and view.expected[0] != line.name:
        return f"{view.expected[0]}（建议）"
    return ""


def filings(line: DomainLine) -> str:
    d = line.view.domain
    present = [f"{label} {value}" for label, value in (("ICP备案", d.icp_number), ("党政机关网站标识", d.gov_site_mark),
                                                      ("公安备案", d.psb_number)) if value]
    if line.standing.measure == CANCEL_FILINGS:
        return "待注销：" + "；".join(present)
    if line.standing.measure == CANCELLED:
        return "已注销" if not present else "已注销：" + "；".join(present)
    return "；".join(present)


def write_workbook(path: Path, views: Iterable[UnitView], header: ReportHeader, today: dt.date,
                   monitoring: list[list[object]] = (), late_contacts: Counter | None = None) -> Registry:
    """Stream the units into the detail and registry sheets, counting as they pass; the cover (first in the
    workbook) is filled in last, from the counts (overdue: the domains' and `late_contacts`, contact changes
    not reported in time, by unit kind). Returns the counts."""
    _STYLES.clear()
    workbook = Workbook(write_only=True)
    cover = workbook.create_sheet(COVER_SHEET)
    detail = _DetailSheet(workbook, header)
    register = _register_sheet(workbook)
    registry = Registry(today=today, keep_lines=False)
    for unit_view in views:
        lines = registry.add(unit_view)
        detail.add(unit_view, lines, today)
        if not lines:  # a unit without a site: its row in the register, so the report re-imports whole
            contact = unit_view.contacts[0] if unit_view.contacts else None
            register.append([sheet_cell(register.sheet, v) for v in registry_row(unit_view.unit, None, contact)])
        for line in lines:
            contact = unit_view.contacts[0] if unit_view.contacts else None
            register.append([sheet_cell(register.sheet, v) for v in registry_row(unit_view.unit, line.view.domain,
                                                                                 contact)])
    detail.close()
    registry.add_overdue(late_contacts or Counter())
    if monitoring:  # the sheet appears once monitoring has found something (五（三）（四）)
        _monitoring_sheet(workbook, monitoring)
    _cover(cover, registry, header)
    _save(workbook, path)
    _STYLES.clear()
    return registry


ZIP_LEVEL = 1  # zlib level of the file's parts: ~100 MB of sheet XML at 100,000 domains; 6 (the default) took seconds


def _save(workbook: Workbook, path: Path) -> None:
    """openpyxl's save_workbook, with the archive's compression level set (the parts are the same XML)."""
    archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL)
    workbook.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    ExcelWriter(workbook, archive).save()


def _monitoring_sheet(workbook: Workbook, rows: list[list[object]]) -> None:
    from bot.monitoring.store import MONITOR_HEADERS

    sheet = workbook.create_sheet(MONITOR_SHEET)
    for column, width in zip("ABCDEF", (28, 26, 50, 16, 18, 18)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    _print_setup(sheet, "1:1")
    sheet.append([_cell(sheet, h, BOLD, HEADER_FILL, CENTER) for h in MONITOR_HEADERS])
    for row in rows:
        sheet.append([_cell(sheet, value, number_format="yyyy-mm-dd" if isinstance(value, dt.date) else None)
                      for value in row])


_STYLES: dict[tuple, object] = {}


def _cell(sheet, value: object, font: Font | None = None, fill: PatternFill | None = None,
          alignment: Alignment | None = None, border: Border | None = BOX, number_format: str | None = None):
    """A cell with its style; a style seen before is copied rather than built again (openpyxl hashes every
    style object it is given: 90% of the time of writing 100,000 rows)."""
    cell = WriteOnlyCell(sheet, value=guard_cell(value))
    key = (id(sheet.parent), id(font), id(fill), id(alignment), id(border), number_format)
    style = _STYLES.get(key)
    if style is None:
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        if alignment:
            cell.alignment = alignment
        if border:
            cell.border = border
        if number_format:
            cell.number_format = number_format
        _STYLES[key] = copy(cell._style)
    else:
        cell._style = copy(style)
    return cell


def _print_setup(sheet, title_rows: str) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if title_rows:  # a table: its header on every page, and the cells ruled on paper
        sheet.print_title_rows = title_rows
        sheet.print_options.gridLines = True


def _cover(sheet, registry: Registry, header: ReportHeader) -> None:
    for column, width in zip("ABCDEFGH", (22, 12, 12, 12, 12, 12, 12, 12)):
        sheet.column_dimensions[column].width = width
    _print_setup(sheet, "")
    sheet.merged_cells.add("A1:H1")
    sheet.merged_cells.add("A2:D2")
    sheet.merged_cells.add("E2:H2")
    sheet.append([_cell(sheet, header.title, TITLE_FONT, alignment=CENTER, border=None)])
    sheet.append([_cell(sheet, f"填报单位：{header.office}", border=None), None, None, None,
                  _cell(sheet, f"填报日期：{header.day:%Y年%m月%d日}", border=None,
                        alignment=Alignment(horizontal="right"))])
    campaign = header.campaign
    if campaign:
        sheet.merged_cells.add("A3:H3")
        sheet.append([_cell(sheet, f"依据：{campaign.source}（{campaign.title}）", border=None)])
    else:
        sheet.append([])
    sheet.append([])
    sheet.append([_cell(sheet, "项目", BOLD, HEADER_FILL, CENTER), _cell(sheet, "数量", BOLD, HEADER_FILL, CENTER)])
    for label, value in registry.figures():
        sheet.append([_cell(sheet, label), _cell(sheet, value)])
    sheet.append([])
    table_top = 5 + len(registry.figures()) + 2  # the kind table's header row
    heads = ["单位类型", *(STAGE_LABELS[s] for s in STAGES), "合计", "完成率", "已逾期"]
    sheet.append([_cell(sheet, h, BOLD, HEADER_FILL, CENTER) for h in heads])
    overdue_by_kind = registry.overdue_by_kind
    kinds = registry.kinds()
    for kind in kinds:
        total = registry.kind_total(kind)
        done = registry.by_stage[(kind, STAGES[0])]
        sheet.append([_cell(sheet, kind_label(kind)), *(_cell(sheet, registry.by_stage[(kind, s)]) for s in STAGES),
                      _cell(sheet, total), _cell(sheet, done / total if total else 0, number_format="0%"),
                      _cell(sheet, overdue_by_kind.get(kind, 0))])
    total = registry.domains
    sheet.append([_cell(sheet, "合计", BOLD), *(_cell(sheet, registry.stage_total(s), BOLD) for s in STAGES),
                  _cell(sheet, total, BOLD),
                  _cell(sheet, registry.stage_total(STAGES[0]) / total if total else 0, BOLD, number_format="0%"),
                  _cell(sheet, registry.overdue_count, BOLD)])
    chart_top = table_top + len(kinds) + 3
    if kinds:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "percentStacked"
        chart.overlap = 100
        chart.title = "各类单位清理进度（域名数）"
        chart.y_axis.title = None
        data = Reference(sheet, min_col=2, max_col=1 + len(STAGES), min_row=table_top, max_row=table_top + len(kinds))
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=table_top + 1, max_row=table_top + len(kinds)))
        chart.height, chart.width = 7.0, 18.0
        sheet.add_chart(chart, f"A{chart_top}")
    for _ in range(1 + 16):
        sheet.append([])  # a gap, then the chart's height in rows
    sheet.append([_cell(sheet, "填表人：", border=None), None, None, _cell(sheet, "审核人：", border=None), None, None,
                  _cell(sheet, "联系电话：", border=None)])


class _DetailSheet:
    """清理明细: one row per domain, a unit without any domain as one row of its own, in unit order."""

    def __init__(self, workbook: Workbook, header: ReportHeader) -> None:
        sheet = self.sheet = workbook.create_sheet(DETAIL_SHEET)
        self.last = get_column_letter(len(DETAIL_COLUMNS))
        for index, (_, width) in enumerate(DETAIL_COLUMNS, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "C4"
        _print_setup(sheet, "3:3")
        sheet.merged_cells.add(f"A1:{self.last}1")
        sheet.merged_cells.add(f"A2:{self.last}2")
        self.plain = PlainRows(sheet)  # the sheet's settings are made: its top is written now
        sheet.append([_cell(sheet, f"{header.region}政府网站域名清理情况明细表", TITLE_FONT, alignment=CENTER, border=None)])
        sheet.append([_cell(sheet, f"填报单位：{header.office}    填报日期：{header.day:%Y年%m月%d日}", border=None)])
        sheet.append([_cell(sheet, h, BOLD, HEADER_FILL, CENTER) for h in DETAIL_HEADERS])
        self.number = 0
        self.overdue_styles: dict[tuple[int, bool], int] = {}

    def add(self, unit_view: UnitView, lines: list[DomainLine], today: dt.date) -> None:
        sheet = self.sheet
        for line in lines:
            self.number += 1
            values = detail_row(line, today)
            if line.standing.overdue:  # marked: red fill, the due date in red
                row = [self.number, *(guard_cell(v) for v in values)]
                if not self.plain.append_styled(row, [self._overdue_style(i, v) for i, v in enumerate(row)]):
                    self.plain.append_cells([self._overdue_cell(i, v) for i, v in enumerate(row)])
            else:  # plain values: styling every cell would treble the time of a 100,000-row report
                self.plain.append([self.number, *(guard_cell(v) for v in values)])
        if not lines:
            self.number += 1
            contact = unit_view.contacts[0] if unit_view.contacts else None
            values = [self.number, unit_view.unit.name, kind_label(unit_view.unit.kind), "", NO_DOMAIN, "", "", "",
                      "", "未登记域名", "", "", None, None, "", contact.name if contact else "",
                      contact.phone if contact else "", "无域名单位"]
            self.plain.append_cells([_cell(sheet, v) for v in values])

    def _overdue_cell(self, index: int, value: object):
        """Column `index` (0: 序号) of an overdue row: red fill, the due date (计划完成时间) in red, dates as dates."""
        return _cell(self.sheet, value, RED if index == 12 else None, OVERDUE_FILL, border=None,
                     number_format="yyyy-mm-dd" if isinstance(value, dt.date) else None)

    def _overdue_style(self, index: int, value: object) -> int:
        """The style id _overdue_cell gives, made once per (column, is a date): a few thousand overdue rows need
        not build a cell object each."""
        key = (index, isinstance(value, dt.date))
        style = self.overdue_styles.get(key)
        if style is None:
            style = self.overdue_styles[key] = self._overdue_cell(index, value).style_id
        return style

    def close(self) -> None:
        self.sheet.auto_filter.ref = f"A3:{self.last}{3 + max(self.number, 1)}"


def _register_sheet(workbook: Workbook):
    """The registry in the import columns: the office above imports this sheet (import reads it by name)."""
    sheet = workbook.create_sheet(REGISTER_SHEET)
    for index in range(1, len(HEADERS) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16
    sheet.freeze_panes = "A2"
    _print_setup(sheet, "1:1")
    rows = PlainRows(sheet)
    sheet.append([_cell(sheet, h, BOLD, HEADER_FILL, CENTER) for h in HEADERS])
    return rows
