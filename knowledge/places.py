"""China's administrative divisions (county level and up) with the readings of their names.

The table (`data/divisions.tsv`) is generated from a maintained national list by
scripts/build_divisions.py; the readings come from pypinyin corrected by `data/place_readings.yaml`
for the characters and words that place names read differently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from knowledge.resources import load_yaml, read_text

# Longest first: 自治州 before 州, 地区 before 区.
ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区", "新区", "矿区",
                  "省", "市", "县", "区", "州", "旗", "盟")
_SUFFIX_ENDS = frozenset(suffix[-1] for suffix in ADMIN_SUFFIXES)
# Ethnic groups named in autonomous areas (彝族 满族 回族 …), possibly several (黔东南苗族侗族自治州);
# some names drop 族 (巴音郭楞蒙古自治州, 察布查尔锡伯自治县).
ETHNIC_GROUPS = sorted(
    ["蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各"],
    key=len, reverse=True,
)
_WING_BANNER = re.compile(r"^(.)[\u4e00-\u9fff]*?([左右])翼([前中后])旗$")  # 科尔沁右翼中旗 → 科右中旗
_SUFFIX_LETTER = {"省": "s", "市": "s", "县": "x", "区": "q", "州": "z", "旗": "q", "盟": "m", "地区": "dq",
                  "自治州": "z", "自治县": "x", "自治旗": "q", "自治区": "q", "新区": "xq", "林区": "lq", "特区": "tq",
                  "矿区": "kq", "特别行政区": ""}
_SUFFIX_PINYIN = {"省": "sheng", "市": "shi", "县": "xian", "区": "qu", "州": "zhou", "旗": "qi", "盟": "meng",
                  "地区": "diqu", "自治州": "zhou", "自治县": "xian", "自治旗": "qi", "自治区": "qu", "新区": "xinqu",
                  "林区": "linqu", "特区": "tequ", "矿区": "kuangqu", "特别行政区": ""}


def strip_ethnic(stem: str) -> str:
    """'黔东南苗族侗族' -> '黔东南'; never strips the whole stem."""
    changed = True
    while changed:
        changed = False
        for group in ETHNIC_GROUPS:
            for affix in (group + "族", group if len(group) >= 2 else None):
                if affix and stem.endswith(affix) and len(stem) > len(affix) + 1:
                    stem, changed = stem[: -len(affix)], True
                    break
            if changed:
                break
    return stem


def split_suffix(name: str) -> tuple[str, str]:
    """'楚雄彝族自治州' -> ('楚雄', '自治州'): the ethnic affix dropped. The longest suffix that leaves a stem of
    two or more characters wins (碑林区 is 碑林 + 区, not 碑 + 林区); 沛县 gives ('沛', '县')."""
    fallback = (name, "")
    if name[-1:] not in _SUFFIX_ENDS:  # most text read for places ends in no suffix at all
        return fallback
    for suffix in ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治") or stem.endswith("族"):  # 管城回族区 too
                stem = strip_ethnic(stem)
            if suffix == "林区" and len(stem) < 3:
                continue  # 万柏林区 is 万柏林 + 区; only 神农架林区 is a 林区
            if len(stem) >= 2:
                return stem, suffix
            if fallback[1] == "" or len(suffix) < len(fallback[1]):
                fallback = (stem, suffix)
    return fallback


class Readings:
    """Pinyin of place names: place-name readings of characters and words first, then pypinyin."""

    def __init__(self) -> None:
        from pypinyin import Style, lazy_pinyin  # imported when first needed: keeps start-up short

        self._pinyin = lambda text: lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: ["" for _ in chars],
                                                v_to_u=False)
        data = load_yaml("place_readings.yaml")
        self.chars: dict[str, str] = data["chars"]
        self.words: dict[str, list[str]] = {w: r.split() for w, r in data["words"].items()}
        self._longest = max(len(w) for w in self.words)
        self.aliases: dict[str, list[str]] = data["aliases"]
        self.short_names: dict[str, list[str]] = data["short_names"]
        self.generic_prefixes: tuple[str, ...] = tuple(data["generic_prefixes"])
        self.generic_suffixes: tuple[str, ...] = tuple(data["generic_suffixes"])

    @lru_cache(maxsize=65536)
    def syllables(self, text: str) -> tuple[str, ...]:
        """One toneless syllable per Chinese character (ü as v); other characters are dropped."""
        base = self._pinyin(text)
        out = [s.replace("ü", "v").lower() for s in base]
        i = 0
        while i < len(text):
            for size in range(min(self._longest, len(text) - i), 1, -1):
                reading = self.words.get(text[i:i + size])
                if reading:
                    out[i:i + size] = reading
                    i += size
                    break
            else:
                if text[i] in self.chars:
                    out[i] = self.chars[text[i]]
                i += 1
        return tuple(s for s in out if s)


@lru_cache(maxsize=1)
def readings() -> Readings:
    return Readings()


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # full name as in the table: 楚雄彝族自治州

    @cached_property
    def stem(self) -> str:
        return split_suffix(self.name)[0]

    @cached_property
    def suffix(self) -> str:
        return split_suffix(self.name)[1]

    @property
    def short(self) -> str:
        """The name offices write in a domain: the stem, or the whole name when the stem is one character."""
        return self.stem if len(self.stem) > 1 else self.stem + self.suffix

    @property
    def level(self) -> str:
        if self.code.endswith("0000"):
            return "province"
        if self.code.endswith("00"):
            return "prefecture"
        return "county"

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self) -> str:
        return self.code[:4] + "00"


class Divisions:
    def __init__(self) -> None:
        self.by_code: dict[str, Place] = {}
        for line in read_text("divisions.tsv").splitlines():
            if not line or line.startswith("#"):
                continue
            code, name = line.split("\t")[:2]
            if code.startswith("99"):
                continue
            if code[2:] == "0100" and code[:2] + "0000" in self.by_code and self.by_code[code[:2] + "0000"].name == name:
                continue  # 北京市 listed again as its own city
            self.by_code[code] = Place(code, name)
        self.by_name: dict[str, list[Place]] = {}
        self.by_stem: dict[str, list[Place]] = {}
        for place in self.by_code.values():
            self.by_name.setdefault(place.name, []).append(place)
            self.by_stem.setdefault(place.stem, []).append(place)
        self.max_name_len = max(len(n) for n in self.by_name)

    def enclosing(self, place: Place) -> list[Place]:
        """Province then prefecture that contain `place` (those that exist in the table)."""
        out = []
        for code in (place.province_code, place.prefecture_code):
            parent = self.by_code.get(code)
            if parent and parent.code != place.code and parent.name != place.name and parent not in out:
                out.append(parent)
        return out

    def find(self, name: str) -> list[Place]:
        """Places called `name` (full name, or stem plus a usual suffix such as 楚雄州 for 楚雄彝族自治州)."""
        exact = self.by_name.get(name)
        if exact:
            return exact
        stem, suffix = split_suffix(name)
        if not suffix:
            return []
        same_stem = self.by_stem.get(stem, ())
        found = [p for p in same_stem if p.suffix.endswith(suffix) or suffix.endswith(p.suffix[-1:])]
        if not found and suffix in ("县", "市", "区") and len(stem) >= 2:
            # Counties keep being turned into cities or districts (禄丰县 → 禄丰市): old names still in use.
            found = [p for p in same_stem if p.level == "county" and p.suffix in ("县", "市", "区")]
        return found

    def same_reading(self, place: Place) -> list[Place]:
        """Other places whose short name reads the same (铅山 and 盐山 → yanshan)."""
        key = "".join(readings().syllables(place.short))
        return [p for p in self._by_reading().get(key, ()) if p.code != place.code and p.name != place.name]

    @lru_cache(maxsize=1)
    def _by_reading(self) -> dict[str, list[Place]]:
        index: dict[str, list[Place]] = {}
        for place in self.by_code.values():
            index.setdefault("".join(readings().syllables(place.short)), []).append(place)
        return index


@lru_cache(maxsize=1)
def divisions() -> Divisions:
    return Divisions()


def suffix_letter(suffix: str) -> str:
    return _SUFFIX_LETTER.get(suffix, "")


def suffix_pinyin(suffix: str) -> str:
    return _SUFFIX_PINYIN.get(suffix, "")


def short_forms(name: str) -> list[str]:
    """Official short forms of a long name: 科尔沁右翼中旗 → 科右中旗, and the table of others."""
    out = list(readings().short_names.get(name, ()))
    wing = _WING_BANNER.match(name)
    if wing:
        out.append(f"{wing.group(1)}{wing.group(2)}{wing.group(3)}旗")
    return out
