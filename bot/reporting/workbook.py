"""The clean-up report workbook a county (or prefecture) office forwards unchanged: a cover sheet with the
figures, a chart and the signature block; one row per domain with its problem, measure and dates; and the
registry in the import columns, so the office above can import several counties' reports into one registry.

Written with XlsxWriter in constant-memory mode: each sheet's rows go to its file as they come (100,000 domains
in well under the memory budget), text as inline strings; the cover, first in the workbook, is written last."""
from __future__ import annotations

import datetime as dt
import gc
import os
import pickle
import signal
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from bot.registry.export import guard_cell, registry_row
from bot.registry.lookup import UnitView
from bot.registry.sheets import REGISTER_SHEET
from bot.reporting.collect import DomainLine, Registry, RollUp, kind_label, line_note
from knowledge.campaigns import Campaign
from knowledge.domains import site_text
from knowledge.progress import CANCEL_FILINGS, CANCELLED, KEEP, REGISTER, STAGE_LABELS, STAGES, standing
from knowledge.registry_model import HEADERS
from knowledge.text import clean_text

COVER_SHEET, DETAIL_SHEET, MONITOR_SHEET = "汇总", "清理明细", "域名监测"
# (header, width in characters)
DETAIL_COLUMNS = (
    ("序号", 6), ("单位名称", 26), ("单位类型", 14), ("网站名称", 18), ("域名", 26), ("中英文", 7), ("主域名", 7),
    ("当前状态", 9), ("是否规范", 9), ("存在问题", 36), ("处理措施", 14), ("新域名", 26), ("计划完成时间", 12),
    ("实际完成时间", 12), ("备案注销情况", 28), ("联系人", 10), ("联系电话", 15), ("备注", 14),
)
DETAIL_HEADERS = tuple(h for h, _ in DETAIL_COLUMNS)
NO_DOMAIN = "（无）"
DATE_FORMAT = "yyyy-mm-dd"
# Text stays text: nothing that looks like a formula, a URL or a number is converted (guard_cell also marks
# formula-like text); a date with no format of its own is shown as DATE_FORMAT.
WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False, "default_date_format": DATE_FORMAT}
_BOX = {"border": 1, "border_color": "#999999"}  # thin, grey, all four sides
_CENTER = {"align": "center", "valign": "vcenter", "text_wrap": True}
_OVERDUE = {"bg_color": "#FCE4E4", "pattern": 1}
RED = "#C00000"


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
                   monitoring: list[list[object]] = (), late_contacts: Counter | None = None,
                   by_office: RollUp | None = None) -> Registry:
    """Stream the units into the detail and registry sheets, counting as they pass; the cover (first in the
    workbook) is filled in last, from the counts (overdue: the domains' and `late_contacts`, contact changes
    not reported in time, by unit kind). With `by_office` (a roll-up), each unit is also counted into its
    office's row in the same pass, and the cover opens with the table by office. Returns the counts.

    This process reads the registry and makes the rows; where it can fork, a child writes them into the
    workbook meanwhile (the second core: XlsxWriter's half of a 100,000-domain report), as the import's reading
    child does. Either way the same rows are written in the same order."""
    registry = Registry(today=today, keep_lines=False, by_office=by_office)
    writer = _WorkbookInChild(path, header) if hasattr(os, "fork") else _ReportWriter(path, header)
    try:
        for detail, register in _row_batches(views, registry, today):
            writer.rows(detail, register)
        registry.add_overdue(late_contacts or Counter())
        writer.finish(registry, list(monitoring))
    finally:
        writer.close()
    return registry


_BATCH = 2000  # units whose rows go to the writer together
PLAIN, OVERDUE, BARE = 0, 1, 2  # how a detail row is shown: as it is, marked overdue, a unit without a domain


