"""Registry import and export: .xlsx, .xls (read) and .csv with Chinese column headers.

Import validates every row first and lists every error of every row (row, column, what is wrong, how to fix
it); nothing is written unless all rows are good (or `skip_invalid`); re-importing the same file changes nothing
(upsert), and never moves a domain back in its life (公告中 → 在用) without saying so."""
from __future__ import annotations

import csv
import datetime as dt
import gc
import operator
import os
import pickle
import re
import signal
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, select

from bot.config.settings import office_today
from bot.db.bulk import bulk_update as _bulk_update
from bot.db.bulk import execute_tuples, insert_tuples
from bot.db.models import AuditLog, Contact, Domain, Unit, utcnow
from bot.registry.audit import AUDITED_DOMAIN_FIELDS, Generation, dumps, jsonable
from bot.registry.sheets import (
    FORMULA_START,
    MAX_BLANK_RUN,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REGISTER_SHEET,
    SheetNotes,
    SpreadsheetError,
    read_table,
)
from bot.registry.sheets import cell_text as _cell_text
from knowledge.domains import ip_host, parse_domain
from knowledge.registry_model import COLUMNS, HEADERS, KIND_LABELS, STAGE, Kind, Status, read_kind, read_status, status_help
from knowledge.text import clean_text, compact
from knowledge.units import parse_unit, qualify, written_forms
from knowledge.when import EARLIEST_EVENT, DateOutOfRange, check_event_day, check_plan_day, parse_day

__all__ = ["HEADERS", "MAX_BLANK_RUN", "MAX_FILE_BYTES", "MAX_ROWS", "SpreadsheetError", "import_file", "export_file",
           "write_table", "write_template", "validate", "read_table"]
MAX_ERRORS = 500  # listed; beyond that only counted
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\-\s转/、,，]{3,50}$")
_SPLIT_DOMAINS = re.compile(r"[\s、,，;；|]+")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "主", "√", "主域名"}
FALSE_WORDS = {"", "否", "n", "no", "false", "0", "×"}
_PRIMARY_WORDS = frozenset(TRUE_WORDS | FALSE_WORDS)
EXCEL_EPOCH = dt.date(1899, 12, 30)
_EMPTY = (None, "", False)  # a new row's empty fields say nothing in its audit entry


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

    def domain_fields(self) -> dict:
        return {"unicode": self.unicode, "is_chinese": self.is_chinese, "is_primary": self.is_primary,
                "status": self.status, "registrar": self.registrar, "registered_on": self.registered_on,
                "expires_on": self.expires_on, "changed_on": self.changed_on, "icp_number": self.icp_number,
                "gov_site_mark": self.gov_site_mark, "psb_number": self.psb_number, "notes": self.notes,
                "kind": self.domain_kind}


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
                "kept_later_state": self.kept_later_state}


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


def _compact_cell(text: str) -> str:
    """`compact` of text `cell_text` gave: it is clean already (`clean` changes clean text no further)."""
    return text.replace(" ", "").lower()


class _Row:
    """Collects every error of a row."""

    def __init__(self, raw: dict) -> None:
        self.raw = raw
        self.errors: list[str] = []

    def fail(self, column: str, what: str, fix: str) -> None:
        self.errors.append(f"{column}：{what}（{fix}）")

    def text(self, header: str, limit: int) -> str:
        value = self.raw.get(header)
        if value is None:
            return ""
        text = _str_text(value) if value.__class__ is str else _cell_text(value)
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


