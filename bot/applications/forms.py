"""The filled 政府网站域名业务申请基本信息表, as .docx (python-docx) and .xlsx (openpyxl), from the layout shipped
in knowledge/data/application_form.yaml. Signature, seal and opinion boxes are left empty for the signers."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from bot.config.settings import office_today
from knowledge.applications import ACTIONS, Spec, Step
from knowledge.resources import load_yaml
from knowledge.units import KIND_LABELS

FORMATS = (".docx", ".xlsx")


def form_fields(spec: Spec, steps: list[Step], basis: str) -> dict[str, str]:
    c = spec.contact
    return {
        "action": ACTIONS[spec.action] + ("（经注册服务机构办理）" if spec.legacy else ""),
        "unit": spec.unit,
        "kind": KIND_LABELS.get(spec.kind or "", "—"),
        "domains": "\n".join(spec.domains),
        "years": f"{spec.years} 年" if spec.years else "—",
        "contact_name": c.name, "contact_post": c.post, "contact_phone": c.phone, "contact_email": c.email,
        "reason": spec.reason or "—",
        "route": " → ".join(f"{s.holder}（{s.task}）" for s in steps) + f"\n依据：{basis}",
    }


def _layout(spec: Spec, steps: list[Step], basis: str, number: str, date: dt.date):
    layout = load_yaml("application_form.yaml")
    fields = form_fields(spec, steps, basis)
    subtitle = layout["subtitle"].format(number=number or "　　　　", date=date.isoformat())
    rows = [(row["label"], row.get("hint", "") if row.get("sign") else fields[row["field"]], bool(row.get("sign")))
            for row in layout["rows"]]
    return layout["title"], subtitle, rows, layout["notes"]


def docx_bytes(spec: Spec, steps: list[Step], basis: str, number: str = "", date: dt.date | None = None) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    title, subtitle, rows, notes = _layout(spec, steps, basis, number, date or office_today())
    document = Document()
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold, run.font.size = True, Pt(16)
    document.add_paragraph(subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value, sign in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].width, cells[1].width = Cm(5), Cm(11)
        if sign:  # room to sign and stamp
            cells[1].add_paragraph("")
            cells[1].add_paragraph("")
    document.add_paragraph("填表说明：")
    for i, note in enumerate(notes, 1):
        document.add_paragraph(f"{i}. {note}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(spec: Spec, steps: list[Step], basis: str, number: str = "", date: dt.date | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    title, subtitle, rows, notes = _layout(spec, steps, basis, number, date or office_today())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "申请基本信息表"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([subtitle])
    wrap = Alignment(wrap_text=True, vertical="top")
    for label, value, sign in rows:
        sheet.append([label, _text(value)])
        sheet.cell(sheet.max_row, 2).alignment = wrap
        if sign:
            sheet.row_dimensions[sheet.max_row].height = 60
    sheet.append([])
    sheet.append(["填表说明："])
    for i, note in enumerate(notes, 1):
        sheet.append([f"{i}. {note}"])
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 34, 70
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text(value: str) -> str:
    """Cells are text, never formulas (a unit name starting with = stays a name)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def write_form(path: Path, spec: Spec, steps: list[Step], basis: str, number: str = "") -> None:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError("表格文件须以 .docx 或 .xlsx 结尾")
    data = (docx_bytes if suffix == ".docx" else xlsx_bytes)(spec, steps, basis, number)
    path.write_bytes(data)
