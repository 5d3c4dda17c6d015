"""Reading a registry sheet's rows: each row parsed and checked (every error of every row, with how to fix it),
duplicates and 主域名 marks judged across the file; `validate` gives the good rows and the report."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from bot.config.settings import office_today
from bot.registry.sheets import (
    SheetNotes,
    read_table,
)
from bot.registry.sheets import cell_text as _cell_text
from knowledge.domains import ip_host, parse_domain
from knowledge.examples import localize
from knowledge.offices import read_place
from knowledge.registry_model import KIND_LABELS, Kind, read_kind, read_nature, read_status, status_help
from knowledge.text import clean_text, compact
from knowledge.units import parse_unit, qualify
from knowledge.when import EARLIEST_EVENT, DateOutOfRange, check_event_day, check_plan_day, parse_day

MAX_ERRORS = 500  # listed; beyond that only counted
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\-\s转/、,，]{3,50}$")
_SPLIT_DOMAINS = re.compile(r"[\s、,，;；|]+")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "主", "√", "主域名"}
FALSE_WORDS = {"", "否", "n", "no", "false", "0", "×"}
_PRIMARY_WORDS = frozenset(TRUE_WORDS | FALSE_WORDS)
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(slots=True)
class ParsedRow:
    row: int
    unit: str
    kind: str
    region: str
    domain: str
    unicode: str
    is_chinese: bool
    is_primary: bool
    status: str
    registrar: str
    registered_on: dt.date | None
    expires_on: dt.date | None
    changed_on: dt.date | None
    icp_number: str
    gov_site_mark: str
    psb_number: str
    contact: str
    phone: str
    email: str
    notes: str
    domain_kind: str = ""  # set when the domain's kind differs from its unit's (a department's business system)
    kind_written: bool = False  # `kind` is the sheet's 单位类型, not read from the unit's name
    name: str = ""  # the unit's name as written (R&D keeps its case); `unit` is its compared (lower-case) form
    path: str = ""  # the site's path on its host ('' = the whole host): a column, see knowledge.domains.site_path
    site_name: str = ""  # 网站名称

    def domain_fields(self) -> dict:
        return {"unicode": self.unicode, "is_chinese": self.is_chinese, "is_primary": self.is_primary,
                "status": self.status, "registrar": self.registrar, "registered_on": self.registered_on,
                "expires_on": self.expires_on, "changed_on": self.changed_on, "icp_number": self.icp_number,
                "gov_site_mark": self.gov_site_mark, "psb_number": self.psb_number, "notes": self.notes,
                "kind": self.domain_kind, "site_name": self.site_name}


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # one per error: (row, message)
    error_count: int = 0  # every error, including those beyond MAX_ERRORS
    bad_rows: set = field(default_factory=set)
    units_created: int = 0
    units_updated: int = 0  # 单位类型 corrected by the sheet
    domains_created: int = 0
    domains_updated: int = 0
    unchanged: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    written: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    kept_later_state: list[str] = field(default_factory=list)
    units_without_site: int = 0  # units the file lists with no site

    @property
    def changes(self) -> int:
        return (self.units_created + self.units_updated + self.domains_created + self.domains_updated + self.contacts_created
                + self.contacts_updated)

    def add_error(self, row: int, message: str, sheet: str = "") -> None:
        self.error_count += 1
        self.bad_rows.add((sheet, row))
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((row, f"[{sheet}] {message}" if sheet else message))

    def summary(self, skip_hint: str = "") -> str:
        """What the import did, for the person who sent the file. `skip_hint`: how to import only the good rows
        where the caller offers that (the command line's option); the chat does not."""
        if not self.rows:
            return "表中没有数据行：表头下面是空的，请填写各单位的名称和域名后再导入。"
        lines = [f"共 {self.rows} 行，有误 {len(self.bad_rows)} 行（{self.error_count} 处）。"]
        if self.ignored_columns:
            lines.append("未使用的列：" + "；".join(self.ignored_columns[:20]))
        if self.written:
            lines.append(f"新增单位 {self.units_created}，{f'更新单位类型 {self.units_updated}，' if self.units_updated else ''}新增域名 {self.domains_created}，更新域名 {self.domains_updated}，"
                         f"未变 {self.unchanged}，新增联系人 {self.contacts_created}，更新联系人 {self.contacts_updated}。")
        elif self.errors:
            lines.append(f"因存在错误，未写入任何数据（请修改后重新导入{skip_hint}）。")
        if self.error_count > len(self.errors):
            lines.append(f"错误太多，只列出前 {len(self.errors)} 处，共 {self.error_count} 处。")
        lines += self.notes
        lines += self.warnings[:30]
        if len(self.warnings) > 30:
            lines.append(f"……另有 {len(self.warnings) - 30} 条提示")
        lines += self.kept_later_state[:30]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"rows": self.rows, "written": self.written, "errors": [{"row": r, "reason": m} for r, m in self.errors],
                "error_count": self.error_count, "bad_rows": len(self.bad_rows),
                "units_created": self.units_created, "units_updated": self.units_updated,
                "domains_created": self.domains_created,
                "domains_updated": self.domains_updated, "unchanged": self.unchanged,
                "contacts_created": self.contacts_created, "contacts_updated": self.contacts_updated,
                "notes": self.notes, "warnings": self.warnings, "ignored_columns": self.ignored_columns,
                "kept_later_state": self.kept_later_state, "units_without_site": self.units_without_site}