def parse_rows(number: int, raw: dict, region: str = "") -> tuple[list[ParsedRow], list[str], list[str]]:
    """The rows a sheet row stands for (one per domain in its 域名 cell), its errors, and warnings."""
    r = _Row(raw)
    warnings: list[str] = []
    written_name = r.text("单位名称", 200).replace(" ", "")
    written_unit = _compact_cell(written_name)
    unit = qualify(written_unit, region) if written_unit and region else written_unit
    name = ""  # the name as written, when its case differs from the compared form (R&D)
    if written_name != written_unit:
        name = qualify(written_name, region) if region else written_name
        name = name if name.lower() == unit else ""
    if not unit:
        r.fail("单位名称", "为空", "填写单位全称，例如 武定县教育体育局")
    domain_cell = r.text("域名", 2000)
    if not domain_cell:
        parts = []
    elif _SPLIT_DOMAINS.search(domain_cell):
        parts = [p for p in _SPLIT_DOMAINS.split(domain_cell) if p]
    else:
        parts = [domain_cell]
    if len(parts) > 1 and not all("." in p or "。" in p for p in parts):
        parts = [domain_cell]  # not a list of domains: one bad value, reported as it was written
    if not parts:
        r.fail("域名", "为空", "填写网站的域名或网址，例如 jyj.wuding.gov.cn；没有网站的单位不用列入")
    elif len(parts) > 1:
        warnings.append(f"第{number}行的域名格内有 {len(parts)} 个域名，已拆成 {len(parts)} 行")
    domains = []
    for part in parts:
        parsed = parse_domain(part)
        ip = "" if parsed.valid else ip_host(part)
        if ip:
            domains.append((ip, ip, False))
            warnings.append(f"第{number}行：{ip} 只是 IP 地址，已登记，但政府网站须使用规范的域名")
            continue
        if not parsed.valid:
            r.fail("域名", f"“{part[:60]}”无效：{parsed.error}", "写成 www.wuding.gov.cn 这样的域名或网址")
        else:
            domains.append((parsed.ascii, parsed.unicode, parsed.is_chinese))
    kind_text = r.text("单位类型", 40)
    typed = _read_kind(kind_text) if kind_text else None
    # Reading the name costs more than the rest of the row: only when the sheet leaves the kind open, or calls
    # the row a business system (of which unit?).
    name_kind = parse_unit(unit).kind if unit and (not typed or typed == Kind.SYSTEM) else None
    kind, domain_kind, kind_written = name_kind, "", False
    if kind_text:
        if not typed:
            r.fail("单位类型", f"“{kind_text}”无法识别", "可填：" + "、".join(KIND_LABELS.values()))
        elif typed == Kind.SYSTEM and name_kind and name_kind != Kind.SYSTEM:
            domain_kind = typed  # a department's business system: the unit keeps its kind
        else:
            kind, kind_written = typed, True
    elif unit and not kind:
        r.fail("单位类型", "无法从名称判断单位类型", "填写“承担行政职能的事业单位”或“不承担行政职能的事业单位”等")
    status_text = r.text("状态", 20)
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
        gov_site_mark=r.text("党政机关网站标识", 100), psb_number=r.text("公安备案号", 100), notes=r.text("备注", 2000))
    if r.errors:
        return [], r.errors, warnings
    rows = [ParsedRow(row=number, unit=unit, kind=kind or "", region=r.text("所属地区", 200), domain=ascii_name,
                      unicode=uni, is_chinese=chinese, is_primary=primary_text in TRUE_WORDS and len(domains) == 1,
                      status=status, contact=contact, phone=phone, email=email, domain_kind=domain_kind,
                      kind_written=kind_written, name=name, **fields)
            for ascii_name, uni, chinese in domains]
    return rows, [], warnings


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
            if row.domain in seen:
                first = seen[row.domain]
                report.add_error(number, f"域名：{row.unicode} 与{_where(*first) if sheet else _where('', first)}重复"
                                         "（删去重复的一行）", sheet)
                continue
            seen[row.domain] = (sheet, number) if sheet else number
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
            if region and row.unit != compact(_cell_text(raw.get("单位名称"))):
                qualified += 1
            good.append((sheet, row))
        if progress and report.rows % 1000 == 0:
            progress(report.rows)
        if step and report.rows % step == 0:
            yield [row for sheet, row in good if (sheet, row.row) not in report.bad_rows]
            good = []
    report.ignored_columns = sheet_notes.ignored
    report.notes += sheet_notes.notes
    if sheet_notes.filled:
        report.notes.append(f"{sheet_notes.filled} 行的单位名称为空（合并单元格），已取上一行的单位")
    if qualified:
        report.notes.append(f"{qualified} 行的单位名称没有写地名，已按本地区（{region}）补全")
    if len(sheet_notes.sheets_read) > 1:
        report.notes.append("已读取工作表：" + "、".join(sheet_notes.sheets_read))
    yield [row for sheet, row in good if (sheet, row.row) not in report.bad_rows]


# -- writing -----------------------------------------------------------------------------------------------
DOMAIN_FIELDS = ("unicode", "is_chinese", "is_primary", "status", "registrar", "registered_on", "expires_on",
                 "changed_on", "icp_number", "gov_site_mark", "psb_number", "notes", "kind")
_NEW_DOMAIN = ("name", "unit_id", *DOMAIN_FIELDS, "updated_at")  # a new domain's tuple
_row_fields = operator.attrgetter(*(f if f != "kind" else "domain_kind" for f in DOMAIN_FIELDS))
_AUDITED_AT = tuple((k, _NEW_DOMAIN.index(k)) for k in AUDITED_DOMAIN_FIELDS)  # where each audited field sits
_NEW_CONTACT = ("unit_id", "name", "phone", "email", "telegram_id", "updated_at")
_NEW_UNIT = ("name", "kind", "region", "short_name", "parent_id", "updated_at")
_AUDIT = ("at", "actor", "action", "entity", "entity_id", "summary", "before", "after")