def _row_batches(views: Iterable[UnitView], registry: Registry, today: dt.date):
    """(detail rows as (how shown, values), registry rows) for every _BATCH units, counted into `registry`."""
    detail, register, number, units = [], [], 0, 0
    for unit_view in views:
        lines = registry.add(unit_view)
        contact = unit_view.contacts[0] if unit_view.contacts else None
        for line in lines:
            number += 1
            detail.append((OVERDUE if line.standing.overdue else PLAIN,
                           [number, *(guard_cell(v) for v in detail_row(line, today))]))
            register.append([_register_cell(v) for v in registry_row(unit_view.unit, line.view.domain, contact)])
        if not lines:
            # a unit without a site: its row in the register too, so the report re-imports whole
            register.append([_register_cell(v) for v in registry_row(unit_view.unit, None, contact)])
            number += 1
            detail.append((BARE, [guard_cell(v) for v in (
                number, unit_view.unit.name, kind_label(unit_view.unit.kind), "", NO_DOMAIN, "", "", "", "", "未登记域名",
                "", "", None, None, "", contact.name if contact else "", contact.phone if contact else "", "无域名单位")]))
        units += 1
        if units % _BATCH == 0:
            yield detail, register
            detail, register = [], []
    if detail or register:
        yield detail, register


def _register_cell(value: object) -> object:
    """The register is read back by the import: text as it is (XlsxWriter writes it as a string cell, which no
    spreadsheet evaluates, so no leading ' is added), cleaned of what no workbook can hold."""
    if isinstance(value, str) and not value.isprintable():
        return clean_text(value, limit=32767)
    return value


class _ReportWriter:
    """The workbook, written from the rows as they come: detail and registry sheets, then (`finish`) the
    monitoring sheet and the cover."""

    def __init__(self, path: Path, header: ReportHeader) -> None:
        self.header = header
        self.workbook = workbook = Workbook(str(path), WORKBOOK_OPTIONS)
        self.formats = Formats(workbook)
        self.cover = Rows(workbook.add_worksheet(COVER_SHEET))
        self.detail = _DetailSheet(workbook, self.formats, header)
        self.register = _register_sheet(workbook, self.formats)
        self.closed = False

    def rows(self, detail: list[tuple[int, list]], register: list[list]) -> None:
        self.detail.add(detail)
        for row in register:
            self.register.append(row)

    def finish(self, registry: Registry, monitoring: list[list[object]]) -> None:
        self.detail.close()
        if monitoring:  # the sheet appears once monitoring has found something (五（三）（四）)
            _monitoring_sheet(self.workbook, self.formats, monitoring)
        _cover(self.workbook, self.cover, self.formats, registry, self.header)
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.workbook.close()


class _WorkbookInChild:
    """_ReportWriter in a child forked now: `rows` and `finish` are sent to it (pickled, through a pipe);
    `finish` waits until it has closed the workbook and raises what failed there. `close` (always) ends and
    reaps the child: one that did not finish is killed, and no file is left half written."""

    def __init__(self, path: Path, header: ReportHeader) -> None:
        rows_in, rows_out = os.pipe()
        answer_in, answer_out = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: write what comes; never returns
            code = 1
            try:
                os.close(rows_out)
                os.close(answer_in)
                gc.disable()  # short-lived acyclic rows; nothing of the parent's collected here
                _write_in_child(path, header, open(rows_in, "rb"), open(answer_out, "wb"))
                code = 0
            finally:
                os._exit(code)
        os.close(rows_in)
        os.close(answer_out)
        self.path = path
        self.out, self.answers = open(rows_out, "wb"), open(answer_in, "rb")  # closed in close
        self.finished = False

    def _send(self, message: tuple) -> None:
        try:
            pickle.dump(message, self.out, pickle.HIGHEST_PROTOCOL)
        except BrokenPipeError:  # the child stopped: its answer says why
            self._answer()
            raise RuntimeError("the report's writing process stopped") from None

    def _answer(self) -> None:
        try:
            answer = pickle.load(self.answers)
        except EOFError:
            raise RuntimeError("the report's writing process ended without an answer") from None
        if answer[0] == "failed":
            raise answer[1]

    def rows(self, detail: list[tuple[int, list]], register: list[list]) -> None:
        self._send(("rows", detail, register))

    def finish(self, registry: Registry, monitoring: list[list[object]]) -> None:
        self._send(("finish", registry, monitoring))
        self.out.flush()
        self._answer()
        self.finished = True

    def close(self) -> None:
        for stream in (self.out, self.answers):
            try:
                stream.close()
            except BrokenPipeError:
                pass
        if not self.finished:
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        if not self.finished:
            self.path.unlink(missing_ok=True)


