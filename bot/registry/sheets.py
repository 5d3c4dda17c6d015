"""Reading the sheets offices really pass around: .xlsx, .xls and .csv (UTF-8, with BOM, GBK/GB18030); a title
above the header, two-row headers (联系人信息 → 姓名 / 电话), header synonyms, 序号 columns, footer rows (合计,
填表人 …), unit names merged down their rows, and every sheet that has a header.

`read_table` yields (row label, {header: raw value}); what it decided (the header row, ignored columns, filled
cells, sheets skipped) is collected in `SheetNotes` so nothing is dropped in silence."""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import pickle
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.registry_model import COLUMNS, FOOTER_WORDS, HEADERS, READ_ONLY_COLUMNS, SERIAL_HEADERS
from knowledge.text import clean, compact

MAX_ROWS = 200_000
MAX_BLANK_RUN = 1_000  # a sheet claiming a million empty rows stops being read after this many in a row
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 400 * 1024 * 1024  # an .xlsx is a zip: refuse a zip bomb before unpacking it
HEADER_SEARCH_ROWS = 20  # the header is looked for among the first non-empty rows of a sheet
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
INSTRUCTION_SHEETS = ("填写说明", "说明")  # the template's own instructions: skipped without a note
FORMULA_START = ("=", "+", "-", "@")  # a cell starting so runs as a formula in Excel and WPS
# The reader allocates every cell of the rectangle a sheet spans: a 5 KB file with one cell at XFD1048576 asks for
# 17 billion. The rectangle is measured from the XML before reading (rows are in order; columns past Z are rare).
MAX_CELLS = 30_000_000
MAX_MERGED_RANGES = 100_000  # unit names merged down 200,000 rows are far fewer ranges
MAX_MERGED_CELLS = 3_000_000  # cells the merged ranges cover, cut to the sheet's real rows and columns
# One scan for both: a cell in a column past Z (its letters, row, closing quote), or in column A–Z of row 100000+.
_FAR_CELL = re.compile(rb' r="(?:([A-Z]{2,3})(\d+)(")?|[A-Z](\d{6,})")')
_ROW_REF = re.compile(rb'<row [^>]{0,40}?r="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')
_FOOTER_STARTS = frozenset(w[0] for w in FOOTER_WORDS)
_KEYS = {compact(c.header).lower(): c.header for c in COLUMNS + READ_ONLY_COLUMNS}
_KEYS.update({compact(a).lower(): c.header for c in COLUMNS + READ_ONLY_COLUMNS for a in c.aliases})


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message is for the user (Chinese)."""


@dataclass
class SheetNotes:
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    sheets_read: list[str] = field(default_factory=list)
    filled: int = 0


REGISTER_SHEET = "域名登记"  # the sheet import reads when a workbook has it (export, template, the report)


def cell_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    text = str(value)
    if text.isprintable() and (text.isascii() or unicodedata.is_normalized("NFKC", text)):
        # dates, numbers, domains, most Chinese names: nothing for NFKC or `clean` to change (printable: no
        # control, bidi or zero-width character, no white space but " ")
        text = " ".join(text.split())[:2000] if " " in text else text[:2000]
    else:
        text = clean(text, limit=2000)
    return text


def header_key(text: str) -> str | None:
    t = re.sub(r"[*＊:：\s]", "", compact(text)).lower()
    if t in _KEYS:
        return _KEYS[t]
    # 单位名称（全称）, 域名(必填): a header followed by a remark in brackets
    bare = re.sub(r"[（(].*?[）)]$", "", t)
    return _KEYS.get(bare)


def _is_serial(text: str) -> bool:
    return compact(text).lower() in SERIAL_HEADERS


def _col_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


# -- files to rows -----------------------------------------------------------------------------------------
def _csv_sheets(data: bytes) -> Iterator[tuple[str, Iterator[tuple[int, list]], list]]:
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

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
                # a CSV writer's guard against formulas ('=…, '+86…: export.guard_cell): exactly that escape goes
                yield number, [c[1:] if c[:1] == "'" and c[1:2] in FORMULA_START and c[1:2] else c for c in row]
        except csv.Error as exc:
            raise SpreadsheetError(f"CSV 格式错误：{exc}，请用 Excel 另存为 CSV 或 .xlsx") from None

    yield "", rows(), None


def _col_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def check_xlsx_size(data: bytes, max_cells: int = 0) -> None:
    """Refuse, before the reader allocates anything, a workbook whose sheets span far more cells than any
    registry (rows × columns > MAX_CELLS, or `max_cells`), or that unpacks to too much."""
    max_cells = max_cells or MAX_CELLS
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # the reader says the file is damaged
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise SpreadsheetError("文件解压后过大，不像是登记表，请检查后重新保存")
    for info in infos:
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        max_row, max_col = 0, 26
        tail = b""
        with archive.open(info) as fh:
            while chunk := fh.read(1 << 20):
                block = tail + chunk
                max_row, max_col = _block_span(block, max_row, max_col)
                if max_row * max_col > max_cells:
                    raise SpreadsheetError(f"表格的范围过大（{max_row} 行 × {max_col} 列），不像是登记表。"
                                           "请把登记数据复制到新的工作簿，另存后再导入")
                tail = block[-64:]


def _block_span(block: bytes, max_row: int, max_col: int) -> tuple[int, int]:
    """The rows and columns a piece of sheet XML shows, given those seen before it: the <dimension>, the last
    <row> numbers (rows come in order), any cell past column Z and any cell in row 100000 or later."""
    if b"<dimension" in block:
        for match in _DIMENSION.finditer(block):
            max_col = max(max_col, _col_number(match[1]))
            max_row = max(max_row, int(match[2]))
    rows = _ROW_REF.findall(block[-4096:])
    for letters, number, closed, far_row in _FAR_CELL.findall(block):
        if letters:
            max_col = max(max_col, _col_number(letters))
            if closed and len(number) >= 6:
                rows.append(number)
        else:
            rows.append(far_row)
    if rows:
        max_row = max(max_row, *(int(r) for r in rows))
    return max_row, max_col


_PACK_ROWS = 5000  # rows per packed chunk of a released sheet


def _released(rows: Iterator[list], direct: int) -> Iterator[list]:
    """The reader's rows, the first `direct` straight from it; then every other row is taken out at once and held
    packed (pickle, zlib level 1: a 100,000-row sheet in a few MB, where the reader holds ~75 MB), the reader's
    copy of the sheet is freed, and the same values (same types) come back in the same order, a chunk unpacked at
    a time. (The first rows are checked and handed on while nothing waits for the packing.)"""
    yield from itertools.islice(rows, direct)
    packs = []
    while chunk := list(itertools.islice(rows, _PACK_ROWS)):
        packs.append(zlib.compress(pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL), 1))
    del rows, chunk  # the last reference to the sheet: the reader frees its cells
    _free_heap()
    packs.reverse()
    while packs:
        yield from pickle.loads(zlib.decompress(packs.pop()))


def _free_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim): the reader's freed cells would
    otherwise stay in the process's resident memory. Elsewhere nothing happens."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _excel_sheets(data: bytes, suffix: str, release: int = 0) -> Iterator[tuple[str, Iterator[tuple[int, list]], list]]:
    from python_calamine import CalamineError, CalamineWorkbook

    kind = "xls" if suffix == ".xls" else "xlsx"
    if kind == "xlsx":
        check_xlsx_size(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
        if REGISTER_SHEET in names:  # our export, template and report: the register sheet is the data
            names = [REGISTER_SHEET]
    except (CalamineError, zipfile.BadZipFile, ValueError, OSError, IndexError) as exc:
        raise SpreadsheetError(f"无法读取 Excel 文件（文件损坏或不是 .{kind}）：{exc.__class__.__name__}，"
                               "请用 Excel 打开后另存为 .xlsx 再导入") from None
    for name in names:
        try:
            sheet = workbook.get_sheet_by_name(name)
            if kind == "xls" and sheet.height * max(sheet.width, 1) > 20_000_000:
                raise SpreadsheetError("表格的行列范围过大，请只保留登记数据后另存为新文件再导入")
            first_row = sheet.start[0] if sheet.start else 0
            first_col = sheet.start[1] if sheet.start else 0
            try:
                ranges = sheet.merged_cell_ranges or []
            except (CalamineError, ValueError, AttributeError, TypeError):
                ranges = []
            merged = bounded_merges(ranges, first_row, first_col, sheet.height, sheet.width, name)
            rows = enumerate(_released(sheet.iter_rows(), release) if release else sheet.iter_rows(), first_row + 1)
            del sheet  # the rows hold it (until released)
        except SpreadsheetError:
            raise
        except (CalamineError, ValueError, OSError, IndexError) as exc:
            raise SpreadsheetError(f"无法读取工作表“{name[:30]}”：{exc.__class__.__name__}，"
                                   "请用 Excel 打开后另存为 .xlsx 再导入") from None
        yield name, rows, merged


# -- rows to records ---------------------------------------------------------------------------------------
def _find_header(texts: list[str]) -> list[str | None]:
    return [header_key(t) if t else None for t in texts]


def _sub_header(top: list[str], keys: list[str | None], below: list[str]) -> list[str | None] | None:
    """The second row of a two-row header (联系人信息 over 姓名 / 电话), or None when `below` is data."""
    if not any(below):
        return None
    group = ""
    combined: list[str | None] = []
    for i in range(max(len(top), len(below))):
        above = top[i] if i < len(top) else ""
        if above:
            group = above
        text = below[i] if i < len(below) else ""
        if not text or text == above:  # empty, or the header cell merged down over both rows
            combined.append(keys[i] if i < len(keys) else None)
            continue
        if i < len(keys) and keys[i] in ("单位名称", "域名"):
            return None  # data sits under the required columns
        key = header_key(group + text) or header_key(text)
        if key is None and not _is_serial(text):
            return None
        combined.append(key)
    return combined


def _is_footer(texts: list[str]) -> bool:
    first = next((t for t in texts if t), "")
    return any(first.startswith(w) for w in FOOTER_WORDS) or first.replace(" ", "") in ("合计", "总计")


def bounded_merges(ranges: list, first_row: int, first_col: int, height: int, width: int,
                   sheet_name: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges as (first row, last row, first column, last column), rows as the user numbers
    them, columns from the sheet's first, each cut to the cells the sheet really has (a range may claim a million
    rows of a two-row sheet); refused when there are more of them, or they cover more cells, than any registry
    has (a 2 KB workbook of overlapping ranges stood for a billion cells: 1 GB, then MemoryError)."""
    last_row, last_col = first_row + height - 1, width - 1
    if len(ranges) > MAX_MERGED_RANGES:
        raise SpreadsheetError(f"工作表“{sheet_name[:30]}”有 {len(ranges)} 处合并单元格，不像是登记表。"
                               "请取消合并单元格后另存，再导入")
    kept, area = [], 0
    for rng in ranges:
        try:
            (r0, c0), (r1, c1) = rng
            r0, c0, r1, c1 = int(r0), int(c0) - first_col, min(int(r1), last_row), min(int(c1) - first_col, last_col)
        except (TypeError, ValueError):
            continue
        if r1 < r0 or c1 < c0 or c0 < 0 or (r0, c0) == (r1, c1):
            continue
        area += (r1 - r0 + 1) * (c1 - c0 + 1)
        if area > MAX_MERGED_CELLS:
            raise SpreadsheetError(f"工作表“{sheet_name[:30]}”的合并单元格合计超过 {MAX_MERGED_CELLS} 格，不像是登记表。"
                                   "请取消合并单元格后另存，再导入")
        kept.append((r0 + 1, r1 + 1, c0, c1))
    kept.sort()
    return kept


