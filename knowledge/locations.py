"""Where a site is hosted, as the question names it: a place after 节点在 / 放在 / 机房在 … or before 的节点 /
机房, classified for the hosting rules (五（三）) as 境内 (the mainland: a province, city or county of the
divisions table, 国内, a cloud's 华东 region) or 境外 (`facts.FOREIGN`: 香港, 新加坡, 国外 …).

A place in this position is a location, not another government whose rules are asked (edge), and a domestic
one keeps the rule (节点在杭州 → the space is on a domestic node), which the hosting facts read as 境内."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from knowledge.facts import FOREIGN
from knowledge.places import divisions

# Mainland regions named by clouds and in speech (阿里云 华东1（杭州）, 西南节点).
_REGIONS = ("境内", "国内", "大陆", "内地", "华东", "华北", "华南", "华中", "西南", "西北", "东北")
_NOT_MAINLAND = ("71", "81", "82")  # 台湾, 香港, 澳门: 境外 for these rules (as in monitoring)
_HOSTED = r"(?:节点|机房|服务器|主机|空间|云空间|数据中心|地域|区域|可用区|机柜|ip|IP|解析)"
_BEFORE = re.compile(
    _HOSTED + r"[^，。？；,;?\s]{0,6}?(?:在|位于|是|设在|放在)(?=[\u4e00-\u9fff])"
    r"|(?:放在|放到|放去|位于|设在|迁到|迁往|迁去|搬到|搬去|挪到|托管在|部署在|指到|指向|解析到|落在|选在|选的)(?=[\u4e00-\u9fff])")
# 昆明电信机房, 上海阿里云的节点: a carrier's or a cloud's name may stand between the place and what is there
_AFTER = re.compile(r"的?(?:电信|移动|联通|广电|阿里云|腾讯云|华为云|天翼云|百度云)?的?" + _HOSTED)


_OWN_ROOM = re.compile(r"(自己|自家|我们|咱们|咱)?的?((县|州|市|省)(里|政府|人民政府|政府办)?|政府|单位|本单位|局里|机关|信息中心|大数据中心|电子政务中心)"
                       r"(自己|自建)?的?(机房|数据中心|服务器机房)|(省|州|县|市)?(级)?政务云")


_ACT_AFTER = re.compile(r"(转发|印发|下发|发文|发布|报送|上报|之前|之后|以前|以后)")
_PLACED = re.compile(r"(放在|放到|放|在|位于|设在|迁到|迁往|搬到|挪到|托管在|部署在|用的?|上)$")


@dataclass(frozen=True)
class Location:
    name: str  # as written: 杭州, 新加坡, 华东
    start: int
    end: int
    domestic: bool


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, bool], int]:
    """Place name or stem -> domestic (True) / not (False)."""
    table: dict[str, bool] = {}
    for place in divisions().by_code.values():
        domestic = not place.code.startswith(_NOT_MAINLAND)
        for name in (place.name, place.stem, place.short):
            if len(name) >= 2:
                table[name] = table.get(name, False) or domestic
    for name in _REGIONS:
        table[name] = True
    for name in FOREIGN.split("|"):
        table[name] = False
    return table, max(len(n) for n in table)


# names that are vendors' or common words before a cloud's name (阿里云, 天翼云): not where the site is
_NOT_HERE = frozenset({"阿里", "华为", "腾讯", "天翼", "移动", "联通", "电信", "百度", "京东", "金山", "浪潮"})


def _place_at(text: str, i: int) -> str:
    table, longest = _names()
    for size in range(min(longest, len(text) - i), 1, -1):
        name = text[i:i + size]
        if name in table and name not in _NOT_HERE and text[i + size:i + size + 1] != "云":
            return name
    return ""


def hosting_locations(text: str) -> list[Location]:
    """The places named as where a server, node or space is (节点在杭州, 放到新加坡的机房, 上海的节点)."""
    table, _ = _names()
    found: dict[int, Location] = {}
    for match in _BEFORE.finditer(text):
        i = match.end()
        name = _place_at(text, i)
        if name:
            end = i + len(name)
            while end < len(text) and text[end] in "省市县区州":  # 杭州市: the suffix is the place's
                end += 1
            if _ACT_AFTER.match(text, end) or re.search(r"(时间|那个|这个|关键)节点", text[max(0, i - 8):i]):
                continue  # 那个节点在武定县转发文件之前: a point in time and an office's act, not where a site is
            found[i] = Location(name, i, end, table[name])
    for match in _OWN_ROOM.finditer(text):  # 放在县政府的机房, 在单位机房, 用政务云: a government's own, in China
        if _PLACED.search(text, 0, match.start()) and not any(loc.start <= match.start() < loc.end for loc in found.values()):
            found[match.start()] = Location(match.group(0), match.start(), match.end(), True)
    for i in range(len(text)):
        if i in found:
            continue
        name = _place_at(text, i)
        if name and _AFTER.match(text, i + len(name)) and (i == 0 or not _place_at(text, i - 1)):
            found[i] = Location(name, i, i + len(name), table[name])
    return sorted(found.values(), key=lambda loc: loc.start)


def mark_domestic(text: str) -> tuple[str, list[Location]]:
    """The text with 境内 before each domestic hosting place (节点在杭州 → 节点在境内杭州), so the hosting rules
    read where it is; the places found."""
    places = hosting_locations(text)
    out = text
    for loc in reversed(places):
        if loc.domestic and loc.name not in _REGIONS[:4]:
            out = out[:loc.start] + "境内" + out[loc.start:]
    return out, places
