"""Offices as the plan names them: each level's 人民政府办公室 (the province's 办公厅), which place an office covers,
and which office a unit's place falls under. Pure: the deployment's offices are passed in as division codes."""
from __future__ import annotations

from dataclasses import dataclass

from knowledge.places import Place, divisions
from knowledge.units import parse_unit

LEVELS = ("province", "prefecture", "county")
LEVEL_WORDS = {"province": "省级", "prefecture": "州（市）级", "county": "县级"}
DEPARTMENTS = "departments"  # a prefecture's (or province's) own departments as a group


def office_title(place: str, level: str) -> str:
    """The office that holds a level's steps: 武定县人民政府办公室, 云南省人民政府办公厅."""
    return f"{place}人民政府办公厅" if level == "province" else f"{place}人民政府办公室"


def group_title(place: Place) -> str:
    return f"{short_place(place)}直部门"


# Autonomous prefectures said otherwise than stem + 州.
_SPOKEN_PREFECTURES = {"巴音郭楞蒙古自治州": "巴州", "博尔塔拉蒙古自治州": "博州", "克孜勒苏柯尔克孜自治州": "克州"}


def short_place(place: Place) -> str:
    """楚雄彝族自治州 → 楚雄州, 黔东南苗族侗族自治州 → 黔东南州, 西双版纳傣族自治州 → 西双版纳州,
    巴音郭楞蒙古自治州 → 巴州; others as written."""
    if place.name.endswith("自治州"):
        return _SPOKEN_PREFECTURES.get(place.name, place.stem + "州")
    return place.name


def read_place(text: str) -> Place | None:
    """The division an office's region names (武定县, 云南省楚雄彝族自治州武定县, 恩施州, 利川市), or None."""
    text = (text or "").strip()
    if not text:
        return None
    for candidate in (text, text + "人民政府"):
        unit = parse_unit(candidate)
        if unit.place is not None and not unit.ambiguous_place:
            return unit.place
    return None


def place_of_unit(name: str) -> Place | None:
    """The division a unit's name places it in (武定县教育体育局 → 武定县; 楚雄州林草局 → 楚雄彝族自治州)."""
    unit = parse_unit(name)
    return unit.place if not unit.ambiguous_place else None


def encloses(outer: Place, inner: Place) -> bool:
    """Whether `inner` lies in `outer` (or is it): by the division codes' province / prefecture digits."""
    if outer.code == inner.code:
        return True
    if outer.level == "province":
        return inner.province_code == outer.code
    if outer.level == "prefecture":
        return inner.prefecture_code == outer.code
    return False


def enclosing_codes(place: Place) -> list[str]:
    """The place's own code, then its prefecture's, then its province's: where its office is looked for."""
    return list(dict.fromkeys(c for c in (place.code, place.prefecture_code, place.province_code)
                              if c in divisions().by_code))


def office_code_for(place: Place | None, codes: dict[tuple[str, str], int], department: bool) -> int | None:
    """The deployment's office a unit in `place` belongs to, from the offices' (code, group) → id: its own place's
    office, else the nearest enclosing one; a department of a prefecture (or province) itself goes to that
    level's departments group when there is one. None: the home office."""
    if place is None:
        return None
    if department and (place.code, DEPARTMENTS) in codes:
        return codes[(place.code, DEPARTMENTS)]
    for code in enclosing_codes(place):
        if (code, "") in codes:
            return codes[(code, "")]
    return None


# -- the offices above a region ----------------------------------------------------------------------------
@dataclass(frozen=True)
class OfficeLevel:
    """One level's office as the plan and people name it."""
    place: Place

    @property
    def level(self) -> str:
        return self.place.level

    @property
    def title(self) -> str:
        """恩施土家族苗族自治州人民政府办公室, 湖北省人民政府办公厅."""
        return office_title(self.place.name, self.level)

    @property
    def short(self) -> str:
        """The place as people say it: 恩施州, 湖北省, 利川市."""
        return short_place(self.place)

    @property
    def spoken(self) -> str:
        """The office as people say it: 恩施州政府办, 利川市政府办, 湖北省政府办公厅."""
        return self.short + ("政府办公厅" if self.level == "province" else "政府办")


def offices_above(place: Place) -> list[OfficeLevel]:
    """The offices an application or a report goes up to from `place`, nearest first: 利川市 → 恩施州's office,
    湖北省's 办公厅; a county of a 直辖市 (东城区) or one directly under its province (仙桃市) → the province's;
    a prefecture → its province's; a province → none."""
    above: list[OfficeLevel] = []
    for p in divisions().enclosing(place):  # province first
        if p.name not in (place.name, *(o.place.name for o in above)):  # 城口县: 重庆市's 县 list is 重庆市 itself
            above.append(OfficeLevel(p))
    return above[::-1]


def office_chain(place: Place) -> list[OfficeLevel]:
    """The place's own office, then those above it."""
    return [OfficeLevel(place), *offices_above(place)]


def superior(place: Place) -> OfficeLevel | None:
    """The office at the level above (the plan's 上一级人民政府办公室), or None for a province."""
    above = offices_above(place)
    return above[0] if above else None


def region_chain(region: str) -> list[OfficeLevel]:
    """office_chain of the place a deployment's region names (湖北省恩施土家族苗族自治州利川市, 利川市); [] when
    it names none."""
    place = read_place(region)
    return office_chain(place) if place is not None else []


def plan_office(place: Place) -> OfficeLevel:
    """The office that runs the cleanup plan for `place` — the seed's 州政府办公室 (楚政办函〔2019〕8号 is a
    prefecture's plan): the prefecture's (利川市 → 恩施州; 恩施州 itself), else the highest (仙桃市 → 湖北省,
    东城区 → 北京市)."""
    chain = office_chain(place)
    return next((o for o in chain if o.level == "prefecture"), chain[-1])


def plan_office_words(region: str) -> str:
    """plan_office as people say it (恩施州政府办) for a deployment's region; '' when the region names no place."""
    place = read_place(region)
    return plan_office(place).spoken if place is not None else ""
