"""Compliant domains for a unit: how a place or department may be spelt in a label, and suggestions."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import idna

from knowledge.places import Place, divisions, readings, short_forms, split_suffix, suffix_letter, suffix_pinyin
from knowledge.policy import PLAN_DOC
from knowledge.units import (
    FILLERS,
    KIND_LABELS,
    LEVEL_LETTERS,
    Department,
    UnitName,
    parse_unit,
    split_department,
    suffix_letter_of,
    town_stem,
)

GUIDE_DOC = "《政府网站发展指引》"
_TOWN_LETTERS = {"镇": "z", "乡": "x", "街道": "jd", "街道办事处": "jd"}

GOV = "gov.cn"
ZHENGWU = "政务"
_TWO_LETTER_INITIALS = ("zh", "ch", "sh")


def initials(syllables: tuple[str, ...], keep_two: bool = False, er_as_r: bool = False) -> str:
    """ping an → pa; with keep_two, zh/ch/sh stay two letters as many offices write them (房山 fsh); with
    er_as_r, 尔 gives r as in transliterated names (齐齐哈尔 qqhr, 布尔津 brj)."""
    out = []
    for s in syllables:
        if er_as_r and s == "er":
            out.append("r")
        else:
            out.append(s[:2] if keep_two and s[:2] in _TWO_LETTER_INITIALS else s[:1])
    return "".join(out)


def plain_pinyin(text: str) -> tuple[str, ...]:
    """General-purpose readings (department names): pypinyin, imported on first use."""
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def _variants(text: str) -> set[str]:
    """ü is written v; lue/nue spellings are accepted too."""
    return {text, text.replace("lve", "lue").replace("nve", "nue")}


def name_spellings(name: str) -> list[str]:
    """Ways a place name is spelt in a label, most usual first: hedong, hedongqu, hd, hdq, …"""
    return list(_name_spellings(name))


@lru_cache(maxsize=8192)  # a registry's units share a few thousand places at most
def _name_spellings(name: str) -> tuple[str, ...]:
    r = readings()
    stem, suffix = split_suffix(name)
    syl = r.syllables(stem)
    if not syl:
        return []
    full = "".join(syl)
    suf_py, suf_letter = suffix_pinyin(suffix), suffix_letter(suffix)
    out: list[str] = []
    if len(stem) > 1:
        out += [full]
    if suf_py:
        out += [full + suf_py]
    ini, ini_two, ini_r = initials(syl), initials(syl, keep_two=True), initials(syl, er_as_r=True)
    if len(syl) > 1:
        out += [ini, ini_two, ini_r]
    letters = [suf_letter] if suf_letter else []
    if suffix in ("区", "市") and len(stem) > 1:
        letters.append("x")  # many districts and cities were counties and keep their old domain (广丰县 gfx)
        out.append(full + "xian")
    for letter in letters:
        out += [ini + letter, ini_two + letter]
    for alias in r.aliases.get(stem, ()):
        out.append(alias)
    for short in short_forms(name):
        short_syl = r.syllables(short)
        out += ["".join(short_syl), initials(short_syl), initials(short_syl, keep_two=True)]
    seen: dict[str, None] = {}
    for form in out:
        for v in sorted(_variants(form)):
            if len(v) >= 2:
                seen.setdefault(v, None)
    return tuple(seen)


@dataclass(frozen=True)
class PlaceSpelling:
    """Everything a portal label may be made of: [prefix] core [suffix]."""
    cores: frozenset[str]
    prefixes: frozenset[str]
    suffixes: frozenset[str]

    def matches(self, label: str) -> bool:
        label = label.replace("-", "").lower()
        for core in self.cores:
            start = label.find(core)
            while start != -1:
                if label[:start] in self.prefixes and label[start + len(core):] in self.suffixes:
                    return True
                start = label.find(core, start + 1)
        return False


@lru_cache(maxsize=4096)
def _spelling(place_name: str, region_names: tuple[str, ...]) -> PlaceSpelling:
    r = readings()
    cores = set(name_spellings(place_name))
    regional = set()
    for region in region_names:
        regional.update(name_spellings(region))
    prefixes = {""} | set(r.generic_prefixes) | regional
    prefixes |= {a + b for a in regional for b in regional if a != b}
    prefixes |= {g + a for g in r.generic_prefixes for a in regional}
    stem, suffix = split_suffix(place_name)
    suffixes = {"", *r.generic_suffixes, *regional}
    letter = suffix_letter(suffix)
    if letter:
        suffixes |= {letter + g for g in r.generic_suffixes}
    return PlaceSpelling(frozenset(cores), frozenset(prefixes), frozenset(suffixes))


@lru_cache(maxsize=1)
def _place_labels() -> frozenset[str]:
    """Every division's usual portal spellings (full pinyin, initials, with the suffix's letter or pinyin, known
    romanisations): to tell another region's portal from a label that spells no place at all."""
    r = readings()
    out: set[str] = set()
    for place in divisions().by_code.values():
        stem, suffix = split_suffix(place.name)
        syl = r.syllables(stem)
        if not syl:
            continue
        full, ini = "".join(syl), initials(syl)
        out |= {full, full + suffix_pinyin(suffix), ini + suffix_letter(suffix), *r.aliases.get(stem, ())}
        if len(syl) > 1:
            out.add(ini)
    return frozenset(label for label in out if len(label) >= 2)


