"""A small county registry in the spreadsheet's column order: a portal, a department with a compliant and an
old domain, a department announcing a change (with a formula-like note), a non-administrative institution on .gov.cn."""
from __future__ import annotations

ROWS = [
    ["武定县人民政府", "政府门户网站", "云南省楚雄州", "www.wuding.gov.cn", "是", "规范在用", "", "2019-01-02", "", "", "滇ICP备1号", "", "",
     "张晓霞", "0878-8711677", "wdwgzx@126.com", ""],
    ["武定县人力资源和社会保障局", "", "", "rsj.wuding.gov.cn", "", "规范在用", "", "", "", "", "", "", "", "", "", "", ""],
    ["武定县人力资源和社会保障局", "", "", "www.wdrsj.com", "", "不规范", "", "", "", "", "", "", "", "", "", "", ""],
    ["武定县财政局", "部门", "", "czj.wuding.gov.cn", "否", "公告中", "", "", "", "2026-01-31", "", "", "", "李四", "13800000000", "", "=cmd|' /C calc'!A0"],
    ["武定县人民医院", "institution_other", "", "www.wdxrmyy.gov.cn", "", "闲置", "", "", "", "", "", "", "", "", "", "", ""],
]
