"""A generated province in one deployment (issue 26, Scale): 云南省 at home, its 16 prefectures and 129 counties
as offices (and 楚雄州直部门 as a departments group), units with real-looking names (each place's government, its
departments from knowledge.units, towns and their schools and clinics), two sites and one contact each, imported
through the real import path. Used by benchmarks/bench_offices.py (20,000 units) and tests/test_offices_scale.py
(a smaller one)."""
from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from knowledge.naming import name_spellings
from knowledge.places import Place, divisions
from knowledge.units import department_table

PROVINCE = "云南省"
DEPARTMENTS_GROUP = "楚雄彝族自治州"  # the one prefecture whose own departments are a group of their own
# Two-character roots of town names as they are in Yunnan; a county takes a few, each a 镇, 乡 or 街道.
_TOWN_ROOTS = ("城关 东山 西山 南华 北城 中和 新安 高桥 龙泉 凤凰 白沙 金山 石板 大河 小河 黄坡 青龙 红岩 马街 羊街 三岔 "
               "江坡 塘子 梨园 核桃 松林 勐仑 者竜 鸡街 老厂 罗平 板桥 清水 长田 平坝 猫街 插甸 白路 万德 东坡 发窝 "
               "环州 田心 己衣 树苴 碧城 仁和 勤丰 彩云 和平 妥安 土官 中山 碧鸡 广通 黑井 川街 一平浪 恐龙山").split()
OTHER = "不承担行政职能的事业单位"
_SURNAMES = "李 王 张 刘 陈 杨 赵 黄 周 吴 徐 孙 马 朱 胡 郭 何 高 罗 郑 段 普 者 鲁 施 起 沙".split()
_GIVEN = "明 华 丽 军 芳 勇 艳 杰 娟 涛 敏 强 静 磊 燕 洋 霞 平 刚 红 琼 斌 云 晶".split()


@dataclass
class Province:
    """What was generated: the sheet and, per office region, the units, sites and phones it holds."""
    csv: bytes
    prefectures: list[Place]
    counties: list[Place]
    units: dict[str, list[str]] = field(default_factory=dict)  # office region (place name) → unit names
    sites: dict[str, list[str]] = field(default_factory=dict)
    phones: dict[str, list[str]] = field(default_factory=dict)
    emails: dict[str, list[str]] = field(default_factory=dict)

    @property
    def unit_count(self) -> int:
        return sum(len(v) for v in self.units.values())


def places() -> tuple[list[Place], list[Place]]:
    """The province's prefectures and counties (real divisions, in code order)."""
    everything = divisions().by_code.values()
    province = next(p for p in everything if p.name == PROVINCE)
    mine = sorted((p for p in everything if p.code != province.code and p.province_code == province.code),
                  key=lambda p: p.code)
    return [p for p in mine if p.level == "prefecture"], [p for p in mine if p.level == "county"]


def _departments() -> list:
    """One department per function (教育局 or 教育体育局, not both), courts and procuratorates left out."""
    chosen, taken = [], set()
    for dept in department_table():
        if dept.system in ("court", "procuratorate") or dept.name in taken or not dept.abbr:
            continue
        chosen.append(dept)
        taken.update((dept.name, *dept.aliases))
    return chosen


def _names_for(place: Place, rng: random.Random) -> list[tuple[str, str, str]]:
    """(unit name, domain label, 单位类型 or '' to read it from the name) of a place's units, most usual first,
    each name and label once."""
    names, labels, out = set(), set(), []
    for name, label, kind in _all_names(place, rng):
        if name not in names:
            names.add(name)
            label = label if label not in labels else f"{label}{len(out)}"
            labels.add(label)
            out.append((name, label, kind))
    return out


