"""Reading a Chinese unit name: enclosing regions, the place, the unit, and its kind."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.places import Place, divisions, split_suffix
from knowledge.resources import load_yaml
from knowledge.text import compact

KINDS = ("portal", "department", "institution_admin", "institution_other", "system")
KIND_LABELS = {
    "portal": "政府门户网站",
    "department": "政府部门网站",
    "institution_admin": "承担行政职能的事业单位",
    "institution_other": "不承担行政职能的事业单位",
    "system": "业务系统/办事平台/栏目",
}
MAX_UNIT_CHARS = 80
_PORTAL_UNITS = ("人民政府", "政府", "")
_UNKNOWN_PLACE = re.compile(r"^([\u4e00-\u9fff]{1,10}?(?:自治州|自治县|自治旗|地区|省|市|县|区|州|旗|盟))")


@dataclass(frozen=True)
class Department:
    name: str
    short: str
    abbr: tuple[str, ...]
    english: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    kind: str = "department"


@dataclass
class UnitName:
    raw: str
    full: str
    place_name: str = ""  # as written: 禄丰县, 楚雄州
    place: Place | None = None  # the division, when the table knows it
    regions: list[Place] = field(default_factory=list)  # enclosing divisions, outermost first
    region_names: list[str] = field(default_factory=list)  # as written, for names not in the table
    unit: str = ""  # what is left: 人民政府, 财政局, 中医医院
    kind: str | None = None  # None: the name cannot tell (an institution): ask
    department: Department | None = None
    ambiguous_place: bool = False

    @property
    def place_stem(self) -> str:
        return split_suffix(self.place.name if self.place else self.place_name)[0]

    @property
    def place_full(self) -> str:
        return self.place.name if self.place else self.place_name


@lru_cache(maxsize=1)
def _department_table() -> tuple[list[Department], dict[str, Department], dict[str, tuple[str, ...]]]:
    data = load_yaml("departments.yaml")
    table = [
        Department(d["name"], d["short"], tuple(d["abbr"]), tuple(d.get("english", ())), tuple(d.get("aliases", ())),
                   d.get("kind", "department"))
        for d in data["departments"]
    ]
    by_name: dict[str, Department] = {}
    for dept in table:
        for name in (dept.name, dept.short, *dept.aliases):
            by_name.setdefault(name, dept)
    return table, by_name, {k: tuple(v) for k, v in data["kind_words"].items()}


def department_table() -> list[Department]:
    return list(_department_table()[0])


def find_department(unit: str) -> Department | None:
    _, by_name, _ = _department_table()
    if unit in by_name:
        return by_name[unit]
    # 县人力资源和社会保障局 written with extra words in front: match the longest known name at the end.
    best = None
    for name, dept in by_name.items():
        if len(name) >= 3 and unit.endswith(name) and (best is None or len(name) > len(best[0])):
            best = (name, dept)
    return best[1] if best else None


def infer_kind(unit: str, department: Department | None) -> str | None:
    _, _, words = _department_table()
    if unit in _PORTAL_UNITS:
        return "portal"
    if department:
        return department.kind
    if any(w in unit for w in words["system"]):
        return "system"
    if any(unit.endswith(w) for w in words["institution"]):
        return None  # an institution: with or without administrative functions, the name cannot tell
    if any(unit.endswith(w) for w in words["department"]):
        return "department"
    return None


def _pick(candidates: list[Place], context: list[Place]) -> Place:
    """The candidate inside the innermost region already read (城区 of 晋城市, not of 阳泉市)."""
    for region in reversed(context):
        prefix = region.code[:2] if region.level == "province" else region.code[:4]
        for place in candidates:
            if place.code.startswith(prefix):
                return place
    return candidates[0]


def parse_unit(name: str | None, kind: str | None = None) -> UnitName:
    """Split '河北省唐山市丰南区人民政府' into regions [河北省, 唐山市], place 丰南区, unit 人民政府.
    Results are cached: treat the returned UnitName as read-only."""
    return _parse_unit(name or "", kind)


@lru_cache(maxsize=65536)
def _parse_unit(name: str, kind: str | None) -> UnitName:
    full = compact(name)[:MAX_UNIT_CHARS]
    full = re.sub(r"[^\w\u4e00-\u9fff()（）·]", "", full)
    result = UnitName(raw=name or "", full=full)
    table = divisions()
    found: list[tuple[str, Place, bool]] = []
    pos = 0
    while pos < len(full):
        for size in range(min(table.max_name_len + 2, len(full) - pos), 1, -1):
            candidates = table.find(full[pos:pos + size])
            if candidates:
                place = _pick(candidates, [p for _, p, _ in found])
                found.append((full[pos:pos + size], place, len(candidates) > 1))
                pos += size
                break
        else:
            break
    if found:
        *outer, (written, place, ambiguous) = found
        result.place_name, result.place = written, place
        result.region_names = [w for w, _, _ in outer]
        enclosing = table.enclosing(place)
        given = [p for _, p, _ in outer]
        result.regions = given + [p for p in enclosing if p not in given] if given or not ambiguous else given
        result.ambiguous_place = ambiguous and not given
    elif (bare := _bare_stem(full, table)) is not None:
        # 武定人社局, 禄丰人民政府: the place written without its 县/市
        result.place_name, result.place = bare[0], bare[1]
        result.regions = table.enclosing(bare[1])
        pos = len(bare[0])
    else:
        match = _UNKNOWN_PLACE.match(full)
        if match and (full[match.end():] in _PORTAL_UNITS or find_department(full[match.end():])
                      or infer_kind(full[match.end():], None) is not None or _has_kind_word(full[match.end():])):
            result.place_name = match.group(1)
            pos = match.end()
    result.unit = full[pos:] if result.place_name else full
    result.department = find_department(result.unit) if result.unit not in _PORTAL_UNITS else None
    if not full:
        return result
    result.kind = kind if kind in KINDS else infer_kind(result.unit, result.department)
    return result


def _bare_stem(full: str, table) -> tuple[str, Place] | None:
    """A leading place stem without its suffix, when what follows is clearly a unit; only unambiguous stems."""
    for size in range(min(8, len(full) - 1), 1, -1):
        places = table.by_stem.get(full[:size])
        rest = full[size:]
        if places and len({p.code for p in places}) == 1 and (rest in _PORTAL_UNITS or find_department(rest)):
            return full[:size], places[0]
    return None


def _has_kind_word(unit: str) -> bool:
    _, _, words = _department_table()
    return any(w in unit for group in words.values() for w in group)