class _MergedFill:
    """Fills the empty cells of merged ranges with their top-left cell's value, row by row as the rows come (in
    order): only the ranges over the current row are held, never a cell per covered cell. The work is bounded
    by the merged area `bounded_merges` allows."""

    def __init__(self, merged: list[tuple[int, int, int, int]]) -> None:
        self.pending = merged[::-1]  # by first row, the next at the end
        self.active: list[list] = []  # [first row, last row, first col, last col, the top-left value]

    def __bool__(self) -> bool:
        return bool(self.pending or self.active)

    def row(self, number: int, values: list) -> list:
        while self.pending and self.pending[-1][0] <= number:
            r0, r1, c0, c1 = self.pending.pop()
            self.active.append([r0, r1, c0, c1, None])
        if not self.active:
            return values
        self.active = [a for a in self.active if a[1] >= number]
        out = None
        width = len(values)
        for entry in self.active:
            r0, _, c0, c1, value = entry
            if r0 == number:
                value = entry[4] = values[c0] if c0 < width else None
            if value in (None, ""):
                continue
            for c in range(c0, min(c1 + 1, width)):
                if values[c] in (None, "") and (number, c) != (r0, c0):
                    if out is None:
                        out = values = list(values)
                    values[c] = value
        return values


def read_table(data: bytes, filename: str, notes: SheetNotes | None = None,
               release: int = 0) -> Iterator[tuple[int, dict[str, object], str]]:
    """Yield (row number as the user sees it, {header: raw value}, the sheet's name when the file has several
    sheets, else '') for each data row. `release`: after this many rows of an Excel sheet (0: never) the reader's
    copy of the sheet is freed and the rest of its rows are held packed (~0.3 s CPU more per 100,000 rows, ~70 MB
    less held while they are checked)."""
    notes = notes if notes is not None else SheetNotes()
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请拆分后导入")
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        sheets = _csv_sheets(data)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        sheets = _excel_sheets(data, suffix, release)
    else:
        raise SpreadsheetError("只支持 .xlsx、.xls 和 .csv 文件")
    count = 0
    first_seen: list[str] = []
    sheet_list = list(sheets)
    several = len([name for name, _, _ in sheet_list if name not in INSTRUCTION_SHEETS]) > 1
    for sheet_name, rows, merged in sheet_list:
        where = sheet_name if several else ""
        for number, record in _read_sheet(sheet_name, rows, merged, several, notes, first_seen):
            count += 1
            if count > MAX_ROWS:
                raise SpreadsheetError(f"数据超过 {MAX_ROWS} 行，请拆分后导入")
            yield number, record, where
    if not notes.sheets_read:
        if first_seen and first_seen[0].endswith(first_seen[0].split("缺少：")[-1]) and "表头缺少" in first_seen[0]:
            raise SpreadsheetError(f"{first_seen[0]}（“域名”也可写作 网址、网站地址、域名（网址）；"
                                   "“单位名称”也可写作 单位、主办单位）")
        seen = "、".join(t[:20] for t in first_seen[:8]) or "（空）"
        raise SpreadsheetError(f"没有找到表头：需要“单位名称”和“域名”两列（前 {HEADER_SEARCH_ROWS} 行中找到的是：{seen}）。"
                               "请在表头写上这两列")