def apply_rows(session: Session, rows: list[ParsedRow], actor: str, report: ImportReport,
               progress: Callable[[int], None] | None = None, region: str = "") -> ImportReport:
    """Upsert units, domains and contacts in bulk (plain tuples to the driver, not ORM objects: 100,000 rows in
    seconds); audit every change; identical rows change nothing. `region`: as the rows were read with it."""
    writer = _Writer(session, actor, report, region)
    writer.add(rows, progress)
    return writer.finish(progress)


_IN_LIST = 500  # values in one SQL "IN (…)" list


class _Writer:
    """`apply_rows` in steps: `add` the validated rows as they come (in file order), then `finish` once. The
    registry and its audit log come out exactly as from one `apply_rows` of all the rows: unit ids in order of
    first appearance, domain ids in row order, and the audit rows of new units first, then those of new
    domains, then every other change (held until `finish`). Memory stays that of one step: the rows are not
    kept (only the few that `finish` needs), the audit rows of new units and domains are held packed."""

    def __init__(self, session: Session, actor: str, report: ImportReport, region: str = "") -> None:
        self.session, self.actor, self.report, self.region = session, actor, report, region
        from bot.registry.importlock import hold_import_lock

        hold_import_lock(session)  # before any read: a concurrent import's rows are then seen, not re-inserted
        self.now = utcnow()
        Generation.bump()
        # keyed by the compared (lower-case) form of the name, as rows name their unit
        self.units = {name.lower(): uid for uid, name in session.exec(select(Unit.id, Unit.name)).all()}
        # The registered domains are read a step at a time, not all at once (~55 MB at 100k domains): those with
        # ids up to `last_old` are the registry as it stood, since updates are written at `finish` and the file
        # names each domain once.
        self.columns = [getattr(Domain, f) for f in ("id", "name", "unit_id", *DOMAIN_FIELDS)]
        self.last_old = _max_id(session, Domain)
        self.registered_dated: dict[str, int] = {}  # the ids of registered domains among `dated`
        self.last_unit = _max_id(session, Unit)  # units above it are this import's
        self.unit_kinds: dict[int, tuple[str, str, str]] = {}  # registered unit → (name, its kind, the sheet's)
        # Registered contacts too are read a step at a time (those of the step's units, ids up to `last_contact`).
        self.last_contact = _max_id(session, Contact)
        self.first_seen: dict[tuple[int, str], int] = {}  # registered contacts in the order the file first names them
        # a registered contact whose row differs from the registry, or that a later row may change back: its
        # registered (id, phone, e-mail) and its last row's (phone, e-mail)
        self.wanted_contacts: dict[tuple[int, str], tuple[tuple, tuple[str, str]]] = {}
        self.contacts_created = 0
        self.new_contacts: set[tuple[int, str]] = set()  # (unit id, name) of those this import inserted
        self.repeated: dict[tuple[int, str], tuple[str, str]] = {}  # the last phone and e-mail of new ones seen again
        # contacts a person replaced after the sheet was made (/setcontact, an approved change): "单位 姓名" of the
        # audit log's removals; an older sheet naming them again does not bring them back
        self.replaced_contacts = set(session.exec(select(AuditLog.summary).where(
            AuditLog.entity == "contact", AuditLog.action == "delete")).all())
        self.contacts_kept_out: set[tuple[str, str]] = set()
        self.count = 0  # rows added
        self.marked: dict[tuple[int, bool], str] = {}  # (unit id, Chinese?) → the domain a row marks 主域名
        self.dated: list[tuple] = []  # rows that may start a deadline (公告中, 已注销 with a date)
        self.dated_domains: set[str] = set()  # their domains
        self.unit_audits: list[bytes] = []  # packed (_pack) audit rows of new units, then those of new domains
        self.created_audits: list[bytes] = []
        self.audits: list[tuple] = []
        self.inserts: list[tuple] = []
        self.updates: list[dict] = []
        self.created = 0  # new domains
        self.inserted: dict[str, int] = {}  # the ids of new domains in `dated`

    def add(self, rows: list[ParsedRow], progress: Callable[[int], None] | None = None) -> None:
        session, now, actor, report, units = self.session, self.now, self.actor, self.report, self.units
        start = self.count
        self.count += len(rows)
        new_units: dict[str, tuple] = {}
        for row in rows:
            if row.unit not in units and row.unit not in new_units:
                # 狮山镇, imported before the region was known, is the 武定县狮山镇 this row names: the same unit.
                registered = next((units[n] for n in written_forms(row.unit, self.region) if n in units), None)
                if registered is not None:
                    units[row.unit] = registered
                else:
                    new_units[row.unit] = (row.name or row.unit, row.kind, row.region, "", None, now)
        if new_units:
            before = _max_id(session, Unit)
            insert_tuples(session, Unit, _NEW_UNIT, new_units.values())
            inserted = _new_ids(session, Unit, [values[0] for values in new_units.values()], before)
            units.update({key: inserted[values[0]] for key, values in new_units.items()})
            self.unit_audits.append(_pack([(units[name.lower()], name[:400], dumps({"name": name, "kind": kind, "region": region}))
                                           for name, kind, region, *_ in new_units.values()]))
            report.units_created += len(new_units)
        self._compare_kinds(rows)
        marked, dated = self.marked, self.dated
        for row in rows:
            if row.is_primary:
                marked[(units[row.unit], row.is_chinese)] = row.domain
            if row.status in (Status.NOTICE, Status.CANCELLED) and row.changed_on:
                dated.append((row.domain, row.unit, row.unicode, row.status, row.changed_on,
                              bool(row.icp_number or row.gov_site_mark or row.psb_number)))
                self.dated_domains.add(row.domain)
        existing = self._registered([row.domain for row in rows])
        inserts, updates, audits = self.inserts, self.updates, self.audits
        for i, row in enumerate(rows, start + 1):
            current = existing.get(row.domain)
            if current is None:
                inserts.append((row.domain, units[row.unit], *_row_fields(row), now))
                if len(inserts) >= 10_000:
                    self._write_inserts()
                continue
            if row.domain in self.dated_domains:
                self.registered_dated[row.domain] = current[0]
            wanted = {"unit_id": units[row.unit], **row.domain_fields()}
            before = dict(zip(("unit_id", *DOMAIN_FIELDS), current[2:]))
            if STAGE.get(wanted["status"], 1) < STAGE.get(before["status"], 1) and not (
                    row.changed_on and (before["changed_on"] is None or row.changed_on > before["changed_on"])):
                # An older sheet does not undo what happened since: the later state stays, and the result says so.
                report.kept_later_state.append(
                    f"第{row.row}行 {row.unicode}：登记册中为“{before['status']}”"
                    f"{'（' + before['changed_on'].isoformat() + '）' if before['changed_on'] else ''}，表中为"
                    f"“{wanted['status']}”，保留“{before['status']}”（表中写上更晚的状态变更日期才会改回）")
                audits.append(_audit(now, actor, "keep", "domain", current[0], row.unicode,
                                     {"status": wanted["status"]}, {"status": before["status"]}))
                wanted["status"], wanted["changed_on"] = before["status"], before["changed_on"]
            changed = {k: v for k, v in wanted.items() if before[k] != v}
            if changed:
                updates.append({"id": current[0], **changed, "updated_at": now})
                audits.append(_audit(now, actor, "update", "domain", current[0], row.unicode,
                                     {k: before[k] for k in changed}, changed))
            else:
                report.unchanged += 1
            if progress and i % 2000 == 0:
                progress(i)
        self._add_contacts(rows)

    def _compare_kinds(self, rows: list[ParsedRow]) -> None:
        """A registered unit whose row states another 单位类型 takes it (the last such row wins), written and
        audited at `finish`; a kind read from the name only never overrides the registry."""
        written = {self.units[row.unit]: (row.unit, row.kind) for row in rows if row.kind_written}
        ids = [i for i in written if i <= self.last_unit]
        for start in range(0, len(ids), _IN_LIST):
            for unit_id, kind in self.session.exec(select(Unit.id, Unit.kind).where(Unit.id.in_(ids[start:start + _IN_LIST]))):
                name, wanted = written[unit_id]
                before = self.unit_kinds.get(unit_id, (name, kind, kind))[1]
                if wanted != before or unit_id in self.unit_kinds:
                    self.unit_kinds[unit_id] = (name, before, wanted)

    def _registered(self, names: list[str]) -> dict[str, tuple]:
        """The registry's rows of these domains as they stood before the import."""
        found = {}
        for start in range(0, len(names) if self.last_old else 0, _IN_LIST):
            found.update(self._registered_where(Domain.name.in_(names[start:start + _IN_LIST])))
        return found

    def _registered_where(self, *where) -> dict[str, tuple]:
        """name → (id, name, unit id, DOMAIN_FIELDS) of the registered domains that meet `where`, as they stood
        before the import, in id order."""
        query = select(*self.columns).where(Domain.id <= self.last_old, *where).order_by(Domain.id)
        return {r[1]: r for r in self.session.exec(query)}

    def _registered_contacts(self, unit_ids: list[int]) -> dict[tuple[int, str], tuple[int, str, str]]:
        """(unit id, name) → (id, phone, e-mail) of the registered contacts of these units, as before the import
        (updates are written at `finish`; those inserted by this import have larger ids)."""
        found = {}
        columns = (Contact.id, Contact.unit_id, Contact.name, Contact.phone, Contact.email)
        for start in range(0, len(unit_ids) if self.last_contact else 0, _IN_LIST):
            found.update(((unit_id, name), (cid, phone, email)) for cid, unit_id, name, phone, email in self.session.exec(
                select(*columns).where(Contact.unit_id.in_(unit_ids[start:start + _IN_LIST]),
                                       Contact.id <= self.last_contact)))
        return found

    def _add_contacts(self, rows: list[ParsedRow]) -> None:
        """A contact new to the unit goes in at its first row; a later row of it is settled in `finish` (the last
        row wins, as it always did). Held until then: the phone and e-mail of new contacts seen again, and of
        registered ones whose rows differ from the registry; not those of every contact (100,000 of them in a
        large import), nor the registry's contacts (read a step at a time)."""
        wanted, repeated, first_seen, new, units, now = (self.wanted_contacts, self.repeated, self.first_seen,
                                                         self.new_contacts, self.units, self.now)
        known = self._registered_contacts(list({units[row.unit] for row in rows if row.contact}))
        inserts = []
        for row in rows:
            if row.contact:
                key = (units[row.unit], row.contact)
                current = known.get(key)
                if current is not None:
                    first_seen.setdefault(key, len(first_seen))
                    value = (row.phone, row.email)
                    if key in wanted or current[1:] != value:
                        wanted[key] = (current, value)
                elif key in new:
                    repeated[key] = (row.phone, row.email)
                elif f"{row.unit} {row.contact}" in self.replaced_contacts:
                    if (row.unit, row.contact) not in self.contacts_kept_out:
                        self.contacts_kept_out.add((row.unit, row.contact))
                        self.report.notes.append(f"第{row.row}行 联系人“{row.contact}”已在登记册中被替换，未重新加入"
                                                 f"（{row.unit}；确需恢复请用 /setcontact）")
                else:
                    new.add(key)
                    inserts.append((*key, row.phone, row.email, None, now))
        insert_tuples(self.session, Contact, _NEW_CONTACT, inserts)
        self.contacts_created += len(inserts)

    def _finish_contacts(self, audits: list[tuple]) -> None:
        session, now, actor, report = self.session, self.now, self.actor, self.report
        updates = []
        later = [(*value, *key) for key, value in self.repeated.items()]  # unchanged ones too: a no-op
        first_seen = self.first_seen
        unit_names = {uid: name for name, uid in self.units.items()} if self.wanted_contacts else {}
        for key, (current, (phone, email)) in sorted(self.wanted_contacts.items(), key=lambda item: first_seen[item[0]]):
            if current[1:] != (phone, email):
                updates.append({"id": current[0], "phone": phone, "email": email, "updated_at": now})
                # "单位 姓名", as chat edits write it: a unit's /history finds its contacts by it
                audits.append(_audit(now, actor, "update", "contact", current[0], f"{unit_names[key[0]]} {key[1]}",
                                     {"phone": current[1], "email": current[2]}, {"phone": phone, "email": email}))
        if later:
            table = Contact.__table__
            execute_tuples(session, f"UPDATE {table.name} SET phone = {{mark}}, email = {{mark}} "
                                    "WHERE unit_id = {mark} AND name = {mark}",
                           [table.c.phone, table.c.email, table.c.unit_id, table.c.name], later)
        _bulk_update(session, Contact, updates)
        report.contacts_created, report.contacts_updated = self.contacts_created, len(updates)

    def _write_inserts(self) -> None:
        """New domains go in by slices of 10,000; their audit rows are made at once, written in `finish`."""
        session, inserts = self.session, self.inserts
        before = _max_id(session, Domain)
        insert_tuples(session, Domain, _NEW_DOMAIN, inserts)
        ids = _new_ids(session, Domain, [d[0] for d in inserts], before)
        self.created_audits.append(_pack([
            (ids[d[0]], d[2][:400], dumps({k: jsonable(d[i]) for k, i in _AUDITED_AT if d[i] not in _EMPTY}))
            for d in inserts]))
        self.created += len(ids)
        self.inserted.update((name, i) for name, i in ids.items() if name in self.dated_domains)
        inserts.clear()

    def finish(self, progress: Callable[[int], None] | None = None) -> ImportReport:
        session, now, actor, report, units = self.session, self.now, self.actor, self.report, self.units
        if self.inserts:
            self._write_inserts()
        for entity, packs in (("unit", self.unit_audits), ("domain", self.created_audits)):
            for pack in packs:
                insert_tuples(session, AuditLog, _AUDIT, ((now, actor, "create", entity, entity_id, summary, "", after)
                                                          for entity_id, summary, after in _unpack(pack)))
        self.unit_audits, self.created_audits = [], []
        updates, audits = self.updates, self.audits
        marked_units = list({unit_id for unit_id, _ in self.marked})
        primaries = {}  # the registered 主域名 of the units a row marks: the mark may move from them
        for start in range(0, len(marked_units), _IN_LIST):
            primaries.update(self._registered_where(Domain.is_primary == True,  # noqa: E712
                                                    Domain.unit_id.in_(marked_units[start:start + _IN_LIST])))
        updates += _one_primary(self.marked, primaries, {u["id"] for u in updates}, now, actor, audits)
        _bulk_update(session, Domain, updates)
        report.domains_created, report.domains_updated = self.created, len(updates)
        self._finish_contacts(audits)
        kinds = [(unit_id, name, before, after) for unit_id, (name, before, after) in self.unit_kinds.items()
                 if before != after]
        _bulk_update(session, Unit, [{"id": unit_id, "kind": after, "updated_at": now} for unit_id, _, _, after in kinds])
        audits += [_audit(now, actor, "update", "unit", unit_id, name, {"kind": before}, {"kind": after})
                   for unit_id, name, before, after in kinds]
        report.units_updated = len(kinds)
        _start_deadlines(session, self.dated, units, self.registered_dated, self.inserted, updates)
        insert_tuples(session, AuditLog, _AUDIT, audits)
        if progress:
            progress(self.count)
        report.written = True
        return report


