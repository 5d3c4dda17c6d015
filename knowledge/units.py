"""Reading a Chinese unit name: enclosing regions, the place, the unit, and its kind."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from knowledge.places import Place, divisions, split_suffix, strip_ethnic
from knowledge.registry_model import KIND_LABELS as _LABELS
from knowledge.registry_model import Kind
from knowledge.resources import load_yaml
from knowledge.text import compact

KINDS = tuple(k.value for k in Kind)
KIND_LABELS = {str(k): v for k, v in _LABELS.items()}
MAX_UNIT_CHARS = 80
# 狮山镇, 狮山镇人民政府, 东坡傣族乡, 狮山街道办事处: a town or a street office (乡镇（街道）)
_TOWN = re.compile(r"^([\u4e00-\u9fff]{1,10}?)(乡|镇|街道办事处|街道)(人民政府|政府|办事处)?$")
_PARTY_PREFIXES = ("中国共产党", "中共")
# A name that starts with a place (武定县…, 楚雄州…, 城区…): qualify() need not read it.
_WRITTEN_PLACE = re.compile(r"^(?!中共|中国共产党|政协)[\u4e00-\u9fff]{2,12}?(?:省|市|县|区|州|旗|盟)")
_CPPCC_PREFIXES = ("中国人民政治协商会议", "政协")
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
    national: tuple[str, ...] = ()  # the ministry's acronym: accepted, never suggested
    shorts: tuple[str, ...] = ()  # other short names (住建, 建设): spelt like the name
    system: str = ""  # court, procuratorate, party, congress, cppcc, mass: a system with its own rules


# The suffix that says what a department is, longest first, and the letter offices write for it. A department
# is a 局 in a county, a 局 or 委 in a city and a 厅 or 委 in a province: any of j, w, t spells the same one.
DEPT_SUFFIXES = (("委员会", "w"), ("办公室", "b"), ("办公厅", "b"), ("管理局", "j"), ("厅", "t"), ("局", "j"),
                 ("委", "w"), ("办", "b"), ("部", "b"))
LEVEL_LETTERS = ("j", "w", "t")
FILLERS = re.compile("[和与及]")


def split_department(words: str) -> tuple[str, str]:
    """人力资源和社会保障厅 → (人力资源和社会保障, 厅); 市场监督管理局 → (市场监督管理, 局)."""
    for suffix, _ in DEPT_SUFFIXES:
        if suffix == "管理局":
            continue
        if words.endswith(suffix) and len(words) > len(suffix) + 1:
            return words[:-len(suffix)], suffix
    return words, ""


def suffix_letter_of(suffix: str) -> str:
    return next((letter for s, letter in DEPT_SUFFIXES if s == suffix), "")


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
    town: str = ""  # for a township: 狮山镇, 东坡傣族乡, 狮山街道
    department: Department | None = None
    ambiguous_place: bool = False
    organ: str = ""  # party (中共…委) or cppcc (政协…): the organ's prefix stands before the place

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
                   d.get("kind", "department"), tuple(d.get("national", ())), tuple(d.get("shorts", ())),
                   d.get("system", ""))
        for d in data["departments"]
    ]
    by_name: dict[str, Department] = {}
    # A department's own name wins over another's alias (林业局 is its own entry, not 林业和草原局's old name).
    for names in ((d.name,) for d in table), ((d.short,) for d in table), (d.aliases for d in table):
        for dept, group in zip(table, names):
            for name in group:
                by_name.setdefault(name, dept)
    return table, by_name, {k: tuple(v) for k, v in data["kind_words"].items()}


@lru_cache(maxsize=1)
def _by_core() -> list[tuple[str, Department]]:
    """The cores of every name and short name of a department (发展和改革, 发展改革, 发改 …), longest first."""
    table = _department_table()[0]
    index: dict[str, Department] = {}
    for attr in ("name", "short", "aliases", "shorts"):
        for dept in table:
            if dept.kind != "department":
                continue
            value = getattr(dept, attr)
            for name in (value,) if isinstance(value, str) else value:
                core = split_department(name)[0]
                for key in (core, FILLERS.sub("", core)):
                    if len(key) >= 2:
                        index.setdefault(key, dept)
    return sorted(index.items(), key=lambda kv: -len(kv[0]))


def department_table() -> list[Department]:
    return list(_department_table()[0])


@lru_cache(maxsize=8192)
def find_department(unit: str) -> Department | None:
    _, by_name, _ = _department_table()
    if unit in by_name:
        return by_name[unit]
    # 县人力资源和社会保障局 written with extra words in front: match the longest known name at the end.
    best = None
    for name, dept in by_name.items():
        if len(name) >= 3 and unit.endswith(name) and (best is None or len(name) > len(best[0])):
            best = (name, dept)
    if best:
        return best[1]
    # 财政厅, 人力资源和社会保障厅, 大数据应用发展管理局, 水利和湖泊局: a department's name at another level or with
    # words added after its core: the longest known core the name starts with.
    core, suffix = split_department(unit)
    if not suffix:
        return None
    plain = FILLERS.sub("", core)
    for key, dept in _by_core():
        if core.startswith(key) or plain.startswith(key):
            return dept
    # 文化广电新闻出版旅游局, 文体广电和旅游局: words put between a known core's (文化…旅游, 文体…旅): a core of
    # three or more characters found in order, from the name's first character to its last word.
    for key, dept in _by_core():
        if len(key) >= 3 and key[0] == plain[0] and key[-1] in plain[-2:] and _in_order(key, plain):
            return dept
    return None


def _in_order(key: str, text: str) -> bool:
    position = 0
    for char in key:
        position = text.find(char, position) + 1
        if not position:
            return False
    return True


def kind_words(kind: str) -> tuple[str, ...]:
    """The words in a unit's name that tell its kind (departments.yaml kind_words)."""
    return _department_table()[2][kind]


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
    if kind in KINDS:  # a kind given only replaces the one read from the name: read the name once for both
        read = _parse_unit(name, None)
        return replace(read, kind=kind) if read.full else read
    return _read_unit(name, kind)


