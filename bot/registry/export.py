"""Registry export and the empty template (.xlsx, .csv), in the import's column order; `guard_cell` keeps every
written text cell text."""
from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import true
from sqlmodel import Session, select

from bot.db.models import Contact, Domain, Unit
from bot.registry.lookup import UnitScope
from bot.registry.sheets import (
    FORMULA_START,
    REGISTER_SHEET,
    SpreadsheetError,
)
from knowledge.domains import site_text
from knowledge.registry_model import COLUMNS, HEADERS, KIND_LABELS
from knowledge.text import clean_text


# -- export, template --------------------------------------------------------------------------------------
def export_rows(session: Session, scope: UnitScope | None = None) -> Iterator[list[object]]:
    """Every site (and every unit without one) in the import's columns; with a `scope` (an office's: `export
    --office`), only its units."""
    in_scope = scope.clause() if scope is not None else true()
    units = {u.id: u for u in session.exec(select(Unit).where(in_scope)).all()}
    first_contact: dict[int, Contact] = {}
    for contact in session.exec(select(Contact).join(Unit, Unit.id == Contact.unit_id).where(in_scope)
                                .order_by(Contact.id)).all():
        first_contact.setdefault(contact.unit_id, contact)
    # a unit without a site is a row too (its unit, kind and contact): the import registers it again
    rows = [(units[d.unit_id].name, d.name, d.path, d)
            for d in session.exec(select(Domain).join(Unit, Unit.id == Domain.unit_id).where(in_scope)).all()]
    held = {d.unit_id for *_, d in rows}
    rows += [(u.name, "", "", u) for u in units.values() if u.id not in held]
    for _, _, _, item in sorted(rows, key=lambda r: r[:3]):
        if isinstance(item, Unit):
            yield registry_row(item, None, first_contact.get(item.id))
        else:
            yield registry_row(units[item.unit_id], item, first_contact.get(item.unit_id))


def registry_row(unit: Unit, d: Domain | None, contact: Contact | None) -> list[object]:
    """One site in the file's column order (COLUMNS), or a unit without a site (`d` None): what export and the
    report's register sheet write, and import reads back."""
    kind = (d.kind if d else "") or unit.kind
    values = {"unit": unit.name, "kind": KIND_LABELS.get(kind, kind), "region": unit.region,
              "domain": site_text(d) if d else "", "primary": ("是" if d.is_primary else "否") if d else "",
              "status": d.status if d else "", "contact": contact.name if contact else "",
              "phone": contact.phone if contact else "", "email": contact.email if contact else ""}
    return [values[c.field] if c.field in values else getattr(d, c.field) if d else None for c in COLUMNS]


def guard_cell(value: object) -> object:
    """Text starting with = + - @ would run as a formula in Excel (or WPS) when a CSV is opened: keep it text
    with a leading ' (the registry import strips exactly that escape from a CSV). Workbooks write string cells
    instead (`sheet_cell`), which no spreadsheet evaluates; text stored before it was cleaned at the door
    (a control character in a note) is cleaned here too (knowledge.text.clean_text), so it can always be written."""
    if isinstance(value, str):
        if not value.isprintable():
            value = clean_text(value, limit=32767)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def sheet_cell(sheet, value: object) -> object:
    """A value for an openpyxl write-only sheet: text is written as a string cell (never as a formula, and with
    nothing added, so an import reads back exactly what was exported; a string cell is never evaluated)."""
    if isinstance(value, str):
        if not value.isprintable():
            value = clean_text(value, limit=32767)
        if value.startswith("="):  # openpyxl would store it as a formula
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
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
        sheet.append([sheet_cell(sheet, v) for v in row])
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


def export_file(session: Session, path: Path, scope: UnitScope | None = None) -> int:
    return write_table(path, export_rows(session, scope))


def write_template(path: Path) -> None:
    write_table(path, [])