def _pack(rows: list[tuple]) -> bytes:
    return zlib.compress(pickle.dumps(rows, pickle.HIGHEST_PROTOCOL), 1)


def _unpack(packed: bytes) -> list[tuple]:
    return pickle.loads(zlib.decompress(packed))


def _one_primary(marked: dict[tuple[int, bool], str], existing: dict, updated: set[int], now: dt.datetime,
                 actor: str, audits: list[tuple]) -> list[dict]:
    """A row marked 主域名 (`marked`: (unit id, Chinese?) → its domain) takes the mark from the unit's other
    domain of the same script."""
    if not marked:
        return []
    index = {name: i for i, name in enumerate(("id", "name", "unit_id", *DOMAIN_FIELDS))}
    out = []
    for current in existing.values():
        key = (current[index["unit_id"]], current[index["is_chinese"]])
        if current[index["is_primary"]] and key in marked and marked[key] != current[1] and current[0] not in updated:
            out.append({"id": current[0], "is_primary": False, "updated_at": now})
            audits.append(_audit(now, actor, "update", "domain", current[0], current[1], {"is_primary": True},
                                 {"is_primary": False}))
    return out


def _start_deadlines(session: Session, dated: list[tuple], units: dict[str, int], registered: dict[str, int],
                     inserted: dict[str, int], updates: list[dict]) -> None:
    """New or changed rows under notice (公告中) or cancelled (已注销) start their policy deadlines. `dated`: the
    rows under notice or cancelled with a date, as (domain, unit, unicode, status, changed_on, has filings);
    `inserted` and `registered`: the ids of those among them that are new, and of those already registered."""
    from bot.deadlines.events import DomainEvent, deadlines_for_events

    updated = {u["id"] for u in updates}
    ids = {}  # the domain id of each candidate: new ones from the insert, the others from the registry
    for domain, *_ in dated:
        if domain in inserted:
            ids[domain] = inserted[domain]
        elif registered.get(domain) in updated:
            ids[domain] = registered[domain]
    if not ids:
        return
    deadlines_for_events(session, domains=[
        DomainEvent(ids[domain], units[unit], unicode, status, changed_on, filings)
        for domain, unit, unicode, status, changed_on, filings in dated if domain in ids])