def another_places_label(label: str) -> bool:
    """The label spells some division (www.<label>.gov.cn is a portal), alone or after a region's spelling
    (tjhdq, jxyanshan) or with the usual 政府/city words around it."""
    known = _place_labels()
    label = label.replace("-", "").lower()
    if label in known:
        return True
    r = readings()
    for affix in (*r.generic_prefixes, *r.generic_suffixes):
        if label.startswith(affix) and label[len(affix):] in known or label.endswith(affix) and label[:-len(affix)] in known:
            return True
    return any(label[:i] in known and label[i:] in known for i in range(2, len(label) - 1))


def place_spelling(unit: UnitName) -> PlaceSpelling:
    regions = tuple(p.name for p in unit.regions) or tuple(unit.region_names)
    return _spelling(unit.place_full, regions)


# Words a department's name may drop in its short forms (民族宗教事务 → 民族宗教, 数据资源管理 → 数据资源).
_TAILS = ("管理", "事务", "工作", "发展")
_LETTER_PINYIN = {"j": "ju", "w": "wei", "t": "ting", "b": "ban"}


def _cores(words: str) -> list[str]:
    """The Chinese cores a department's name is spelt from, most usual first: 人力资源和社会保障局 → 人社 (the
    first characters of the parts joined by 和), 人力资源社会保障, 人力资源和社会保障, 人力资源 (the first part);
    卫生健康 → 卫健 (the first character of each two-character word)."""
    core, _ = split_department(words)
    plain = FILLERS.sub("", core)
    parts = [p for p in FILLERS.split(core) if p]
    out = []
    if len(parts) > 1:
        out.append("".join(p[0] for p in parts))
    elif len(plain) in (4, 6) and not plain.endswith(_TAILS):
        out.append(plain[::2])
    out += [plain, core]
    trimmed = plain
    while trimmed.endswith(_TAILS) and len(trimmed) > 3:
        trimmed = trimmed[:-2]
        out.append(trimmed)
    if len(parts) > 1:
        out.append(parts[0])
    return [c for c in dict.fromkeys(out) if c]


def _letters(words: str) -> tuple[str, ...]:
    """The suffix letters a name may carry: its own (局 j), and for a 局/委/厅 the others too (a department is a
    局 in a county and a 厅 in a province)."""
    letter = suffix_letter_of(split_department(words)[1])
    if letter in LEVEL_LETTERS:
        return LEVEL_LETTERS
    return (letter,) if letter else ()


