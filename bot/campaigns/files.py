"""A campaign from a file: YAML (the fields of knowledge/data/campaigns/*.yaml) or a spreadsheet a clerk fills
in: rows `名称 | …`, `文号 | …`, then a table 日期 | 事项 | 报送单位 | 报送对象. Errors name the row or line."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from knowledge.campaigns import Campaign, CampaignError, build_campaign, parse_campaign

MAX_BYTES = 1024 * 1024  # a spreadsheet
MAX_YAML_BYTES = 256 * 1024  # a campaign of 100 steps is ~20 KB of YAML
MAX_YAML_DEPTH = 20  # a campaign nests three levels; a few more for a clerk's own layout
MAX_SHEET_CELLS = 200_000  # a campaign sheet is a few columns of at most 100 steps
FIELDS = {"名称": "title", "工作名称": "title", "标题": "title", "文号": "source", "依据": "source", "编号": "id", "id": "id"}
STEP_COLUMNS = {"日期": "date", "完成时间": "date", "期限": "date", "事项": "what", "工作内容": "what", "内容": "what",
                "报送单位": "who", "责任单位": "who", "牵头单位": "who", "报送对象": "to", "报送至": "to", "接收单位": "to",
                "办理层级": "offices", "层级": "offices"}


def read_campaign_file(name: str, data: bytes) -> Campaign:
    if len(data) > MAX_BYTES:
        raise CampaignError("文件超过 1 MB")
    suffix = Path(name).suffix.lower()
    if suffix in (".yaml", ".yml"):
        if len(data) > MAX_YAML_BYTES:
            raise CampaignError(f"YAML 文件超过 {MAX_YAML_BYTES // 1024} KB，不像是一项工作安排")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CampaignError("文件不是 UTF-8 编码的文本") from None
        check_plain_yaml(text)
        return parse_campaign(text)
    if suffix == ".xlsx":
        return _from_rows(_xlsx_rows(data))
    raise CampaignError("工作安排文件只能是 .yaml 或 .xlsx")


def check_plain_yaml(text: str) -> None:
    """Refuse, before anything is built from it, YAML that uses anchors and aliases (`&a` … `*a`: 554 bytes of
    nested aliases stand for ~30 GB once expanded, the "billion laughs"), tags, or nests deeper than a campaign
    ever does (the composer recurses once per level). One pass of the scanner: time linear in the file's size,
    memory bounded by its depth. A campaign file never needs any of these."""
    import yaml

    depth = 0
    try:
        for token in yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                raise CampaignError(f"第{token.start_mark.line + 1}行：工作安排文件不能使用锚点和别名（& 和 *），请把内容直接写出")
            if isinstance(token, yaml.TagToken):
                raise CampaignError(f"第{token.start_mark.line + 1}行：工作安排文件不能使用标签（!），请把内容直接写出")
            if isinstance(token, (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
                                  yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise CampaignError(f"第{token.start_mark.line + 1}行：嵌套超过 {MAX_YAML_DEPTH} 层，不像是一项工作安排")
            elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
                depth -= 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark else ""
        raise CampaignError(f"{where}不是有效的 YAML（{getattr(exc, 'problem', '') or '格式错误'}）") from None


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    from bot.registry.sheets import SpreadsheetError, check_xlsx_size

    try:
        check_xlsx_size(data, MAX_SHEET_CELLS)  # the reader allocates the whole rectangle a sheet declares
    except SpreadsheetError as exc:
        raise CampaignError(str(exc)) from None
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        first = sheet.start[0] if sheet.start else 0
        rows = list(enumerate(sheet.to_python(), first + 1))
    except (CalamineError, zipfile.BadZipFile, ValueError, OSError, IndexError) as exc:
        raise CampaignError(f"无法读取 Excel 文件：{exc.__class__.__name__}") from None
    return [(n, [_text(v) for v in row]) for n, row in rows]


def _text(value: object) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _from_rows(rows: list[tuple[int, list[str]]]) -> Campaign:
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    columns: dict[int, str] | None = None
    steps: list[tuple[int, dict]] = []
    for number, cells in rows:
        if not any(cells):
            continue
        if columns is None:
            key = FIELDS.get(cells[0].rstrip("：:"))
            if key and len(cells) > 1:
                fields[key], lines[key] = cells[1], number
                continue
            found = {i: STEP_COLUMNS[c] for i, c in enumerate(cells) if c in STEP_COLUMNS}
            if "date" in found.values() and "what" in found.values():
                columns = found
                continue
            raise CampaignError(f"第{number}行：应是“名称 | …”“文号 | …”，或步骤表头（日期 | 事项 | 报送单位 | 报送对象）")
        steps.append((number, {field: cells[i] for i, field in columns.items() if i < len(cells)}))
    if columns is None or not steps:
        raise CampaignError("没有找到步骤表：表头写 日期 | 事项 | 报送单位 | 报送对象，下面每行一个步骤")
    lines.setdefault("title", 1)
    return build_campaign(fields.get("id"), fields.get("title"), fields.get("source", ""), "groups", steps, lines)
