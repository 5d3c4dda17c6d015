"""Registry import and export: .xlsx (openpyxl) and .csv with Chinese column headers.

Import validates every row first and reports each bad row with its number and reason; nothing is written
unless all rows are good (or `skip_invalid`); re-importing the same file changes nothing (upsert)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, update
from sqlmodel import Session, select

from bot.db.models import AuditLog, Contact, Domain, Unit, utcnow
from bot.registry.audit import AUDITED_DOMAIN_FIELDS, Generation, _jsonable
from knowledge.actions import STATUSES
from knowledge.domains import parse_domain
from knowledge.text import clean, compact
from knowledge.units import KIND_LABELS, KINDS, parse_unit

# (header, field): the file's columns, in order.
COLUMNS = (
    ("单位名称", "unit"), ("单位类型", "kind"), ("所属地区", "region"), ("域名", "domain"), ("主域名", "primary"),
    ("状态", "status"), ("注册服务机构", "registrar"), ("注册日期", "registered_on"), ("到期日期", "expires_on"),
    ("状态变更日期", "changed_on"), ("ICP备案号", "icp_number"), ("党政机关网站标识", "gov_site_mark"),
    ("公安备案号", "psb_number"), ("联系人", "contact"), ("联系电话", "phone"), ("邮箱", "email"), ("备注", "notes"),
)
HEADERS = tuple(h for h, _ in COLUMNS)
HEADER_ALIASES = {"单位": "单位名称", "主办单位": "单位名称", "单位全称": "单位名称", "类型": "单位类型", "网址": "域名",
                  "网站域名": "域名", "备案号": "ICP备案号", "icp备案": "ICP备案号", "icp备案号": "ICP备案号",
                  "电话": "联系电话", "手机": "联系电话", "电子邮箱": "邮箱", "email": "邮箱", "e-mail": "邮箱",
                  "地区": "所属地区", "公安机关备案号": "公安备案号", "是否主域名": "主域名"}
KIND_BY_NAME = {label: kind for kind, label in KIND_LABELS.items()} | {k: k for k in KINDS} | {
    "门户": "portal", "门户网站": "portal", "政府门户": "portal", "部门": "department", "部门网站": "department",
    "参公事业单位": "institution_admin", "事业单位（承担行政职能）": "institution_admin",
    "事业单位（不承担行政职能）": "institution_other", "事业单位": "institution_other", "系统": "system",
    "业务系统": "system", "平台": "system", "栏目": "system"}
MAX_ROWS = 200_000
MAX_BLANK_RUN = 1_000  # a sheet claiming a million empty rows stops being read after this many in a row
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TITLE_ROWS = 3  # rows of one or two cells, none a column name, above the header are titles
REGISTER_SHEET = "域名登记"  # the sheet import reads when a workbook has it (export, template, the report)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\-\s转/、,，]{3,50}$")
_FORMULA_START = ("=", "+", "-", "@")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "主", "√"}
FALSE_WORDS = {"", "否", "n", "no", "false", "0"}


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message is for the user (Chinese)."""


@dataclass
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

    def domain_fields(self) -> dict:
        return {"unicode": self.unicode, "is_chinese": self.is_chinese, "is_primary": self.is_primary,
                "status": self.status, "registrar": self.registrar, "registered_on": self.registered_on,
                "expires_on": self.expires_on, "changed_on": self.changed_on, "icp_number": self.icp_number,
                "gov_site_mark": self.gov_site_mark, "psb_number": self.psb_number, "notes": self.notes}


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    units_created: int = 0
    domains_created: int = 0
    domains_updated: int = 0
    unchanged: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    written: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return (self.units_created + self.domains_created + self.domains_updated + self.contacts_created
                + self.contacts_updated)

    def summary(self) -> str:
        lines = [f"共 {self.rows} 行，有误 {len(self.errors)} 行。"]
        if self.written:
            lines.append(f"新增单位 {self.units_created}，新增域名 {self.domains_created}，更新域名 {self.domains_updated}，"
                         f"未变 {self.unchanged}，新增联系人 {self.contacts_created}，更新联系人 {self.contacts_updated}。")
        elif self.errors:
            lines.append("因存在错误，未写入任何数据（可修改后重新导入，或用 --skip-invalid 只导入正确的行）。")
        lines += self.notes
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"rows": self.rows, "written": self.written, "errors": [{"row": r, "reason": m} for r, m in self.errors],
                "units_created": self.units_created, "domains_created": self.domains_created,
                "domains_updated": self.domains_updated, "unchanged": self.unchanged,
                "contacts_created": self.contacts_created, "contacts_updated": self.contacts_updated, "notes": self.notes}


# -- reading -----------------------------------------------------------------------------------------------
def _cell_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    text = clean(str(value), limit=2000)
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        text = text[1:]  # our own export's guard against formula injection
    return text


