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


def short_place(place: Place) -> str:
    """楚雄彝族自治州 → 楚雄州, 恩施土家族苗族自治州 → 恩施州; others as written."""
    if place.name.endswith("自治州"):
        return place.stem[:2] + "州" if len(place.stem) > 2 else place.stem + "州"
    return place.name


@dataclass(frozen=True)
class OfficePlace:
    place: Place

    @property
    def level(self) -> str:
        return self.place.level

    @property
    def title(self) -> str:
        return office_title(self.place.name, self.level)


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
