"""Generated registry data: real county names and common departments, with domains that mostly comply."""
from __future__ import annotations

import random

from knowledge.naming import suggest
from knowledge.places import divisions
from knowledge.units import department_table

# Courts and procuratorates are left out: their systems hold their domains (no suggestion under the portal).
DEPARTMENTS = [d.name for d in department_table() if d.kind == "department" and d.system not in ("court", "procuratorate")]
STATUSES = ["规范在用"] * 6 + ["不规范", "闲置", "待注销", "公告中", "已注销", "待注册"]


def generate_rows(count: int, seed: int = 7) -> list[list[object]]:
    """Rows in the import column order (see knowledge.registry_model.HEADERS)."""
    rng = random.Random(seed)
    counties = [p for p in divisions().by_code.values() if p.level == "county" and not p.code.startswith(("71", "81", "82"))]
    rows: list[list[object]] = []
    portals: dict[str, str] = {}
    taken: set[str] = set()
    serial = 0
    while len(rows) < count:
        place = counties[serial % len(counties)]
        serial += 1
        portal_unit = place.name + "人民政府"
        if place.code not in portals:
            options = suggest(portal_unit).english
            portals[place.code] = next((d for d in options if d not in taken), f"www.p{serial}.gov.cn")
            taken.add(portals[place.code])
        portal = portals[place.code]
        base = portal[4:]
        phone = f"0871-{rng.randint(1000000, 9999999)}"
        rows.append([portal_unit, "政府门户网站", "", portal, "是", "规范在用", "", "2019-01-01", "", "", "", "", "",
                     f"联系人{serial}", phone, f"admin{serial}@example.cn", ""])
        for dept in rng.sample(DEPARTMENTS, k=len(DEPARTMENTS)):
            if len(rows) >= count:
                break
            unit = place.name + dept
            label = suggest(unit, parent=portal).english[0].split(".")[0]
            status = rng.choice(STATUSES)
            domain = f"{label}.{base}" if status == "规范在用" else f"{label}{serial}.{base.split('.')[0]}{rng.randint(1, 99)}.com"
            if domain in taken:
                continue
            taken.add(domain)
            rows.append([unit, "政府部门网站", "", domain, "否", status, "", "", "", "2026-10-09" if status in ("公告中", "已注销") else "",
                         "滇ICP备1234号" if status == "已注销" else "", "", "", f"联系人{serial}-{dept[:2]}",
                         f"0878-{rng.randint(1000000, 9999999)}", "", ""])
    return rows[:count]


def revised(rows: list[list[object]]) -> list[list[object]]:
    """The same rows as a clerk sends them back a month later: every second one with a new note, every fifth
    with a new phone (updates, each audited)."""
    out = [list(row) for row in rows]
    for i, row in enumerate(out):
        if i % 2 == 0:
            row[16] = "2026年11月核对"
        if i % 5 == 0:
            row[14] = f"0878-{3000000 + i}"
    return out