# -- validation --------------------------------------------------------------------------------------------
def parse_date(value: object) -> dt.date | None:
    """2019-02-20, 2019/2/20, 2019.2.20, 2019年2月20日, 20190220, an Excel serial (43516) or a date cell;
    raises ValueError."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if 10_000 <= number <= 80_000:
            return EXCEL_EPOCH + dt.timedelta(days=int(number))
        value = str(int(number)) if number.is_integer() else str(value)
    text = _cell_text(value).replace(" ", "")
    if re.fullmatch(r"\d{5}(\.\d+)?", text) and 10_000 <= float(text) <= 80_000:
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    day = parse_day(text)
    if day is None:
        raise ValueError
    return day


_str_text = lru_cache(maxsize=8192)(_cell_text)  # statuses, kinds, units repeat down a sheet: NFKC once each
_read_kind = lru_cache(maxsize=256)(read_kind)  # a sheet writes a handful of kind words, 100,000 times
_read_nature = lru_cache(maxsize=256)(read_nature)
_NO_SITE = frozenset(("无", "没有", "暂无", "无网站", "无域名", "未开设", "未开设网站", "未建", "未建站", "未建设", "-", "—",
                      "/", "／", "－"))
# Columns that describe a site: a row with any of them and no domain lost its address (not a unit without a site)
_SITE_HEADERS = ("网站名称", "状态", "ICP备案号", "注册日期", "到期日期", "党政机关网站标识", "公安备案号", "注册服务机构")


def _compact_cell(text: str) -> str:
    """`compact` of text `cell_text` gave: it is clean already (`clean` changes clean text no further)."""
    return text.replace(" ", "").lower()


class _Row:
    """Collects every error of a row."""

    def __init__(self, raw: dict, region: str = "") -> None:
        self.raw = raw
        self.region = region  # the fixes' examples are shown in its places (knowledge.examples)
        self.errors: list[str] = []

    def fail(self, column: str, what: str, fix: str) -> None:
        """`fix` is the bot's own wording (never the cell's text): its example is localized."""
        self.errors.append(f"{column}：{what}（{localize(fix, self.region)}）")

    def text(self, header: str, limit: int) -> str:
        value = self.raw.get(header)
        if value is None:
            return ""
        text = _str_text(value) if value.__class__ is str else _cell_text(value)
        if len(text) > limit:
            self.fail(header, f"超过 {limit} 个字", "请删减")
            return text[:limit]
        return text

    def free_text(self, header: str, limit: int, multiline: bool = True) -> str:
        """A note or a name as the office wrote it: its lines, full-width punctuation and spacing kept (only what
        cannot be stored safely is removed: knowledge.text.clean_text); too long is an error."""
        value = self.raw.get(header)
        if value is None:
            return ""
        text = clean_text(value, limit + 1, multiline).strip() if value.__class__ is str else _cell_text(value)
        if len(text) > limit:
            self.fail(header, f"超过 {limit} 个字", "请删减")
            return text[:limit]
        return text

    def date(self, header: str, plan: bool = False) -> dt.date | None:
        """The column's date: a day that happened (注册日期, 状态变更日期: 1990 … today) or, with `plan`, one
        planned (到期日期: up to 10 years ahead); the bounds are knowledge.when's."""
        raw = self.raw.get(header)
        try:
            day = parse_date(raw)
        except (ValueError, OverflowError):
            self.fail(header, f"“{_cell_text(raw)[:30]}”不是日期", "写成 2019-02-20、2019/2/20 或 2019年2月20日")
            return None
        if day is not None:
            today = office_today()
            try:
                if plan and day >= EARLIEST_EVENT:
                    day = check_plan_day(day, today) if day > today else day
                else:
                    check_event_day(day, today)
            except DateOutOfRange as exc:
                self.fail(header, str(exc), "请核对日期")
                return None
        return day