def _max_id(session: Session, model: type) -> int:
    return session.connection().exec_driver_sql(f"SELECT MAX(id) FROM {model.__table__.name}").scalar() or 0


def _new_ids(session: Session, model: type, names: list[str], before: int) -> dict[str, int]:
    """Ids of the rows just inserted under `names`: those above the largest id before the insert (one range scan),
    any not found there by name."""
    wanted = set(names)
    rows = session.connection().exec_driver_sql(
        f"SELECT name, id FROM {model.__table__.name} WHERE id > {int(before)}").cursor.fetchall()
    ids = {name: i for name, i in rows if name in wanted}
    if len(ids) < len(wanted):
        ids.update(_ids_by_name(session, model, [n for n in wanted if n not in ids]))
    return ids


def _ids_by_name(session: Session, model: type, names: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(names), _IN_LIST):
        chunk = names[start:start + _IN_LIST]
        ids.update(session.exec(select(model.name, model.id).where(model.name.in_(chunk))).all())
    return ids


def _audit(now: dt.datetime, actor: str, action: str, entity: str, entity_id: int, summary: str,
           before: dict | None, after: dict | None) -> tuple:
    """An audit row in _AUDIT order."""
    return (now, actor, action, entity, entity_id, summary[:400],
            dumps({k: jsonable(v) for k, v in before.items()}) if before else "",
            dumps({k: jsonable(v) for k, v in after.items()}) if after else "")