def _write_in_child(path: Path, header: ReportHeader, rows, answers) -> None:
    """The child's part: a _ReportWriter fed from the pipe; answers ("done",) or ("failed", the exception)."""
    with rows, answers:
        try:
            writer = _ReportWriter(path, header)
            try:
                while True:
                    message = pickle.load(rows)
                    if message[0] == "rows":
                        writer.rows(message[1], message[2])
                    else:
                        writer.finish(message[1], message[2])
                        break
            finally:
                writer.close()
            answer = ("done",)
        except Exception as exc:  # handed to the parent, raised there
            try:
                answer = ("failed", pickle.loads(pickle.dumps(exc, pickle.HIGHEST_PROTOCOL)))
            except Exception:
                answer = ("failed", RuntimeError(repr(exc)))
        pickle.dump(answer, answers, pickle.HIGHEST_PROTOCOL)


class Formats:
    """The workbook's cell formats, each made once (XlsxWriter formats belong to their workbook)."""

    def __init__(self, workbook: Workbook) -> None:
        add = workbook.add_format
        self.title = add({"bold": True, "font_size": 16, **_CENTER})
        self.header = add({"bold": True, "bg_color": "#D9E1F2", "pattern": 1, **_CENTER, **_BOX})
        self.box = add(_BOX)
        self.bold_box = add({"bold": True, **_BOX})
        self.percent = add({"num_format": "0%", **_BOX})
        self.bold_percent = add({"bold": True, "num_format": "0%", **_BOX})
        self.caption = add({"bold": True, "font_size": 12})
        self.date_box = add({"num_format": DATE_FORMAT, **_BOX})
        self.right = add({"align": "right"})
        # an overdue detail row: red fill; the due date (计划完成时间, column 12 counting 序号 as 0) in red
        self.overdue = add(_OVERDUE)
        self.overdue_date = add({"num_format": DATE_FORMAT, **_OVERDUE})
        self.overdue_due = add({"font_color": RED, **_OVERDUE})
        self.overdue_due_date = add({"font_color": RED, "num_format": DATE_FORMAT, **_OVERDUE})

    def overdue_cell(self, index: int, value: object) -> Format:
        if index == DUE_COLUMN:
            return self.overdue_due_date if isinstance(value, dt.date) else self.overdue_due
        return self.overdue_date if isinstance(value, dt.date) else self.overdue


DUE_COLUMN = DETAIL_HEADERS.index("计划完成时间")


def _inline_markup(sheet: Worksheet, row: int, col: int, text: str, cell_format: Format | None = None):
    """XlsxWriter's constant-memory mode takes text that starts with <r> and ends with </r> for ready rich-text
    XML and writes it unescaped; such text (a hostile unit name or note) is written as three plain runs."""
    if text.startswith("<r>") and text.endswith("</r>"):
        parts = (text[:1], text[1:2], text[2:])
        return sheet.write_rich_string(row, col, *parts, *((cell_format,) if cell_format else ()))
    return None  # the usual way