def _row_region(written: str) -> str:
    """The place a row's 所属地区 names (云南省楚雄彝族自治州武定县, 武定县 → 武定县), '' when it names none."""
    place = read_place(compact(written)) if written else None
    return place.name if place else ""


def parse_rows(number: int, raw: dict, region: str = "") -> tuple[list[ParsedRow], list[str], list[str]]:
    """The rows a sheet row stands for (one per domain in its 域名 cell), its errors, and warnings."""
    r = _Row(raw, region)
    warnings: list[str] = []
    written_name = r.text("单位名称", 200).replace(" ", "")
    written_unit = _compact_cell(written_name)
    region = _row_region(r.text("所属地区", 200)) or region  # the row's own 所属地区 places a name without one
    unit = qualify(written_unit, region) if written_unit and region else written_unit
    name = ""  # the name as written, when its case differs from the compared form (R&D)
    if written_name != written_unit:
        name = qualify(written_name, region) if region else written_name
        name = name if name.lower() == unit else ""
    if not unit:
        r.fail("单位名称", "为空", "填写单位全称，例如 武定县教育体育局")
    domain_cell = r.text("域名", 2000)
    said_none = domain_cell in _NO_SITE  # 无, 未开设 …: the office says the unit has no site
    if said_none:
        domain_cell = ""
    if not domain_cell:
        parts = []
    elif _SPLIT_DOMAINS.search(domain_cell):
        parts = [p for p in _SPLIT_DOMAINS.split(domain_cell) if p]
    else:
        parts = [domain_cell]
    if len(parts) > 1 and not all("." in p or "。" in p for p in parts):
        parts = [domain_cell]  # not a list of domains: one bad value, reported as it was written
    if not parts and not said_none and any(raw.get(h) not in (None, "") for h in _SITE_HEADERS):
        # a site described without its address (a formula cell such as =HYPERLINK(…) reads as empty)
        r.fail("域名", "为空，但本行填写了网站的名称、状态或备案等",
               "填写网站的域名或网址（文字，不要用公式），例如 jyj.wuding.gov.cn；没有网站的单位只填单位和联系人")
    elif len(parts) > 1:
        warnings.append(f"第{number}行的域名格内有 {len(parts)} 个域名，已拆成 {len(parts)} 行")
    domains = []
    for part in parts:
        parsed = parse_domain(part)
        ip = "" if parsed.valid else ip_host(part)
        if ip:
            domains.append((ip, ip, False, parsed.site_path))
            warnings.append(f"第{number}行：{ip} 只是 IP 地址，已登记，但政府网站须使用规范的域名")
            continue
        if not parsed.valid:
            r.fail("域名", f"“{part[:60]}”无效：{parsed.error}", "写成 www.wuding.gov.cn 这样的域名或网址")
        else:
            domains.append((parsed.ascii, parsed.unicode, parsed.is_chinese, parsed.site_path))
    kind_text = r.text("单位类型", 40)
    typed = _read_kind(kind_text) if kind_text else None
    # Reading the name costs more than the rest of the row: only when the sheet leaves the kind open, or calls
    # the row a business system (of which unit?).
    name_kind = parse_unit(unit).kind if unit and (not typed or typed == Kind.SYSTEM) else None
    kind, domain_kind, kind_written = name_kind, "", False
    nature_text = ""
    if kind_text:
        if not typed and _read_nature(kind_text)[1]:
            nature_text, kind_text = kind_text, ""  # 行政机关, 公益二类事业单位 … under 单位类型: the unit's 性质
        elif not typed:
            r.fail("单位类型", f"“{kind_text}”无法识别", "可填：" + "、".join(KIND_LABELS.values()))
        elif typed == Kind.SYSTEM and name_kind and name_kind != Kind.SYSTEM:
            domain_kind = typed  # a department's business system: the unit keeps its kind
        else:
            kind, kind_written = typed, True
    nature_text = nature_text or (r.text("单位性质", 40) if not kind_written else "")
    if nature_text:
        nature_kind, understood = _read_nature(nature_text)
        if nature_kind and nature_kind != kind and kind != Kind.PORTAL and kind != Kind.TOWNSHIP:
            kind, kind_written = nature_kind, True  # 公益一类 → without administrative functions, 参公 → with
        elif not understood and unit:
            warnings.append(f"第{number}行：单位性质“{nature_text}”未能识别，单位类型按单位名称判断")
        if nature_kind is None and understood and unit and not kind:
            kind = Kind.DEPARTMENT  # an organ (机关) whose name says nothing more
    if not kind_text and unit and not kind:
        r.fail("单位类型", "无法从名称判断单位类型", "填写“承担行政职能的事业单位”或“不承担行政职能的事业单位”等")
    status_text = r.text("状态", 20) if not said_none else ""
    status = read_status(status_text)
    if status is None:
        r.fail("状态", f"“{status_text}”无法识别", f"可填：{status_help()}")
    primary_text = r.text("主域名", 10).lower()
    if primary_text not in _PRIMARY_WORDS:
        r.fail("主域名", f"“{primary_text}”无法识别", "只能填“是”或“否”")
    phone = r.text("联系电话", 50)
    if phone and not _PHONE.match(phone):
        r.fail("联系电话", f"“{phone}”格式不对", "写成 0878-8711677 或 13812345678")
    email = r.text("邮箱", 200)
    if email and not _EMAIL.match(email):
        r.fail("邮箱", f"“{email}”格式不对", "写成 name@example.cn")
    contact = r.text("联系人", 100)
    if (phone or email) and not contact:
        r.fail("联系人", "填写了联系电话或邮箱，但没有联系人姓名", "补上联系人姓名")
    fields = dict(
        registrar=r.text("注册服务机构", 200), registered_on=r.date("注册日期"), expires_on=r.date("到期日期", plan=True),
        changed_on=r.date("状态变更日期"), icp_number=r.text("ICP备案号", 100),
        gov_site_mark=r.text("党政机关网站标识", 100), psb_number=r.text("公安备案号", 100),
        notes=r.free_text("备注", 2000))
    site_name = r.free_text("网站名称", 200, multiline=False)
    if not domains and not r.errors:
        domains = [("", "", False, "")]  # a unit without a site: the unit and its contact are registered
    # Rows with errors are returned too (the caller writes none of them): a later row is judged a duplicate of
    # any earlier one, so every error is found in one pass.
    rows = [ParsedRow(row=number, unit=unit, kind=kind or "", region=r.text("所属地区", 200), domain=ascii_name,
                      unicode=uni, is_chinese=chinese, is_primary=primary_text in TRUE_WORDS and len(domains) == 1,
                      status=status or "", contact=contact, phone=phone, email=email, domain_kind=domain_kind,
                      kind_written=kind_written, name=name, path=path, site_name=site_name, **fields)
            for ascii_name, uni, chinese, path in domains]
    return rows, r.errors, warnings