PARALLEL_BYTES = 1 << 20  # a larger file is read and checked in a child process while this one writes
_STEP = 5000  # sheet rows a step of the child hands over
_row_tuple = operator.attrgetter(*(f.name for f in fields(ParsedRow)))


class _Abandoned(Exception):
    """The file has errors: what was written so far is rolled back."""


def import_file(db_call: Callable, data: bytes, filename: str, actor: str, skip_invalid: bool = False,
                progress: Callable[[str, int, int], None] | None = None, region: str = "") -> ImportReport:
    """Validate, then write in one transaction. `db_call(fn)` runs fn(session) and commits. `region` is the
    office's own region: unit names without a place are read as units of it.

    A large file is read and checked by a child process (the second core) and written by this one as its
    rows come; a file with errors (unless `skip_invalid`) is rolled back whole, so nothing is written either
    way, and the report is the same."""
    if len(data) >= PARALLEL_BYTES and hasattr(os, "fork"):
        return _import_in_parallel(db_call, data, filename, actor, skip_invalid, progress, region)
    rows, report = validate(data, filename, (lambda n: progress("check", n, 0)) if progress else None, region)
    if report.errors and not skip_invalid:
        return report
    if report.errors:
        report.notes.append(f"已跳过有误的 {len(report.bad_rows)} 行。")
    total = len(rows)
    return db_call(lambda session: apply_rows(session, rows, actor, report,
                                              (lambda n: progress("write", n, total)) if progress else None, region))