class Rows:
    """A sheet written row after row (constant-memory mode writes each row out when the next begins). Every
    value is written (XlsxWriter's write_row stops at the first value it truncates); text over Excel's 32,767
    characters is cut there, as openpyxl cut it. Each value goes straight to XlsxWriter's writer for its type
    (write_string, write_number, write_datetime): write()'s dispatch was a fifth of a 100,000-domain report."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 0
        sheet.add_write_handler(str, _inline_markup)  # text written through write() (merged titles)

    def append(self, values: Iterable[object], cell_format: Format | None = None) -> None:
        """One row of values, all in one format (None: unformatted, dates shown as DATE_FORMAT)."""
        self.append_formatted(zip(values, repeat(cell_format)))

    def append_formatted(self, cells: Iterable[tuple[object, Format | None]]) -> None:
        """One row of (value, format) cells; an empty value (None or "") with a format is a formatted blank
        cell, without one nothing (a third of the report's cells: not handed to XlsxWriter at all)."""
        sheet, row = self.sheet, self.row
        text, number, date = sheet.write_string, sheet.write_number, sheet.write_datetime
        self.row += 1
        for col, (value, cell_format) in enumerate(cells):
            kind = type(value)
            if kind is str and value:
                if value[:3] == "<r>" and value[-4:] == "</r>":
                    error = _inline_markup(sheet, row, col, value, cell_format)
                else:
                    error = text(row, col, value, cell_format)
            elif value is None or kind is str:
                if cell_format is not None:
                    sheet.write_blank(row, col, None, cell_format)
                continue
            elif kind is int or kind is float:
                error = number(row, col, value, cell_format)
            elif kind is dt.date or kind is dt.datetime:
                error = date(row, col, value, cell_format)
            else:
                error = sheet.write(row, col, value, cell_format)
            if error and error != _TRUNCATED:
                raise ValueError(f"XlsxWriter refused the value of row {row + 1} column {col + 1} ({error})")

    def skip(self, rows: int = 1) -> None:
        self.row += rows


_TRUNCATED = -2  # XlsxWriter's answer for text longer than a cell holds (written cut to 32,767 characters)


def _monitoring_sheet(workbook: Workbook, formats: Formats, rows: list[list[object]]) -> None:
    from bot.monitoring.store import MONITOR_HEADERS

    sheet = workbook.add_worksheet(MONITOR_SHEET)
    for column, width in enumerate((28, 26, 50, 16, 18, 18)):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    _print_setup(sheet, 0)
    out = Rows(sheet)
    out.append([guard_cell(h) for h in MONITOR_HEADERS], formats.header)
    for row in rows:
        out.append_formatted((guard_cell(value), formats.date_box if isinstance(value, dt.date) else formats.box)
                             for value in row)


def _print_setup(sheet: Worksheet, title_row: int | None) -> None:
    """A4 landscape, fit to the width of the page, centred; `title_row` (0-based): a table, its header printed
    on every page and the cells ruled on paper."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=1.0, bottom=1.0)
    if title_row is not None:
        sheet.repeat_rows(title_row)
        sheet.hide_gridlines(0)  # gridlines printed (and shown)


# The roll-up's columns: the cover's figures of the same names (Registry.figures), then 完成率.
OFFICE_FIGURES = ("单位数", "网站数", "域名数", "保留的规范域名", "需申请规范域名", "公告中", "待注销", "已注销", "已逾期事项")
OFFICE_HEADERS = ("办公室", *OFFICE_FIGURES, "完成率")
OFFICE_CAPTION = "各下级办公室清理情况"
# 保留 + 需申请 + 公告中 + 待注销 + 已注销 = 域名数: the chart's series, each office's bar its domains
OFFICE_CHART = ("保留的规范域名", "需申请规范域名", "公告中", "待注销", "已注销")


def office_values(registry: Registry) -> list[object]:
    """One roll-up row's values after its label: exactly the figures the office's own report shows."""
    figures = dict(registry.figures())
    return [*(figures[label] for label in OFFICE_FIGURES), registry.completion]


def _cover(workbook: Workbook, out: Rows, formats: Formats, registry: Registry, header: ReportHeader) -> None:
    sheet = out.sheet
    rollup = registry.by_office
    widths = (22, 12, 12, 12, 12, 12, 12, 12) if rollup is None else (22, *([11] * (len(OFFICE_HEADERS) - 1)))
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    last = len(widths) - 1
    _print_setup(sheet, None)
    sheet.merge_range(0, 0, 0, last, guard_cell(header.title), formats.title)
    out.skip()
    sheet.merge_range(1, 0, 1, 3, guard_cell(f"填报单位：{header.office}"), None)
    sheet.merge_range(1, 4, 1, last, f"填报日期：{header.day:%Y年%m月%d日}", formats.right)
    out.skip()
    campaign = header.campaign
    if campaign:
        sheet.merge_range(2, 0, 2, last, guard_cell(f"依据：{campaign.source}（{campaign.title}）"), None)
    out.skip(2)
    if rollup is not None:
        _office_table(workbook, out, formats, registry, rollup)
    out.append(["项目", "数量"], formats.header)
    for label, value in registry.figures():
        out.append([label, value], formats.box)
    out.skip()
    table_top = out.row  # the kind table's header row (0-based)
    out.append(["单位类型", *(STAGE_LABELS[s] for s in STAGES), "合计", "完成率", "已逾期"], formats.header)
    overdue_by_kind = registry.overdue_by_kind
    kinds = registry.kinds()
    box = formats.box
    for kind in kinds:
        total = registry.kind_total(kind)
        done = registry.by_stage[(kind, STAGES[0])]
        out.append_formatted([(kind_label(kind), box), *((registry.by_stage[(kind, s)], box) for s in STAGES),
                              (total, box), (done / total if total else 0, formats.percent),
                              (overdue_by_kind.get(kind, 0), box)])
    total = registry.domains
    bold = formats.bold_box
    out.append_formatted([("合计", bold), *((registry.stage_total(s), bold) for s in STAGES), (total, bold),
                          (registry.completion, formats.bold_percent),
                          (registry.overdue_count, bold)])
    if kinds:
        _chart(workbook, sheet, table_top, len(kinds), out.row + 1)
    out.skip(1 + 16)  # a gap, then the chart's height in rows
    out.append_formatted([("填表人：", None), (None, None), (None, None), ("审核人：", None), (None, None), (None, None),
                          ("联系电话：", None)])


CHART_CM = (18.0, 7.0)  # width, height


def _office_table(workbook: Workbook, out: Rows, formats: Formats, registry: Registry, rollup: RollUp) -> None:
    """The figures by office directly below (and the office's own units, and the total), above the rest of the
    cover, with a chart of each office's domains by measure."""
    out.append([OFFICE_CAPTION], formats.caption)
    top = out.row  # the header row (0-based)
    out.append(list(OFFICE_HEADERS), formats.header)
    box = formats.box
    for row in rollup.rows:
        values = office_values(row.registry)
        out.append_formatted([(guard_cell(row.label), box), *((v, box) for v in values[:-1]),
                              (values[-1], formats.percent)])
    values = office_values(registry)
    bold = formats.bold_box
    out.append_formatted([("合计", bold), *((v, bold) for v in values[:-1]), (values[-1], formats.bold_percent)])
    chart = workbook.add_chart({"type": "bar", "subtype": "percent_stacked"})
    first, last = top + 2, top + 1 + len(rollup.rows)  # 1-based rows of the offices (the total left out)
    for label in OFFICE_CHART:
        column = chr(ord("A") + OFFICE_HEADERS.index(label))
        chart.add_series({"name": f"='{COVER_SHEET}'!${column}${top + 1}",
                          "categories": f"='{COVER_SHEET}'!$A${first}:$A${last}",
                          "values": f"='{COVER_SHEET}'!${column}${first}:${column}${last}", "overlap": 100})
    chart.set_title({"name": "各下级办公室清理进度（域名数）"})
    pixels = [round(cm / 2.54 * 96) for cm in CHART_CM]
    height = max(pixels[1], 24 * (len(rollup.rows) + 3))  # a bar per office, readable however many there are
    chart.set_size({"width": pixels[0], "height": height})
    out.sheet.insert_chart(out.row + 1, 0, chart)
    out.skip(1 + -(-height // 20) + 1)  # a gap, the chart's height in rows (20 px each), a gap


def _chart(workbook: Workbook, sheet: Worksheet, table_top: int, kinds: int, at_row: int) -> None:
    """A native Excel bar chart of the kind table: each stage a series, 100 % stacked, one bar per kind."""
    chart = workbook.add_chart({"type": "bar", "subtype": "percent_stacked"})
    first, last = table_top + 2, table_top + 1 + kinds  # 1-based rows of the kinds
    for index in range(len(STAGES)):
        column = chr(ord("B") + index)
        chart.add_series({"name": f"='{COVER_SHEET}'!${column}${table_top + 1}",
                          "categories": f"='{COVER_SHEET}'!$A${first}:$A${last}",
                          "values": f"='{COVER_SHEET}'!${column}${first}:${column}${last}", "overlap": 100})
    chart.set_title({"name": "各类单位清理进度（域名数）"})
    pixels = [round(cm / 2.54 * 96) for cm in CHART_CM]
    chart.set_size({"width": pixels[0], "height": pixels[1]})
    sheet.insert_chart(at_row, 0, chart)


class _DetailSheet:
    """清理明细: one row per domain, a unit without any domain as one row of its own, in unit order."""

    def __init__(self, workbook: Workbook, formats: Formats, header: ReportHeader) -> None:
        sheet = workbook.add_worksheet(DETAIL_SHEET)
        self.formats = formats
        for index, (_, width) in enumerate(DETAIL_COLUMNS):
            sheet.set_column(index, index, width)
        sheet.freeze_panes(3, 2)  # C4
        _print_setup(sheet, 2)
        last = len(DETAIL_COLUMNS) - 1
        sheet.merge_range(0, 0, 0, last, guard_cell(f"{header.region}政府网站域名清理情况明细表"), formats.title)
        sheet.merge_range(1, 0, 1, last, guard_cell(f"填报单位：{header.office}    填报日期：{header.day:%Y年%m月%d日}"),
                          None)
        self.out = Rows(sheet)
        self.out.skip(2)
        self.out.append(list(DETAIL_HEADERS), formats.header)
        self.number = 0

    def add(self, rows: list[tuple[int, list]]) -> None:
        """Rows as _row_batches makes them: overdue ones marked (red fill, the due date in red), a unit without
        a domain ruled; plain values unformatted (formatting every cell would slow a 100,000-row report)."""
        out, overdue_cell, box = self.out, self.formats.overdue_cell, self.formats.box
        for shown, row in rows:
            if shown == PLAIN:
                out.append(row)
            elif shown == OVERDUE:
                out.append_formatted((v, overdue_cell(i, v)) for i, v in enumerate(row))
            else:
                out.append(row, box)
        self.number = row[0] if rows else self.number

    def close(self) -> None:
        self.out.sheet.autofilter(2, 0, 2 + max(self.number, 1), len(DETAIL_COLUMNS) - 1)


def _register_sheet(workbook: Workbook, formats: Formats) -> Rows:
    """The registry in the import columns: the office above imports this sheet (import reads it by name)."""
    sheet = workbook.add_worksheet(REGISTER_SHEET)
    sheet.set_column(0, len(HEADERS) - 1, 16)
    sheet.freeze_panes(1, 0)
    _print_setup(sheet, 0)
    rows = Rows(sheet)
    rows.append(list(HEADERS), formats.header)
    return rows