def parse_row(number: int, raw: dict, region: str = "") -> ParsedRow:
    """One sheet row with one domain (raises ValueError with every error of the row)."""
    rows, errors, _ = parse_rows(number, raw, region)
    if errors:
        raise ValueError("；".join(errors))
    return rows[0]


def validate(data: bytes, filename: str, progress: Callable[[int], None] | None = None,
             region: str = "") -> tuple[list[ParsedRow], ImportReport]:
    report = ImportReport()
    rows = [row for step in _validate_steps(data, filename, report, progress, region) for row in step]
    return rows, report


def _where(sheet: str, number: int) -> str:
    return f"{sheet} 第{number}行" if sheet else f"第{number}行"


def _validate_steps(data: bytes, filename: str, report: ImportReport, progress: Callable[[int], None] | None = None,
                    region: str = "", step: int = 0, release: int = 0) -> Iterator[list[ParsedRow]]:
    """`validate` in steps: the good rows of each `step` sheet rows (all at the end when 0), every check made as
    the rows come (a row is good or bad once read: duplicates and 主域名 marks are judged against earlier rows);
    `report` holds every error, warning and note when the last step is out. `release`: as `read_table`'s."""
    good: list[tuple[str, ParsedRow]] = []
    seen: dict[str, int | tuple[str, int]] = {}  # domain → its first row (sheet, row when several sheets)
    primaries: dict[tuple[str, bool], str] = {}
    bare_units: dict[str, str] = {}  # units whose rows name no site, as written
    sites_of: set[str] = set()  # units with a site
    sheet_notes = SheetNotes()
    qualified = 0
    for number, raw, sheet in read_table(data, filename, sheet_notes, release):
        report.rows += 1
        rows, errors, warnings = parse_rows(number, raw, region)
        for message in errors:
            report.add_error(number, message, sheet)
        if warnings:
            report.warnings += [f"[{sheet}] {w}" if sheet else w for w in warnings]
        for row in rows:
            if not row.domain:  # a unit without a site
                if not errors:
                    bare_units.setdefault(row.unit, row.name or row.unit)
                    good.append((sheet, row))
                continue
            site = row.domain + row.path
            if site in seen:
                first = seen[site]
                report.add_error(number, f"域名：{row.unicode + row.path} 与{_where(*first) if sheet else _where('', first)}"
                                         "重复（删去重复的一行）", sheet)
                continue
            seen[site] = (sheet, number) if sheet else number
            if errors:
                continue  # judged for duplicates, never written
            sites_of.add(row.unit)
            if row.is_primary:
                where = _where(sheet, number)
                key = (row.unit, row.is_chinese)
                if key in primaries:
                    script = "中文" if row.is_chinese else "英文"
                    row.is_primary = False
                    report.warnings.append(f"{where}：{row.unit}的{script}主域名已在{primaries[key]}标明，"
                                           f"{row.unicode} 不作为主域名（每个单位英文、中文各一个）")
                else:
                    primaries[key] = where
            if row.unit != compact(_cell_text(raw.get("单位名称"))).lower():
                qualified += 1
            good.append((sheet, row))
        if progress and report.rows % 1000 == 0:
            progress(report.rows)
        if step and report.rows % step == 0:
            yield [row for sheet, row in good if (sheet, row.row) not in report.bad_rows]
            good = []
    report.ignored_columns = sheet_notes.ignored
    report.notes += sheet_notes.notes
    bare = [name for unit, name in bare_units.items() if unit not in sites_of]
    if bare:
        report.units_without_site = len(bare)
        report.notes.append(f"{len(bare)} 个单位没有网站（已登记单位和联系人）：" + "、".join(bare[:30])
                            + (" 等" if len(bare) > 30 else ""))
    if qualified:
        report.notes.append(f"{qualified} 行的单位名称没有写地名，已按所属地区（未填的按本地区{region}）补全")
    if len(sheet_notes.sheets_read) > 1:
        report.notes.append("已读取工作表：" + "、".join(sheet_notes.sheets_read))
    yield [row for sheet, row in good if (sheet, row.row) not in report.bad_rows]