def _read_unit(name: str, kind: str | None) -> UnitName:
    as_given = compact(name)[:MAX_UNIT_CHARS]
    as_given = re.sub(r"[^\w\u4e00-\u9fff()（）·]", "", as_given)
    # 中共武定县委组织部, 政协武定县委员会办公室: the organ's prefix stands before the place.
    organ = ""
    full = as_given
    for prefix in _PARTY_PREFIXES + _CPPCC_PREFIXES:
        if as_given.startswith(prefix) and len(as_given) > len(prefix) + 1:
            organ, full = ("party" if prefix in _PARTY_PREFIXES else "cppcc"), as_given[len(prefix):]
            break
    result = UnitName(raw=name or "", full=full, organ=organ)
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
    result.full = as_given
    result.unit = _organ_unit(result.unit, organ)
    town = _TOWN.match(result.unit) if result.unit and not organ else None
    if town and not find_department(result.unit):
        result.town = town[1] + town[2]
        result.department = None
        result.kind = kind if kind in KINDS else Kind.TOWNSHIP.value
        return result
    result.department = find_department(result.unit) if result.unit not in _PORTAL_UNITS else None
    if not full:
        return result
    result.kind = kind if kind in KINDS else infer_kind(result.unit, result.department)
    if organ and result.kind is None:
        result.kind = Kind.DEPARTMENT.value
    return result


def _organ_unit(unit: str, organ: str) -> str:
    """县委组织部 → 组织部, 县委 → 党委办公室, (政协)委员会办公室 → 政协办公室."""
    if organ == "cppcc":
        return "政协办公室" if unit in ("", "委员会", "委员会办公室", "办公室", "委员会办公厅") else unit
    if organ == "party" or (unit.startswith("委") and find_department(unit[1:])):
        rest = unit[1:] if unit.startswith("委") else unit
        return "党委办公室" if rest in ("", "办公室", "员会", "员会办公室") else rest
    return unit


def town_stem(town: str) -> str:
    """狮山镇 → 狮山, 东坡傣族乡 → 东坡, 狮山街道 → 狮山."""
    match = _TOWN.match(town)
    stem = match[1] if match else town
    return strip_ethnic(stem) if stem.endswith("族") or len(stem) > 3 else stem


def qualify(name: str, region: str) -> str:
    """A name written without a place (教育局, 县融媒体中心, 狮山镇) read as a unit of the office's region:
    武定县教育局, 武定县融媒体中心, 武定县狮山镇. Names with a place are returned as written."""
    text = compact(name)
    if not text or not region or _WRITTEN_PLACE.match(text):
        return text
    unit = parse_unit(text)
    if unit.place_full:
        return text
    place, suffix = home_place(region)
    if not place:
        return text
    organ = next((p for p in _PARTY_PREFIXES + _CPPCC_PREFIXES if text.startswith(p)), "")
    rest = text[len(organ):]
    if suffix and rest.startswith(suffix) and not rest.startswith(place):
        rest = rest[len(suffix):]  # 县融媒体中心 → 武定县融媒体中心
    return organ + place + rest


@lru_cache(maxsize=64)
def home_place(region: str) -> tuple[str, str]:
    """The place `qualify` puts before a name without one in `region` (武定县), and its suffix (县)."""
    home = parse_unit(region) if region else None
    place = (home.place_name or home.place_full) if home else ""
    return place, split_suffix(place)[1] if place else ""


def written_forms(name: str, region: str) -> list[str]:
    """The names without a place that `qualify` reads as `name` in `region` (武定县狮山镇 ← 狮山镇, 武定县融媒体中心 ←
    县融媒体中心, 中共武定县委组织部 ← 中共县委组织部 …): a unit stored as written before the region was known is
    found again under them."""
    place, suffix = home_place(region)
    if not place or place not in name:
        return []
    found = []
    for organ in ("", *_PARTY_PREFIXES, *_CPPCC_PREFIXES):
        if name.startswith(organ + place):
            rest = name[len(organ + place):]
            found += [c for c in (organ + rest, organ + suffix + rest) if c and c != name and qualify(c, region) == name]
    return list(dict.fromkeys(found))


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