def _header_key(text: str) -> str | None:
    t = compact(text)
    for header in HEADERS:
        if t == compact(header):
            return header
    return HEADER_ALIASES.get(t)


def read_table(data: bytes, filename: str) -> Iterator[tuple[int, dict[str, object]]]:
    """Yield (row number as the user sees it, {header: raw value}) for each non-empty data row."""
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请拆分后导入")
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(data)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(data)
    else:
        raise SpreadsheetError("只支持 .xlsx 和 .csv 文件")
    header: list[str | None] | None = None
    title_rows = 0
    blank_run = 0
    count = 0
    for number, values in rows:
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN and header is not None:
                return
            continue
        blank_run = 0
        if header is None:
            header = [_header_key(t) for t in texts]
            missing = [h for h in ("单位名称", "域名") if h not in header]
            if missing and title_rows < MAX_TITLE_ROWS and not any(header) and sum(1 for t in texts if t) <= 2:
                title_rows += 1  # a title above the table (our report's sheets, many clerks' own files)
                header = None
                continue
            if missing:
                raise SpreadsheetError(f"第{number}行表头缺少：{'、'.join(missing)}（可用 domainbot template 生成模板）")
            continue
        count += 1
        if count > MAX_ROWS:
            raise SpreadsheetError(f"数据超过 {MAX_ROWS} 行，请拆分后导入")
        yield number, {h: values[i] for i, h in enumerate(header) if h and i < len(values)}
    if header is None:
        raise SpreadsheetError("文件是空的：没有找到表头")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError("无法识别文件编码，请另存为 UTF-8 的 CSV")
    if "\x00" in text:
        raise SpreadsheetError("文件不是文本格式的 CSV")
    try:
        yield from enumerate(csv.reader(io.StringIO(text)), 1)
    except csv.Error as exc:
        raise SpreadsheetError(f"CSV 格式错误：{exc}") from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    """Read with calamine (Rust): ten times faster than openpyxl's reader on 100,000 rows."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_index(names.index(REGISTER_SHEET) if REGISTER_SHEET in names else 0)
        first_row = sheet.start[0] if sheet.start else 0
        yield from enumerate(sheet.iter_rows(), first_row + 1)
    except (CalamineError, zipfile.BadZipFile, ValueError, OSError, IndexError) as exc:
        raise SpreadsheetError(f"无法读取 Excel 文件（文件损坏或不是 .xlsx）：{exc.__class__.__name__}") from None


# -- validation --------------------------------------------------------------------------------------------
def _date(value: object, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _cell_text(value)
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not match:
        raise ValueError(f"{label}“{text[:30]}”不是日期（写成 2026-01-31）")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"{label}“{text[:30]}”不是有效日期") from None


def _text(raw: dict, header: str, limit: int) -> str:
    text = _cell_text(raw.get(header))
    if len(text) > limit:
        raise ValueError(f"{header}超过 {limit} 个字")
    return text


def parse_row(number: int, raw: dict) -> ParsedRow:
    unit = compact(_text(raw, "单位名称", 200))
    if not unit:
        raise ValueError("缺少单位名称")
    domain_text = _text(raw, "域名", 300)
    if not domain_text:
        raise ValueError("缺少域名")
    domain = parse_domain(domain_text)
    if not domain.valid:
        raise ValueError(f"域名“{domain_text[:60]}”无效：{domain.error}")
    kind_text = _text(raw, "单位类型", 40)
    if kind_text:
        kind = KIND_BY_NAME.get(kind_text) or KIND_BY_NAME.get(kind_text.lower())
        if not kind:
            raise ValueError(f"单位类型“{kind_text}”无法识别（可填：{'、'.join(KIND_LABELS.values())}）")
    else:
        kind = parse_unit(unit).kind
        if not kind:
            raise ValueError("无法从名称判断单位类型，请填写“单位类型”")
    status = _text(raw, "状态", 16) or "规范在用"
    if status not in STATUSES:
        raise ValueError(f"状态“{status}”无效（可填：{'、'.join(STATUSES)}）")
    primary_text = _text(raw, "主域名", 10).lower()
    if primary_text not in TRUE_WORDS | FALSE_WORDS:
        raise ValueError(f"主域名只能填“是”或“否”，不是“{primary_text}”")
    phone = _text(raw, "联系电话", 50)
    if phone and not _PHONE.match(phone):
        raise ValueError(f"联系电话“{phone}”格式不对")
    email = _text(raw, "邮箱", 200)
    if email and not _EMAIL.match(email):
        raise ValueError(f"邮箱“{email}”格式不对")
    contact = _text(raw, "联系人", 100)
    if (phone or email) and not contact:
        raise ValueError("填写了联系电话或邮箱，但没有联系人姓名")
    return ParsedRow(
        row=number, unit=unit, kind=kind, region=_text(raw, "所属地区", 200), domain=domain.ascii,
        unicode=domain.unicode, is_chinese=domain.is_chinese, is_primary=primary_text in TRUE_WORDS, status=status,
        registrar=_text(raw, "注册服务机构", 200), registered_on=_date(raw.get("注册日期"), "注册日期"),
        expires_on=_date(raw.get("到期日期"), "到期日期"), changed_on=_date(raw.get("状态变更日期"), "状态变更日期"),
        icp_number=_text(raw, "ICP备案号", 100), gov_site_mark=_text(raw, "党政机关网站标识", 100),
        psb_number=_text(raw, "公安备案号", 100), contact=contact, phone=phone, email=email,
        notes=_text(raw, "备注", 2000),
    )


def validate(data: bytes, filename: str, progress: Callable[[int], None] | None = None) -> tuple[list[ParsedRow], ImportReport]:
    report = ImportReport()
    good: list[ParsedRow] = []
    seen: dict[str, int] = {}
    for number, raw in read_table(data, filename):
        report.rows += 1
        try:
            row = parse_row(number, raw)
            if row.domain in seen:
                raise ValueError(f"域名与第{seen[row.domain]}行重复")
            seen[row.domain] = number
            good.append(row)
        except ValueError as exc:
            report.errors.append((number, str(exc)))
        if progress and report.rows % 1000 == 0:
            progress(report.rows)
    return good, report


# -- writing -----------------------------------------------------------------------------------------------
def apply_rows(session: Session, rows: list[ParsedRow], actor: str, report: ImportReport,
               progress: Callable[[int], None] | None = None) -> ImportReport:
    """Upsert units, domains and contacts in bulk (SQL Core, not ORM objects: 100,000 rows in seconds);
    audit every change; identical rows change nothing."""
    now = utcnow()
    Generation.bump()
    units = {name: uid for uid, name in session.exec(select(Unit.id, Unit.name)).all()}
    new_units: dict[str, dict] = {}
    for row in rows:
        if row.unit not in units and row.unit not in new_units:
            new_units[row.unit] = {"name": row.unit, "kind": row.kind, "region": row.region, "short_name": "",
                                   "updated_at": now}
    audits: list[dict] = []
    if new_units:
        session.execute(insert(Unit), list(new_units.values()))
        units.update(_ids_by_name(session, Unit, list(new_units)))
        audits += [_audit(now, actor, "create", "unit", units[u["name"]], u["name"], None,
                          {"name": u["name"], "kind": u["kind"], "region": u["region"]}) for u in new_units.values()]
        report.units_created = len(new_units)

    columns = [getattr(Domain, f) for f in ("id", "name", "unit_id", *DOMAIN_FIELDS)]
    existing = {r[1]: r for r in session.exec(select(*columns)).all()}
    inserts, updates = [], []
    for i, row in enumerate(rows, 1):
        wanted = {"unit_id": units[row.unit], **row.domain_fields()}
        current = existing.get(row.domain)
        if current is None:
            inserts.append({"name": row.domain, **wanted, "updated_at": now})
            continue
        before = dict(zip(("unit_id", *DOMAIN_FIELDS), current[2:]))
        changed = {k: v for k, v in wanted.items() if before[k] != v}
        if changed:
            updates.append({"id": current[0], **changed, "updated_at": now})
            audits.append(_audit(now, actor, "update", "domain", current[0], row.unicode,
                                 {k: before[k] for k in changed}, changed))
        else:
            report.unchanged += 1
        if progress and i % 2000 == 0:
            progress(i)
    if inserts:
        session.execute(insert(Domain), inserts)
        ids = _ids_by_name(session, Domain, [d["name"] for d in inserts])
        audits += [_audit(now, actor, "create", "domain", ids[d["name"]], d["unicode"], None,
                          {k: d[k] for k in AUDITED_DOMAIN_FIELDS if k in d}) for d in inserts]
    for start in range(0, len(updates), 1000):
        session.execute(update(Domain), updates[start:start + 1000])
    report.domains_created, report.domains_updated = len(inserts), len(updates)
    _apply_contacts(session, rows, units, actor, now, report, audits)
    _start_deadlines(session, rows, units, existing, inserts, updates)
    for start in range(0, len(audits), 5000):
        session.execute(insert(AuditLog), audits[start:start + 5000])
    if progress:
        progress(len(rows))
    report.written = True
    return report


def _start_deadlines(session: Session, rows: list[ParsedRow], units: dict[str, int], existing: dict,
                     inserts: list[dict], updates: list[dict]) -> None:
    """New or changed rows under notice (公告中) or cancelled (已注销) start their policy deadlines."""
    from bot.deadlines.events import DomainEvent, deadlines_for_events

    touched = {d["name"] for d in inserts} | {u["id"] for u in updates}
    candidates = [r for r in rows if r.status in ("公告中", "已注销") and r.changed_on
                  and (r.domain in touched or (r.domain in existing and existing[r.domain][0] in touched))]
    if not candidates:
        return
    ids = _ids_by_name(session, Domain, [r.domain for r in candidates])
    deadlines_for_events(session, domains=[
        DomainEvent(ids[r.domain], units[r.unit], r.unicode, r.status, r.changed_on,
                    bool(r.icp_number or r.gov_site_mark or r.psb_number)) for r in candidates])


DOMAIN_FIELDS = ("unicode", "is_chinese", "is_primary", "status", "registrar", "registered_on", "expires_on",
                 "changed_on", "icp_number", "gov_site_mark", "psb_number", "notes")


def _ids_by_name(session: Session, model: type, names: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        ids.update(session.exec(select(model.name, model.id).where(model.name.in_(chunk))).all())
    return ids


def _audit(now: dt.datetime, actor: str, action: str, entity: str, entity_id: int, summary: str,
           before: dict | None, after: dict | None) -> dict:
    return {"at": now, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
            "summary": summary[:400], "before": _dumps({k: _jsonable(v) for k, v in before.items()}) if before else "",
            "after": _dumps({k: _jsonable(v) for k, v in after.items()}) if after else ""}


def _apply_contacts(session: Session, rows: list[ParsedRow], units: dict[str, int], actor: str, now: dt.datetime,
                    report: ImportReport, audits: list[dict]) -> None:
    contacts = {(unit_id, name): (cid, phone, email) for cid, unit_id, name, phone, email in
                session.exec(select(Contact.id, Contact.unit_id, Contact.name, Contact.phone, Contact.email)).all()}
    wanted: dict[tuple[int, str], tuple[str, str]] = {}
    for row in rows:
        if row.contact:
            wanted[(units[row.unit], row.contact)] = (row.phone, row.email)
    inserts, updates = [], []
    for (unit_id, name), (phone, email) in wanted.items():
        current = contacts.get((unit_id, name))
        if current is None:
            inserts.append({"unit_id": unit_id, "name": name, "phone": phone, "email": email, "updated_at": now})
        elif current[1:] != (phone, email):
            updates.append({"id": current[0], "phone": phone, "email": email, "updated_at": now})
            audits.append(_audit(now, actor, "update", "contact", current[0], name,
                                 {"phone": current[1], "email": current[2]}, {"phone": phone, "email": email}))
    for start in range(0, len(inserts), 5000):
        session.execute(insert(Contact), inserts[start:start + 5000])
    if updates:
        session.execute(update(Contact), updates)
    report.contacts_created, report.contacts_updated = len(inserts), len(updates)


def _dumps(value: dict) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def import_file(db_call: Callable, data: bytes, filename: str, actor: str, skip_invalid: bool = False,
                progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
    """Validate, then write in one transaction. `db_call(fn)` runs fn(session) and commits."""
    rows, report = validate(data, filename, (lambda n: progress("check", n, 0)) if progress else None)
    if report.errors and not skip_invalid:
        return report
    if report.errors:
        report.notes.append(f"已跳过有误的 {len(report.errors)} 行。")
    total = len(rows)
    return db_call(lambda session: apply_rows(session, rows, actor, report,
                                              (lambda n: progress("write", n, total)) if progress else None))


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
    """One domain in the file's column order (HEADERS): what export writes and import reads back."""
    return [unit.name, KIND_LABELS.get(unit.kind, unit.kind), unit.region, d.unicode or d.name,
            "是" if d.is_primary else "否", d.status, d.registrar, d.registered_on, d.expires_on, d.changed_on,
            d.icp_number, d.gov_site_mark, d.psb_number, contact.name if contact else "",
            contact.phone if contact else "", contact.email if contact else "", d.notes]


def guard_cell(value: object) -> object:
    """Text starting with = + - @ would run as a formula in Excel (or WPS): keep it text. Every workbook and
    CSV writer of the project passes its text cells through here."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
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
    sheet.append(["列", "说明"])
    sheet.append(["单位名称", "必填，单位全称，例如 武定县人力资源和社会保障局"])
    sheet.append(["单位类型", "可填：" + "、".join(KIND_LABELS.values()) + "；不填则按名称判断"])
    sheet.append(["域名", "必填，英文或中文域名，例如 rsj.wuding.gov.cn、武定县人社局.政务"])
    sheet.append(["主域名", "是 / 否"])
    sheet.append(["状态", "、".join(STATUSES)])
    sheet.append(["日期列", "写成 2026-01-31"])


def export_file(session: Session, path: Path) -> int:
    return write_table(path, export_rows(session))


def write_template(path: Path) -> None:
    write_table(path, [])