def _import_in_parallel(db_call: Callable, data: bytes, filename: str, actor: str, skip_invalid: bool,
                        progress: Callable[[str, int, int], None] | None, region: str) -> ImportReport:
    # What both processes hold at the fork stays shared only while neither writes to it: no collection here
    # walks (and so copies) the objects of before the fork until the import is over.
    frozen = gc.get_freeze_count()  # a process that froze its own objects (the bot's) keeps them frozen
    gc.freeze()
    try:
        steps = _checked_in_child(data, filename, region, skip_invalid)
    except BaseException:
        if not frozen:
            gc.unfreeze()
        raise
    report = ImportReport()
    try:
        def write(session: Session) -> ImportReport:
            writer = _Writer(session, actor, report, region)
            checked = 0
            for kind, *payload in steps:
                if kind == "report":
                    break
                read, errors, rows = payload
                if progress:
                    for n in range(checked // 1000 + 1, read // 1000 + 1):
                        progress("check", n * 1000, 0)
                checked = read
                if not errors or skip_invalid:
                    writer.add([ParsedRow(*row) for row in rows])
            done = payload[0]  # every error, warning and note of the file
            for name in ("rows", "errors", "error_count", "bad_rows", "warnings", "ignored_columns", "notes"):
                setattr(report, name, getattr(done, name))
            if report.errors and not skip_invalid:
                session.rollback()
                raise _Abandoned
            if report.errors:
                report.notes.append(f"已跳过有误的 {len(report.bad_rows)} 行。")
            total = writer.count
            if progress and writer.inserts:
                progress("write", total - len(writer.inserts), total)
            return writer.finish((lambda n: progress("write", n, total)) if progress else None)

        return db_call(write)
    except _Abandoned:
        return report
    finally:
        steps.close()
        if not frozen:
            gc.unfreeze()


def _checked_in_child(data: bytes, filename: str, region: str, skip_invalid: bool) -> _FromChild:
    """`_validate_steps` in a child forked at once (it keeps this process's nice value and scheduling policy,
    and reads while this one loads the registry): an iterator of ("rows", sheet rows read, errors so far, the
    step's good rows as tuples), last ("report", report); raises what reading raised (SpreadsheetError).
    Closing it early kills the child."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, check, send; never returns
        code = 1
        try:
            os.close(read_end)
            gc.disable()  # a short life of acyclic rows, and nothing of the parent's collected (or closed) here
            with open(write_end, "wb") as out:
                report = ImportReport()
                try:
                    # calamine's copy of the sheet (~75 MB at 100k rows) is freed once the first step is out
                    for rows in _validate_steps(data, filename, report, None, region, _STEP, release=_STEP + 100):
                        wanted = not report.error_count or skip_invalid  # else the parent writes nothing
                        pickle.dump(("rows", report.rows, report.error_count,
                                     [_row_tuple(r) for r in rows] if wanted else []), out, pickle.HIGHEST_PROTOCOL)
                    pickle.dump(("report", report), out, pickle.HIGHEST_PROTOCOL)
                except Exception as exc:  # handed to the parent, raised there
                    try:
                        message = pickle.dumps(("failed", exc), pickle.HIGHEST_PROTOCOL)
                    except Exception:
                        message = pickle.dumps(("failed", RuntimeError(repr(exc))))
                    out.write(message)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return _FromChild(pid, read_end)


class _FromChild:
    """The child's messages, in order; `close` (always, even when never read) ends and reaps the child."""

    def __init__(self, pid: int, read_end: int) -> None:
        self.pid, self.source, self.finished = pid, open(read_end, "rb"), False  # closed in close

    def __iter__(self) -> Iterator[tuple]:
        while True:
            try:
                message = pickle.load(self.source)
            except EOFError:
                raise RuntimeError("the import's reading process ended without an answer") from None
            if message[0] == "failed":
                raise message[1]
            if message[0] == "report":
                self.finished = True
            yield message
            if self.finished:
                return

    def close(self) -> None:
        self.source.close()
        if not self.finished:
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


# -- export, template --------------------------------------------------------------------------------------
def export_rows(session: Session) -> Iterator[list[object]]:
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    first_contact: dict[int, Contact] = {}
    for contact in session.exec(select(Contact).order_by(Contact.id)).all():
        first_contact.setdefault(contact.unit_id, contact)
    domains = sorted(session.exec(select(Domain)).all(), key=lambda d: (units[d.unit_id].name, d.name))
    for d in domains:
        yield registry_row(units[d.unit_id], d, first_contact.get(d.unit_id))


def registry_row(unit: Unit, d: Domain, contact: Contact | None) -> list[object]:
    """One domain in the file's column order (COLUMNS): what export and the report's register sheet write, and
    import reads back."""
    kind = d.kind or unit.kind
    values = {"unit": unit.name, "kind": KIND_LABELS.get(kind, kind), "region": unit.region,
              "domain": d.unicode or d.name, "primary": "是" if d.is_primary else "否", "status": d.status,
              "contact": contact.name if contact else "", "phone": contact.phone if contact else "",
              "email": contact.email if contact else ""}
    return [values[c.field] if c.field in values else getattr(d, c.field) for c in COLUMNS]


def guard_cell(value: object) -> object:
    """Text starting with = + - @ would run as a formula in Excel (or WPS): keep it text. Every workbook and
    CSV writer of the project passes its text cells through here; text stored before it was cleaned at the door
    (a control character in a note) is cleaned here too (knowledge.text.clean_text), so it can always be written."""
    if isinstance(value, str):
        if not value.isprintable():
            value = clean_text(value, limit=32767)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def write_table(path: Path, rows: Iterator[list[object]] | list[list[object]], headers: tuple[str, ...] = HEADERS,
                sheet_title: str = REGISTER_SHEET) -> int:
    count = 0
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            for row in rows:
                writer.writerow(["" if v is None else guard_cell(v.isoformat() if isinstance(v, dt.date) else v) for v in row])
                count += 1
        return count
    if path.suffix.lower() != ".xlsx":
        raise SpreadsheetError("只支持 .xlsx 和 .csv 文件")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append(list(headers))
    for row in rows:
        sheet.append([guard_cell(v) for v in row])
        count += 1
    if headers == HEADERS:
        _add_instructions(workbook)
    workbook.save(path)
    return count


def _add_instructions(workbook) -> None:
    sheet = workbook.create_sheet("填写说明")
    sheet.append(["列", "说明", "也认这些表头"])
    for column in COLUMNS:
        sheet.append([column.header, column.help, "、".join(column.aliases)])
    sheet.append(["日期列", "写成 2019-02-20、2019/2/20、2019年2月20日 或 20190220", ""])


def export_file(session: Session, path: Path) -> int:
    return write_table(path, export_rows(session))


def write_template(path: Path) -> None:
    write_table(path, [])