def _read_sheet(sheet_name: str, rows: Iterator[tuple[int, list]], merged: list, several: bool, notes: SheetNotes,
                first_seen: list[str]) -> Iterator[tuple[int, dict[str, object]]]:
    columns: list[str | None] | None = None
    header_texts: list[str] = []
    header_row = 0
    two_rows = False  # the header takes two rows (a parent cell over sub-headers, or cells merged down)
    searched = 0
    blank_run = 0
    # .xlsx/.xls say which cells are merged: only those are filled. A CSV has no merged cells: a row without
    # its unit is refused (with its row number), never given to the unit above.
    fill = _MergedFill(merged) if merged else None
    settled = False
    pending_sub = False
    domain_cols: list[int] = []
    single: list[tuple[int, str]] = []
    for number, values in rows:
        if fill:
            values = fill.row(number, values)
        if columns is None:
            texts = [cell_text(v) for v in values]
            if not any(texts):
                continue
            searched += 1
            keys = _find_header(texts)
            if "单位名称" in keys and "域名" in keys:
                columns, header_texts, header_row, pending_sub = keys, texts, number, True
                continue
            known = [k for k in keys if k]
            if len(known) >= 2 and not any(t.startswith("第") and t.endswith("行表头") for t in first_seen):
                missing = "、".join(h for h in ("单位名称", "域名") if h not in keys)
                first_seen.insert(0, f"{sheet_name + ' ' if several else ''}第{number}行表头缺少：{missing}")
            if searched <= 3:
                first_seen.extend(t for t in texts if t)
            if searched >= HEADER_SEARCH_ROWS:
                if sheet_name not in INSTRUCTION_SHEETS:
                    notes.notes.append(f"工作表“{sheet_name}”前 {HEADER_SEARCH_ROWS} 行没有“单位名称”“域名”表头，未读取")
                return
            continue
        if pending_sub:
            pending_sub = False
            texts = [cell_text(v) for v in values]
            sub = _sub_header(header_texts, columns, texts)
            if sub is not None:
                header_texts = [f"{a}{b}" if b and a != b else a or b
                                for a, b in zip(header_texts + [""] * len(texts), texts + [""] * len(header_texts))]
                columns = sub
                header_row, two_rows = number, True
                continue
        if not settled:
            settled = True
            domain_cols, single = _settle_columns(columns, header_texts, sheet_name, header_row, several, notes,
                                                  two_rows)
        width = len(values)
        record = {h: values[i] for i, h in single if i < width and values[i] not in (None, "")}
        domains = [values[i] for i in domain_cols if i < width and values[i] not in (None, "")]
        if not record and not domains:
            blank_run += 1  # empty, or only a serial number or ignored columns
            if blank_run >= MAX_BLANK_RUN:
                return
            continue
        blank_run = 0
        first = next((v for v in values if v not in (None, "")), None)
        if isinstance(first, str) and first[:1] in _FOOTER_STARTS and _is_footer([cell_text(first)]):
            continue  # 合计, 填表人：…, 审核人 … under the table
        if not domains:
            texts = [cell_text(v) for v in values]
            if [header_key(t) if t else None for t in texts] == columns:
                continue  # the header repeated (printed over several pages)
        if len(domains) == 1:
            record["域名"] = domains[0]
        elif domains:
            record["域名"] = "\n".join(cell_text(d) for d in domains)
        yield number, record
    if columns is not None and not settled:
        _settle_columns(columns, header_texts, sheet_name, header_row, several, notes, two_rows)
    if columns is None and searched and sheet_name not in INSTRUCTION_SHEETS:
        notes.notes.append(f"工作表“{sheet_name}”没有“单位名称”“域名”表头，未读取")


