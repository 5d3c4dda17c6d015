"""A province in one deployment (notes/offices-at-every-level.md, Roll-up): 云南省 at home, its 16 prefectures, 129
counties and the province's departments group (146 offices), 20,000 units with 40,000 sites; then the home's
roll-up report, a prefecture's and a county's, and /progress at the top, timed.

    python -m benchmarks.bench_rollup [DATABASE_URL] [UNITS]     (default: a temporary SQLite file, 20000)
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
import sys
import tempfile
import time
from pathlib import Path

HOME = "云南省"
STATUSES = ["规范在用"] * 4 + ["不规范", "闲置", "待注销", "公告中", "已注销", "待注册"]


def province_sheet(units: int, seed: int = 5) -> bytes:
    """CSV in the import columns: per county its government, departments and schools, two sites each."""
    from knowledge.places import divisions
    from tests.support.registry_data import DEPARTMENTS

    rng = random.Random(seed)
    counties = [p for p in divisions().by_code.values() if p.code.startswith("53") and p.level == "county"]
    per_county = -(-units // len(counties))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["单位名称", "单位类型", "域名", "状态", "状态变更日期", "联系人", "联系电话"])
    made = 0
    for place in counties:
        names = [f"{place.name}人民政府", *(place.name + d for d in DEPARTMENTS)]
        names += [f"{place.name}第{n}中学" for n in range(1, per_county - len(names) + 1)]
        for n, name in enumerate(names[:per_county]):
            if made >= units:
                break
            made += 1
            phone = f"0871-{rng.randint(1000000, 9999999)}"
            kind = "不承担行政职能的事业单位" if name.endswith("中学") else ""
            writer.writerow([name, kind, f"u{n}.c{place.code}.gov.cn", "规范在用", "", f"联系人{made}", phone])
            status = rng.choice(STATUSES)
            changed = "2026-10-09" if status in ("公告中", "已注销") else ""
            writer.writerow([name, kind, f"c{place.code}u{n}.com", status, changed, f"联系人{made}", phone])
    return out.getvalue().encode("utf-8")


def main(argv: list[str]) -> int:
    from bot.db.storage import Database
    from bot.offices.service import add_office, find_office
    from bot.registry.importer import import_file
    from bot.reporting.progress import registry_progress
    from bot.reporting.report import write_report
    from knowledge.places import divisions

    folder = Path(tempfile.mkdtemp())
    url = argv[0] if argv else f"sqlite:///{folder / 'province.sqlite3'}"
    units = int(argv[1]) if len(argv) > 1 else 20000
    db = Database(url)
    db.upgrade()
    today = dt.date(2026, 11, 28)
    places = [p for p in divisions().by_code.values() if p.code.startswith("53") and p.level in ("prefecture", "county")]
    started = time.perf_counter()
    for place in sorted(places, key=lambda p: p.code):  # prefectures before their counties
        db.call(lambda s, p=place: add_office(s, p.name, HOME, "bench"))
    db.call(lambda s: add_office(s, HOME, HOME, "bench", departments=True))
    print(f"offices: {len(places) + 1} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    report = import_file(db.call, province_sheet(units), "province.csv", "bench", region=HOME)
    print(f"import: {report.rows} rows, {report.units_created} units in {time.perf_counter() - started:.1f} s")
    settings = type("S", (), {"bot_region": HOME})()
    for label, office in (("home (roll-up)", None), ("楚雄州 (roll-up)", "楚雄州"), ("武定县", "武定县")):
        office_id = db.call(lambda s, o=office: find_office(s, o).id) if office else None
        started = time.perf_counter()
        done = db.call(lambda s, o=office_id: write_report(s, folder / f"{o}.xlsx", today, settings, o))
        rows = len(done.registry.by_office.rows) if done.registry.by_office else 0
        print(f"report {label}: {done.registry.units} units, {done.registry.domains} domains, {rows} office rows "
              f"in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    registry, _ = db.call(lambda s: registry_progress(s, today, "", HOME))
    print(f"/progress at the top: {registry.units} units, {len(registry.by_office.rows)} office lines "
          f"in {time.perf_counter() - started:.1f} s")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