def _spell(core: str, letters: tuple[str, ...]) -> list[str]:
    """全拼, initials (zh/ch/sh as one letter or two), each without or with the suffix letter."""
    syl = plain_pinyin(core)
    if not syl:
        return []
    ini, ini_two, full = initials(syl), initials(syl, keep_two=True), "".join(syl)
    out = [ini + letter for letter in letters] + [ini, full] + [ini_two + letter for letter in letters] + [ini_two]
    out += [full + _LETTER_PINYIN[letter] for letter in letters if letter in _LETTER_PINYIN]  # shangwuju
    return [form for form in out if len(form) >= 2]


def department_spellings(unit: UnitName) -> frozenset[str]:
    """Labels that spell the department: every spelling of its name and its short names, the table's
    abbreviations and English acronyms (the ministries' own too: accepted, never suggested)."""
    return _department_spellings(unit.unit, unit.department)


@lru_cache(maxsize=8192)
def _department_spellings(unit_words: str, dept: Department | None) -> frozenset[str]:
    out: set[str] = set(_department_labels(unit_words, dept))
    if dept:
        out.update(dept.abbr)
        out.update(dept.english)
        out.update(dept.national)
        for name in (dept.name, dept.short, *dept.aliases, *dept.shorts):
            letters = _letters(name) or _letters(unit_words)
            for core in _cores(name):
                out.update(_spell(core, letters))
    return frozenset(s.lower() for s in out if s)


def department_matches(unit: UnitName, label: str) -> bool:
    """The label spells the department, alone or after a place prefix (hbdrc, jswater, zjamr, gdga: the
    province's or city's initials or pinyin in front)."""
    label = label.replace("-", "").lower()
    spellings = department_spellings(unit)
    if label in spellings:
        return True
    prefixes = _place_prefixes(unit.place_full, tuple(p.name for p in unit.regions) or tuple(unit.region_names))
    return any(label[:i] in prefixes and label[i:] in spellings for i in range(1, len(label) - 1))


