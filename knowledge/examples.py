"""Examples and level words in help texts, written once for the seed's county (武定县 in 楚雄州, 云南省) and shown
in the deployment's own places: in a 利川市 deployment “/suggest 武定县人力资源和社会保障局” reads
“/suggest 利川市人力资源和社会保障局”, “县政府办 → 州政府办” reads “利川市政府办 → 恩施州政府办”.

Only for the bot's own wording (examples, usage lines, help): quotes of the policy documents and their citations
(楚政办函〔2019〕8号) are never passed through here. Pure."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from knowledge.offices import OfficeLevel, region_chain

MODEL_REGION = "云南省楚雄彝族自治州武定县"  # the place the examples in code are written for
MODEL_TOWN, ANY_TOWN = "狮山镇", "××镇"  # 武定县's town in the examples; the table knows no towns of other places
_DOMAIN_WORD = re.compile(r"(?<![A-Za-z0-9-])(wuding|wd)(?=[a-z0-9-]*\.[a-z])")  # wuding.gov.cn, czxt.wdczj.com
_GENERIC = "(?<![各全本两])"  # 县政府办 as one office, not 各县政府办 (every county's)


@dataclass(frozen=True)
class RegionWords:
    """The deployment's places at the model's three levels (own, the level above, the province) and its portal
    label; a deployment with fewer levels repeats the highest (东城区 → 北京市, 北京市)."""
    own: OfficeLevel
    upper: OfficeLevel
    province: OfficeLevel

    @property
    def full(self) -> str:
        """湖北省恩施土家族苗族自治州利川市, 北京市东城区: the region written out as /region takes it."""
        names = [self.province.place.name, self.upper.place.name, self.own.place.name]
        return "".join(dict.fromkeys(names))

    @property
    def label(self) -> str:
        """The portal's own label (lichuan for 利川市): the first domain the naming model suggests."""
        from knowledge.naming import suggest

        english = suggest(self.own.place.name + "人民政府").english
        return english[0].split(".")[1] if english and english[0].startswith("www.") else ""

    @property
    def initials(self) -> str:
        """lc for 利川: business-system domains are often the initials (wdczj.com for 武定财政局)."""
        from knowledge.naming import initials
        from knowledge.places import readings

        return initials(readings().syllables(self.own.place.stem))


def region_words(region: str) -> RegionWords | None:
    """The deployment's places, or None when `region` names no place."""
    chain = region_chain(region)
    if not chain:
        return None
    return RegionWords(chain[0], chain[1] if len(chain) > 1 else chain[0], chain[-1])


@lru_cache(maxsize=1)
def _model() -> RegionWords:
    words = region_words(MODEL_REGION)
    assert words is not None
    return words


@lru_cache(maxsize=64)
def _rewriting(region: str) -> tuple[re.Pattern, dict[str, str], dict[str, str]] | None:
    """The model's words that differ in `region`, as one pattern (longest first) and what each becomes."""
    words = region_words(region)
    model = _model()
    if words is None or words == model:
        return None

    def office(level: OfficeLevel) -> str:  # 州政府办公室 → 恩施州政府办公室, 湖北省政府办公厅
        return level.short + ("政府办公厅" if level.level == "province" else "政府办公室")

    pairs = {
        model.full: words.full,
        model.upper.place.name: words.upper.place.name,  # 楚雄彝族自治州
        model.upper.short: words.upper.short,  # 楚雄州
        model.province.place.name: words.province.place.name,  # 云南省
        model.own.place.name: words.own.place.name,  # 武定县
        MODEL_TOWN: ANY_TOWN,
    }
    generic = {
        "州政府办公室": office(words.upper),
        "州政府办": words.upper.spoken,
        "县政府办公室": office(words.own),
        "县政府办": words.own.spoken,
    }
    if words.upper == model.upper:  # 禄丰市 in 楚雄州: the level above is the same; its words stay as written
        generic = {k: v for k, v in generic.items() if k.startswith("县")}
    pairs = {k: v for k, v in pairs.items() if k != v}  # 禄丰市 keeps the seed's 楚雄州 and 云南省
    alternatives = sorted(pairs, key=len, reverse=True) + [_GENERIC + re.escape(k) for k in
                                                           sorted(generic, key=len, reverse=True)]
    pattern = re.compile("|".join(re.escape(k) if k in pairs else k for k in alternatives))
    domains = {"wuding": words.label or "wuding", "wd": words.initials or "wd"}
    return pattern, {**pairs, **generic}, domains


def localize(text: str, region: str) -> str:
    """`text` with the model region's places, offices and domain examples replaced by `region`'s. Unchanged for
    the model region itself, or when `region` names no place."""
    rewriting = _rewriting((region or "").strip()) if text else None
    if rewriting is None:
        return text
    pattern, words, domains = rewriting
    text = pattern.sub(lambda m: words[m.group(0)], text)
    return _DOMAIN_WORD.sub(lambda m: domains[m.group(1)], text)


def note_text(note: str, region: str) -> str:
    """A naming note as shown: its example in `region`'s places when it is one of the notes written with the
    seed's example (knowledge.naming.EXAMPLE_NOTES), never a note that names the asker's own unit or place."""
    from knowledge.naming import EXAMPLE_NOTES

    return localize(note, region) if note in EXAMPLE_NOTES else note
