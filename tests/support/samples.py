"""A small county registry in the spreadsheet's column order: a portal, a department with a compliant and an
old domain, a department announcing a change (with a formula-like note), a non-administrative institution on .gov.cn."""
from __future__ import annotations

from pathlib import Path

from bot.registry.export import write_table
from tests.support.fake_bot_api import FakeBotAPI

ADMIN = 42  # BOT_ADMIN_IDS in the settings fixture
GUEST = 5001

ROWS = [
    ["武定县人民政府", "政府门户网站", "云南省楚雄州", "www.wuding.gov.cn", "是", "规范在用", "", "2019-01-02", "", "", "滇ICP备1号", "", "",
     "张晓霞", "0878-8711677", "wdwgzx@126.com", ""],
    ["武定县人力资源和社会保障局", "", "", "rsj.wuding.gov.cn", "", "规范在用", "", "", "", "", "", "", "", "", "", "", ""],
    ["武定县人力资源和社会保障局", "", "", "www.wdrsj.com", "", "不规范", "", "", "", "", "", "", "", "", "", "", ""],
    ["武定县财政局", "部门", "", "czj.wuding.gov.cn", "否", "公告中", "", "", "", "2026-01-31", "", "", "", "李四", "13800000000", "", "=cmd|' /C calc'!A0"],
    ["武定县人民医院", "institution_other", "", "www.wdxrmyy.gov.cn", "", "闲置", "", "", "", "", "", "", "", "", "", "", ""],
]


def xlsx(tmp_path: Path, rows: list[list], name: str = "in.xlsx") -> Path:
    """The rows written as a workbook in the import columns."""
    path = tmp_path / name
    write_table(path, rows)
    return path


async def import_as_admin(fake_api: FakeBotAPI, tmp_path: Path, rows: list[list] = ROWS) -> list[str]:
    """Upload the rows as the admin's spreadsheet and wait for the import's result; the admin's messages so far."""
    fake_api.push_document("登记表.xlsx", xlsx(tmp_path, rows, "upload.xlsx").read_bytes(), chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("共 " in c.params.get("text", "") for c in calls), timeout=20)
    return fake_api.sent_texts(ADMIN)