@lru_cache(maxsize=4096)
def _place_prefixes(place_full: str, regions: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for name in (place_full, *regions):
        if name:
            out.update(name_spellings(name))
    own = suffix_letter(split_suffix(place_full)[1]) if place_full else ""
    if own:
        out.add(own)  # smzt.gd.gov.cn: 省民政厅, the level's letter in front
    return frozenset(out)


@lru_cache(maxsize=8192)
def _department_labels(unit_words: str, dept: Department | None) -> tuple[str, ...]:
    """The labels to suggest, in the order a clerk expects: the table's usual abbreviation written with the
    unit's own suffix (发改局 fgj, 人社厅 rst), the table's other abbreviations, the initials of the unit's own
    short names, then English words in common use. Never a ministry's acronym."""
    own = _letters(unit_words)
    letter = suffix_letter_of(split_department(unit_words)[1])
    out: list[str] = []
    if dept:
        table_letter = suffix_letter_of(split_department(dept.name)[1])
        for abbr in dept.abbr:
            if letter and table_letter in LEVEL_LETTERS and letter in LEVEL_LETTERS and abbr.endswith(table_letter):
                abbr = abbr[:-1] + letter  # 发展和改革委员会 fgw → 发展和改革局 fgj, 人社局 rsj → 人社厅 rst
            out.append(abbr)
    mine = (letter,) if letter else own
    whole = split_department(unit_words)[0]
    for core in dict.fromkeys((FILLERS.sub("", whole), whole)):  # the whole name's initials; contractions: the table's
        syl = plain_pinyin(core)
        if syl:
            out += [initials(syl) + x for x in mine] or [initials(syl)]
    if dept:
        out += [e for e in dept.english if e not in dept.national]
    return tuple(label for label in dict.fromkeys(out) if len(label) >= 2)


def department_label(unit: UnitName) -> str:
    labels = _department_labels(unit.unit, unit.department)
    return labels[0] if labels else ""


def town_labels(unit: UnitName) -> list[str]:
    """○○○ for a town: ssz (initials and the suffix's letter), shishan, ss, shishanzhen."""
    stem = town_stem(unit.town)
    syl = readings().syllables(stem)  # a town's name reads as a place name: 都亭 dū, not dōu
    if not syl:
        return []
    suffix = unit.town[len(stem):] if unit.town.startswith(stem) else ""
    suffix = next((s for s in sorted(_TOWN_LETTERS, key=len, reverse=True) if suffix.endswith(s)), "")
    letter = _TOWN_LETTERS.get(suffix, "")
    ini, full = initials(syl), "".join(syl)
    suffix_py = "".join(plain_pinyin(suffix)) if suffix else ""
    labels = [ini + letter, full, full + suffix_py, ini]
    return [label for label in dict.fromkeys(labels) if len(label) >= 2]


def chinese_names(unit: UnitName) -> list[str]:
    """The full name of the unit and its normalised short names, as △△△ of △△△.政务, best first:
    武定县人力资源和社会保障局, 武定县人社局; also without the enclosing regions or the 县/市 of the place
    (武定人社局). Only the unit's own names: 发改局 never gets 发改委, 住建局 never 住房和城乡建设委员会, and a party
    organ keeps its 县委 (利川市委组织部, not 利川市组织部)."""
    place = unit.place_name or ""
    stem = split_suffix(unit.place_full)[0] if place else ""
    names = [unit.full]
    if unit.kind == "portal" and place:
        units = ["政府", "人民政府"]
    elif unit.department and place:
        units = [unit.unit, *_own_short_names(unit.unit, unit.department)]
    else:
        units = [unit.unit]
    if unit.organ == "party" and place:
        prefixes = [place + "委"]
    elif unit.organ == "cppcc" and place:
        prefixes = [place + "政协", stem + "政协"] if not units[0].startswith("政协") else [place, stem]
    else:
        prefixes = [place, stem]
    for prefix in dict.fromkeys(p for p in prefixes if p):
        names += [prefix + u for u in units if u]
    seen: dict[str, None] = {}
    for name in names:
        if name and punycode(name):  # a name too long for one DNS label (63 ASCII characters) cannot be used
            seen.setdefault(name, None)
    return list(seen)


def _own_short_names(words: str, dept: Department) -> list[str]:
    """The table's names for the same department written with the unit's own suffix (发改委 → 发改局 for a 局):
    only when the unit is that department (林业和园林局 is not 林业局, 水利和湖泊局 not 水利局)."""
    def plain(name: str) -> str:
        return FILLERS.sub("", split_department(name)[0])

    suffix = split_department(words)[1]
    canonical = {plain(dept.name), plain(dept.short)}
    if plain(words) not in canonical:
        return []
    out = []
    for name in (dept.short, dept.name, *dept.aliases):
        if plain(name) not in canonical:
            continue
        name_core, name_suffix = split_department(name)
        swap = suffix and name_suffix and suffix_letter_of(name_suffix) != suffix_letter_of(suffix)
        # 住房和城乡建设局 → 住房和城乡建设委员会 for a 住建委; the short forms take 委 (住建委, 发展改革委)
        own = "委员会" if suffix == "委" and name == dept.name else suffix
        out.append(name_core + own if swap else name)
    return [n for n in dict.fromkeys(out) if n != words]


@lru_cache(maxsize=8192)
def punycode(domain: str) -> str:
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return ""


@dataclass
class Suggestion:
    unit: str
    kind: str | None
    place: str
    english: list[str] = field(default_factory=list)
    chinese: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    needs_kind: bool = False
    system: str = ""  # the unit's own system (SYSTEMS): its site is not a government website
    pool: list[str] = field(default_factory=list, repr=False)  # every English domain the model offers, best first

    def to_json(self) -> dict:
        out = {
            "unit": self.unit, "kind": self.kind, "place": self.place, "english": self.english,
            "chinese": self.chinese, "chinese_ascii": [punycode(c) for c in self.chinese], "notes": self.notes,
        }
        if self.system:
            out["system"] = self.system
        return out


def _portal_domains(unit: UnitName) -> list[str]:
    """The portal names of the unit's place (a registry's units share a few thousand places: cached per place)."""
    return list(_place_portal_domains(unit.place_full, unit.place, unit.ambiguous_place, tuple(unit.regions)))


@lru_cache(maxsize=8192)
def _place_portal_domains(place_full: str, place: Place | None, ambiguous: bool,
                          regions: tuple[Place, ...]) -> tuple[str, ...]:
    stem, suffix = split_suffix(place_full)
    spellings = name_spellings(place_full)
    if not spellings:
        return ()
    syl = readings().syllables(stem)
    labels = [spellings[0]]
    with_suffix = "".join(syl) + suffix_pinyin(suffix)
    if with_suffix and with_suffix not in labels and syl:
        labels.append(with_suffix)
    if place and place.level == "county" and any(split_suffix(r.name)[0] == stem for r in regions):
        # 大理市 in 大理州, 恩施市 in 恩施州: the bare name is the prefecture's portal; the city's own comes first.
        labels = [label for label in labels if label != spellings[0]]
    if place and divisions().same_reading(place) or ambiguous:
        for region in regions[:1]:
            labels.append(initials(readings().syllables(split_suffix(region.name)[0])) + spellings[0])
    two_letter = {initials(syl, keep_two=True)} - {initials(syl)}  # lch for 利川: accepted, not offered
    more = [s for s in spellings[1:5] if len(s) >= 3 and s not in two_letter and not s.startswith(tuple(two_letter))]
    if suffix == "市":
        more = [s for s in more if not s.endswith(("xian", "x"))]  # a 市 is not a 县 (dalixian)
    labels += more
    return tuple(f"www.{label}.{GOV}" for label in dict.fromkeys(labels))


# Courts, procuratorates, party organs, 人大 and 政协 are not 政府网站: their sites follow their own systems' rules
# (the court system's and procuratorate system's unified domains; the party committee's, congress's and CPPCC's
# own arrangements). The bot names the system and demands no government-department domain of them (README).
SYSTEMS = {
    "court": ("人民法院网站", "人民法院网站不属于政府网站：域名按人民法院系统的统一规定办理，不适用政府部门网站“○○○.□□□.gov.cn”的要求"),
    "procuratorate": ("人民检察院网站", "人民检察院网站不属于政府网站：域名按检察机关系统的统一规定办理，不适用政府部门网站“○○○.□□□.gov.cn”的要求"),
    "party": ("党委部门网站", "党委部门网站不属于政府网站：域名按党委系统的规定办理（由同级党委办公室统筹），不适用政府部门网站的要求"),
    "congress": ("人大网站", "人大网站不属于政府网站：域名按人大系统的规定办理，不适用政府部门网站的要求"),
    "cppcc": ("政协网站", "政协网站不属于政府网站：域名按政协系统的规定办理，不适用政府部门网站的要求"),
}


_JUDICIAL = ("court", "procuratorate")  # their systems hold their domains: nothing under the county portal


def own_system(unit: UnitName) -> str:
    """court, procuratorate, party, congress or cppcc when the unit's site follows its own system's rules."""
    dept = unit.department
    return dept.system if dept and dept.system in SYSTEMS and unit.kind == "department" else ""


# Said in chat and on the command line alike: no option names or kind codes (the CLI adds its own hint).
NOTE_NEEDS_KIND = "无法从名称判断是否承担行政职能，请指明单位类型（承担行政职能的事业单位 或 不承担行政职能的事业单位）"
NOTE_NO_PARENT = "缺少上级门户网站域名，请写出含所在县市的单位全称，例如“武定县狮山镇人民政府”"
NOTE_NO_PLACE = "没有从名称中识别出地名，请写出完整名称，例如“武定县人力资源和社会保障局”"
# Notes whose example is written for the seed's county: shown in the deployment's places (knowledge.examples).
EXAMPLE_NOTES = frozenset({NOTE_NO_PARENT, NOTE_NO_PLACE})


def suggest(name: str, kind: str | None = None, parent: str | None = None, known_portal: str | None = None,
            chinese: bool = True, taken: frozenset[str] = frozenset()) -> Suggestion:
    """Compliant domains for a unit. `parent` is the portal domain to sit under; `known_portal` the one the
    registry has for the unit's place. chinese=False leaves the Chinese names out (a check of an English
    domain needs only English ones; proving each Chinese name fits in one DNS label is the dearest part).
    `taken`: ASCII domains another unit holds in the registry; never suggested."""
    from knowledge.domains import parse_domain

    unit = parse_unit(name, kind)
    result = Suggestion(unit=unit.full, kind=unit.kind, place=unit.place_full)
    if not unit.full:
        result.notes.append("单位名称为空")
        return result
    if not unit.place_full:
        result.notes.append(NOTE_NO_PLACE)
    if unit.kind is None:
        result.needs_kind = True
        result.notes.append(NOTE_NEEDS_KIND)
        return result
    portal_domains = _portal_domains(unit) if unit.place_full else []
    parent_host = ""
    if parent:
        parsed = parse_domain(parent)
        parent_host = parsed.ascii if parsed.valid else ""
    parent_host = parent_host or known_portal or (portal_domains[0] if portal_domains else "")
    portal_base = parent_host[4:] if parent_host.startswith("www.") else parent_host
    if unit.kind == "portal":
        result.pool = portal_domains
        result.english = [d for d in portal_domains if d not in taken][:5]
    elif unit.kind == "township":
        if portal_base:
            labels = town_labels(unit)
            result.english = ([f"{parent_host}/{labels[0]}/"] if labels else []) + [
                f"{label}.{portal_base}" for label in labels[:2]]
        result.notes.append(f"乡镇（街道）不单独申请域名：网页作为县级政府门户网站的栏目开设（{GUIDE_DOC}）；"
                            "确需保留独立网站的，使用门户网站的下级域名")
    elif own_system(unit) in _JUDICIAL:
        result.system = own_system(unit)
        result.notes.append(SYSTEMS[result.system][1])
    elif unit.kind in ("department", "institution_admin") and portal_base:
        result.pool = [f"{label}.{portal_base}" for label in _department_labels(unit.unit, unit.department)]
        result.english = [d for d in result.pool if d not in taken][:3]
        if own_system(unit):  # a party organ, 人大, 政协: the portal's sub-domain is on offer, not demanded
            result.system = own_system(unit)
            result.notes.append(SYSTEMS[result.system][1] + "；如使用本级门户网站的下级域名，可参照上面的写法")
    elif unit.kind == "institution_other":
        result.notes.append(f"不承担行政职能的事业单位原则上不得使用 .gov.cn 英文域名（{PLAN_DOC} 二（三））")
    elif unit.kind == "system" and parent_host:
        path = department_label(unit) or "xt"
        result.english = [f"{parent_host}/{path}/"]
        result.notes.append(f"业务系统、办事平台、栏目使用所属网站域名下的路径，不单独作为网站（{PLAN_DOC} 二（五））")
    if chinese and unit.kind in ("portal", "department", "institution_admin", "township"):
        # A long name (双江拉祜族佤族布朗族傣族自治县…) can exceed 63 octets as punycode: not a usable label.
        result.chinese = [f"{n}.{ZHENGWU}" for n in chinese_names(unit)
                          if punycode(f"{n}.{ZHENGWU}") and punycode(f"{n}.{ZHENGWU}") not in taken]
    if unit.place and unit.kind == "portal":
        for other in divisions().same_reading(unit.place)[:5]:
            where = "".join(p.name for p in divisions().enclosing(other))
            result.notes.append(f"与{where}{other.name}拼音相同，可加地区前缀区分")
    if unit.ambiguous_place:
        result.notes.append(f"全国有多个“{unit.place_name}”，请写上所属省市以便区分")
    if unit.kind in KIND_LABELS and not result.english and unit.kind != "institution_other" and not portal_base \
            and not result.system:
        result.notes.append(NOTE_NO_PARENT)
    return result