def _settle_columns(columns: list[str | None], texts: list[str], sheet_name: str, header_row: int, several: bool,
                    notes: SheetNotes, two_rows: bool = False) -> tuple[list[int], list[tuple[int, str]]]:
    """Which column feeds which field; every other column is named as ignored."""
    where = f"工作表“{sheet_name}”" if several and sheet_name else ""
    notes.sheets_read.append(sheet_name or "CSV")
    rows = f"{header_row - 1}–{header_row}" if two_rows else str(header_row)
    if header_row - two_rows > 1:
        notes.notes.append(f"{where}第{rows}行是表头，上面的标题行未导入".lstrip())
    elif two_rows:
        notes.notes.append(f"{where}第{rows}行是表头".lstrip())
    taken: set[str] = set()
    single: list[tuple[int, str]] = []
    domains: list[int] = []
    for i, key in enumerate(columns):
        text = texts[i] if i < len(texts) else ""
        if key == "域名":
            domains.append(i)
        elif key and key not in taken:
            taken.add(key)
            single.append((i, key))
        elif text:
            reason = "序号" if _is_serial(text) else ("与前面的列重复" if key else "不是登记表的列")
            notes.ignored.append(f"{where}“{text[:20]}”（{_col_name(i)}列，{reason}）")
    return domains, single


def known_headers() -> tuple[str, ...]:
    return HEADERS