def _all_names(place: Place, rng: random.Random) -> list[tuple[str, str, str]]:
    out = [(place.name + "人民政府", "www", "政府门户网站")]
    out += [(place.name + d.name, d.abbr[0], "") for d in _departments()]
    if place.level != "county":
        return out
    towns = rng.sample(_TOWN_ROOTS, 18)
    for i, root in enumerate(towns):
        town = root + ("街道" if i < 2 else "乡" if i % 4 == 3 else "镇")
        out.append((place.name + town + ("办事处" if town.endswith("街道") else "人民政府"), f"t{i}", "乡镇（街道）"))
    for i, root in enumerate(towns):
        out += [(place.name + root + "中心学校", f"t{i}x", OTHER), (place.name + root + "卫生院", f"t{i}w", OTHER)]
    out += [(place.name + f"第{n}中学", f"z{i}", OTHER) for i, n in enumerate("一二三四五六七八")]
    out += [(place.name + w, f"s{i}", OTHER) for i, w in enumerate(
        "人民医院 中医医院 妇幼保健院 职业高级中学 融媒体中心 档案馆 图书馆 文化馆 疾病预防控制中心 实验小学".split())]
    return out


def generate(units: int, seed: int = 26) -> Province:
    """A province sheet of about `units` units (round robin over the prefectures and counties, so every office
    gets its share), two sites each (one under the place's portal, one other), one contact with a mobile phone
    and an e-mail address."""
    rng = random.Random(seed)
    prefectures, counties = places()
    every = prefectures + counties
    lists = {p.code: _names_for(p, rng) for p in every}
    spelt: dict[str, str] = {}
    for place in every:  # the place's usual spelling (chuxiong, wuding), made unique where two places share it
        spelling = name_spellings(place.name)[0]
        spelt[place.code] = spelling if spelling not in spelt.values() else spelling + place.code[-2:]
    province = Province(b"", prefectures, counties)
    out = io.StringIO()
    sheet = csv.writer(out)
    sheet.writerow(["单位名称", "单位类型", "域名", "联系人", "联系电话", "邮箱"])
    serial, depth = 0, 0
    while serial < units and depth < max(len(v) for v in lists.values()):
        for place in every:
            if serial >= units:
                break
            if depth >= len(lists[place.code]):
                continue
            name, label, kind = lists[place.code][depth]
            base = f"{spelt[place.code]}.gov.cn"
            phone = f"139{serial:08d}"
            email = f"{label}{serial}@{spelt[place.code]}.gov.cn"
            contact = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
            first = f"{label}.{base}"
            second = f"{label}{depth}{spelt[place.code]}.cn"
            for site in (first, second):
                sheet.writerow([name, kind, site, contact, phone, email])
            region = _office_region(place, name)
            province.units.setdefault(region, []).append(name)
            province.sites.setdefault(region, []).extend((first, second))
            province.phones.setdefault(region, []).append(phone)
            province.emails.setdefault(region, []).append(email)
            serial += 1
        depth += 1
    province.csv = out.getvalue().encode("utf-8")
    return province


def _office_region(place: Place, name: str) -> str:
    """The office a unit of `place` reads into: its county's, its prefecture's (楚雄州's departments: their group;
    its government stays the prefecture's own)."""
    grouped = place.name == DEPARTMENTS_GROUP and not name.endswith("人民政府")
    return place.name + ("直部门" if grouped else "")


@dataclass
class Deployment:
    """The province's offices (region → id) and one admin per office (region → Telegram user id)."""
    offices: dict[str, int]
    admins: dict[str, int]


def build(db_call: Callable, province: Province) -> Deployment:
    """The offices added the way the CLI adds them (home = 云南省), an admin each, then the province's sheet
    imported as the home office imports it."""
    from bot.offices.service import add_office
    from bot.registry.importer import import_file
    from bot.registry.region import set_region

    db_call(lambda s: set_region(s, PROVINCE, "bench"))
    offices, admins = {}, {}
    user = 500_000
    for place in province.prefectures + province.counties:
        user += 1
        offices[place.name] = db_call(lambda s, p=place, u=user: add_office(s, p.name, PROVINCE, "bench", (u,)).id)
        admins[place.name] = user
    user += 1
    key = DEPARTMENTS_GROUP + "直部门"
    offices[key] = db_call(lambda s: add_office(s, DEPARTMENTS_GROUP, PROVINCE, "bench", (user,), departments=True).id)
    admins[key] = user
    report = import_file(db_call, province.csv, "province.csv", "bench", region=PROVINCE)
    assert report.written and not report.errors, report.errors[:5]
    return Deployment(offices, admins)
