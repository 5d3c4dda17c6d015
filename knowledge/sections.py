"""The plan's section tree and a question's reference to it.

A question names a part of the plan by its heading (落实管理责任这部分说了什么, 注册注销流程第三条讲的啥,
事业单位网站怎么规定的) or by its number in any notation: 四（二）, 四(二), 第四部分第二条, 五的第三条, 4.2,
第一部分. The answer is that part's facts in order, under its number and heading; a question that quotes a
heading and asks where it is (“注销备案信息”是哪一条) gets the number too.

Sub-headings are read from the clauses themselves (a clause text that opens with a short heading sentence,
"落实管理责任。…"); the five parts of the plan are named in policy.yaml `sections`."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.policy import Clause

PARTS = {"前言": "前言", "开头": "前言", "指导思想": "一", "清理范围及标准": "二", "清理范围": "二", "注册、注销流程": "三", "注册注销流程": "三",
         "注册和注销流程": "三", "方法步骤": "四", "有关要求": "五"}
_NUMERALS = "一二三四五六七八九"
_N = r"[一二三四五六七八九1-9]"
_ORDINAL = re.compile(rf"第({_N})(?:条|点|项|步|部分|款|小节)?|[（(]({_N})[）)]")
_CONTENT = re.compile(r"(说|讲|写|规定|提)(了|的|些)?(啥|什么|哪些|哪几)|什么内容|内容|怎么(说|写|规定|要求)|咋(说|写|规定)|讲的是|说的是|讲啥|说啥|写啥|"
                      r"(哪|几)(几)?个方面|哪几条|哪几点|关于什么|是关于|"
                      r"有(哪些|什么|啥|哪几项|哪几条)(要求|规定|内容)|(要求|规定)(了)?(是|有)?(哪些|什么|啥)|(要求|规定)(了)?些(啥|什么)|包括(哪些|什么|啥)")
_PART_ASKED = re.compile(r"哪几|几个方面|几点|几条|哪些方面|这部分|那部分|部分")
_SECTION_WORDS = re.compile(r"这部分|这一部分|这条|这一条|那条|那一条|这一步|这节|这一节|部分|一条|这块")
# 四（二）, 四(二), 四、（二）
_SUB_NOTATION = re.compile(rf"(?<![\d.．])([一二三四五1-5])\s*、?\s*[（(]\s*({_N})\s*[）)]")  # 4(3) too
# 第四部分第二条, 第四部分的第（二）条, 四的第二条, 第四部分（二）
_PART_ITEM = re.compile(rf"(?:第([一二三四五1-5])(?:部分|大部分|大点|大项|大条|章|节)|(?<![第\d])([一二三四五])(?:部分)?)(?:的|里头的?|里面的?|里边的?|中的?|里的?)?\s*(?:第\s*[（(]?({_N})[）)]?\s*(?:条|点|项|款|小点)|[（(]({_N})[）)])")
# 4.2, 4．2 (not part of a date, a version or an address)
# 二之（五）, 三里的第一条, 五下面的(3): the part, a joining word, then the item
_PART_OF_ITEM = re.compile(rf"(?<![第\d十届])([一二三四五1-5])(?:部分)?\s*(?:之|中的|里的|里面的?|里头的?|下的|下面的|当中的)\s*第?\s*[（(]?\s*({_N})\s*[）)]?")
_DOTTED = re.compile(r"(?<![\d.．])([1-5一二三四五])\s*[.．]\s*([1-6一二三四五六])(?![\d.．])")
_PREFACE = re.compile(r"前言|开头(部分|那段|一段)?|引言|导语")
_TITLE = re.compile(r"标题|叫什么|叫啥|名称是|题目|小标题|题名")
_RANGE = re.compile(rf"(?<![\d.．])([一二三四五1-5])\s*、?\s*[（(]\s*({_N})\s*[）)]\s*(?:到|至|-|~|～|—)+\s*(?:[一二三四五1-5]\s*、?\s*)?[（(]?\s*({_N})\s*[）)]?"
                    # 第四部分第一到第三条, 四的（一）到（三）
                    rf"|第?([一二三四五1-5])(?:部分|大部分|大点)?的?\s*第?[（(]?({_N})[）)]?(?:条|点|项|步)?\s*(?:到|至|~|～|—)+\s*第?[（(]?({_N})(?=\s*[）)条点项步])[）)]?\s*(?:条|点|项|步)?")
_PART_ONLY = re.compile(r"第([一二三四五1-5])(?:部分|大部分|大点|大项|章)|(?<![\u4e00-\u9fff\d])([一二三四五])、")
_WHERE = re.compile(r"哪一?条|第几条|哪一?部分|哪一?节|哪一?款|在哪|出自|哪儿")
_QUOTED = re.compile(r"[“\"「『'‘]([^”\"」』'’]{2,20})[”\"」』'’]")
MAX_HEADING = 12


@dataclass(frozen=True)
class SectionRef:
    section: str  # 四（二）, or a part: 四
    where: bool = False  # the question asks which section a heading is, not only what it says
    explicit: bool = False  # named by its number (四（二）, 4.2), not by its heading


def heading(clause: Clause) -> str:
    """The heading a clause text opens with ("落实管理责任。…" -> 落实管理责任), or ''."""
    first, dot, _ = clause.text.partition("。")
    if dot and len(first) <= MAX_HEADING and "，" not in first and "：" not in first:
        return first
    return ""


def _numeral(raw: str) -> str:
    return _NUMERALS[int(raw) - 1] if raw.isdigit() else raw


def _exists(section: str, clauses: Sequence[Clause]) -> bool:
    return any(c.section == section or c.section.startswith(section + "（") for c in clauses
               if c.doc.startswith("楚政办函"))


# a part written by its heading: after its numeral (二 清理范围及标准, 二、清理范围及标准), or asked for its items
_TITLES = "|".join(sorted((re.escape(t) for t, code in PARTS.items() if code != "前言"), key=len, reverse=True))
_NUMBERED_TITLE = re.compile(rf"(?<![\u4e00-\u9fff（(])([一二三四五])\s*[、.．]?\s*(?:{_TITLES})")
_TITLE_ITEMS = re.compile(rf"(?<![“\"「『'‘])({_TITLES})(?=[^，。？?]{{0,6}}(几条|几项|几点|哪几条|多少条))")


_PINYIN_NUMERAL = {"yi": "一", "er": "二", "san": "三", "si": "四", "wu": "五", "liu": "六"}
_PINYIN_SECTION = re.compile(r"(?<![a-z])(yi|er|san|si|wu|liu)\s*[（(]\s*(yi|er|san|si|wu|liu)\s*[)）]", re.IGNORECASE)


def canonical_notation(question: str) -> str:
    """二之（五）, 三里的第一条 → 二（五）, 三（一）; 二 清理范围及标准, 清理范围及标准里有几条 → 第二部分: one notation for every
    reader of sections after it."""
    question = _PINYIN_SECTION.sub(lambda m: f"{_PINYIN_NUMERAL[m.group(1).lower()]}（{_PINYIN_NUMERAL[m.group(2).lower()]}）", question)  # si（san）
    question = _NUMBERED_TITLE.sub(lambda m: f"第{m.group(1)}部分", question)
    if not re.search(r"第[一二三四五1-5]部分", question):  # (方案第四部分“方法步骤”分哪几步: named already)
        question = _TITLE_ITEMS.sub(lambda m: f"第{PARTS[m.group(1)]}部分", question)
    return _PART_OF_ITEM.sub(lambda m: f"{m.group(1)}（{m.group(2)}）", question)


_BARE_ITEM = re.compile(rf"^\s*(?:第\s*)?[（(]?\s*({_N})\s*[）)]?\s*(?:条|项|点)?(?=[^）)\d]|$)")


def sections_asked_in_turn(question: str, clauses: Sequence[Clause]) -> list[str]:
    """'第二部分一共几条？（五）说的啥' → ['第二部分一共几条', '二（五）说的啥']: questions asked one after another about
    a part and then an item of it written bare (（五）, 第五条), each read with the part; [] when not so."""
    parts = [p for p in re.split(r"[？?]", question) if p.strip()]
    if len(parts) < 2:
        return []
    first = numbered(parts[0], clauses)
    if not first or "（" in first:
        return []
    out = [parts[0]]
    for part in parts[1:]:
        bare = _BARE_ITEM.match(part)
        if not bare or numbered(part, clauses) not in (None, first):
            return []
        section = f"{first}（{_numeral(bare.group(1))}）"
        if not _exists(section, clauses):
            return []
        out.append(section + part[bare.end():])
    return out


def numbered(question: str, clauses: Sequence[Clause]) -> str | None:
    """A section written by its number in any notation: 四（二）, 四(二), 第四部分第二条, 五的第三条, 4.2, 第一部分."""
    for pattern in (_SUB_NOTATION, _PART_ITEM):
        for match in pattern.finditer(question):
            groups = [g for g in match.groups() if g]
            if len(groups) >= 2:
                section = f"{_numeral(groups[0])}（{_numeral(groups[1])}）"
                if _exists(section, clauses):
                    return section
    if re.search(r"方案|部分|条|讲|说|规定|内容|写|要求|啥|什么", question):
        for match in _DOTTED.finditer(question):
            section = f"{_numeral(match.group(1))}（{_numeral(match.group(2))}）"
            if _exists(section, clauses):
                return section
    for match in _PART_ONLY.finditer(question):
        part = _numeral(match.group(1) or match.group(2))
        if _exists(part, clauses):
            return part
    return None


_EN_N = r"(\d|one|two|three|four|five|six|first|second|third|fourth|fifth|sixth|iii|ii|iv|vi|v|i)"
_EN_VALUES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "first": 1, "second": 2, "third": 3, "fourth": 4,
              "fifth": 5, "sixth": 6, "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}
_EN_ITEM = r"(?:item|article|point|clause|paragraph|subsection|section|no\.?|number|#)"
# part 3 item 2, part three (2), item 2 of part 3, the third item of the fifth part, section 5.3
_EN_PART_ITEM = re.compile(rf"\bpart\s+{_EN_N}\b[\s,:-]*(?:{_EN_ITEM}\s*)?\(?{_EN_N}\)?(?![\w.])")
_EN_ITEM_PART = re.compile(rf"\b{_EN_ITEM}\s*\(?{_EN_N}\)?\s+(?:of|in|under)\s+(?:the\s+)?part\s+{_EN_N}\b")
_EN_ORDINALS = re.compile(rf"\b(?:the\s+)?{_EN_N}\s+{_EN_ITEM}\s+(?:of|in)\s+(?:the\s+)?{_EN_N}\s+part\b")


def english_section(question: str, clauses: Sequence[Clause]) -> str | None:
    """A section written in English: part 3 item 2, item 2 of part 3, the third item of the fifth part."""
    q = question.lower()
    for pattern, order in ((_EN_PART_ITEM, (0, 1)), (_EN_ITEM_PART, (1, 0)), (_EN_ORDINALS, (1, 0))):
        match = pattern.search(q)
        if match:
            part, item = (match.group(order[0] + 1), match.group(order[1] + 1))
            values = [int(v) if v.isdigit() else _EN_VALUES[v] for v in (part, item)]
            if all(1 <= v <= 9 for v in values):
                section = f"{_NUMERALS[values[0] - 1]}（{_NUMERALS[values[1] - 1]}）"
                if _exists(section, clauses):
                    return section
    return None


# several parts named together: 二、三两部分, 第二和第三部分, 二三两部分, 一到三部分, 第二部分和第三部分
_PARTS_LIST = re.compile(r"(?<![（(\d])第?([一二三四五])(?:部分|大部分)?\s*(?:、|和|跟|与|及|以及|,|，|到|至|-|~|～)?\s*第?([一二三四五])"
                         r"(?:\s*(?:、|和|跟|与|及|,|，)\s*第?([一二三四五]))?\s*(?:两|三|四|几)?个?\s*(?:部分|大部分|大块|块|章|大点)")
# several items: 四（一）和四（二）, 四（一）、（二）
_ITEMS_LIST = re.compile(rf"([一二三四五])\s*、?\s*[（(]\s*({_N})\s*[）)]\s*(?:、|和|跟|与|及|以及|,|，)\s*(?:([一二三四五])\s*)?[（(]\s*({_N})\s*[）)]")


def section_range(question: str, clauses: Sequence[Clause]) -> list[str]:
    """二（一）到二（三） -> [二（一）, 二（二）, 二（三）]; 二、三两部分 -> [二, 三]; 四（一）和四（二） -> both;
    [] when the question names no range or list."""
    match = _RANGE.search(question)
    if match:
        groups = match.groups()[:3] if match.group(1) else match.groups()[3:]
        part, first, last = _numeral(groups[0]), _NUMERALS.index(_numeral(groups[1])), _NUMERALS.index(_numeral(groups[2]))
        return [s for s in (f"{part}（{_NUMERALS[i]}）" for i in range(first, last + 1)) if _exists(s, clauses)]
    match = _ITEMS_LIST.search(question)
    if match:
        first = f"{match.group(1)}（{_numeral(match.group(2))}）"
        second = f"{match.group(3) or match.group(1)}（{_numeral(match.group(4))}）"
        return [s for s in dict.fromkeys((first, second)) if _exists(s, clauses)]
    match = _PARTS_LIST.search(question)
    if match:
        named = [g for g in match.groups() if g]
        if re.search(r"到|至|-|~|～", match.group(0)) and len(named) == 2:
            a, b = sorted(_NUMERALS.index(n) for n in named)
            named = list(_NUMERALS[a:b + 1])
        return [s for s in dict.fromkeys(named) if _exists(s, clauses)] if len(set(named)) > 1 else []
    return []


def names_only(question: str) -> bool:
    """The question is a section's number and little else (方案第三大点第五小点, 四（二）是啥)."""
    rest = re.sub(rf"方案|文件|里|的|是|啥|什么|呢|吗|第|部分|大点|小点|条|点|项|款|[{_NUMERALS}\d（）().、．]", "", question)
    return len(re.findall(r"[\u4e00-\u9fff]", rest)) <= 1


def asks_title(question: str) -> bool:
    return bool(_TITLE.search(question))


def section_reference(question: str, clauses: Sequence[Clause]) -> SectionRef | None:
    """The section a question is about when it names one (by number, heading or quoted heading)."""
    where = bool(_WHERE.search(question))
    if _PREFACE.search(question) and re.search(r"方案|文件|部分", question):
        return SectionRef("前言", where, explicit=True)
    section = numbered(question, clauses)
    if section:
        return SectionRef(section, where, explicit=True)
    for quoted in _QUOTED.findall(question):
        for clause in clauses:
            if heading(clause) == quoted.strip():
                return SectionRef(clause.section, where)
    if where:
        for clause in clauses:
            head = heading(clause)
            if len(head) >= 4 and head in question:
                return SectionRef(clause.section, True)
    item = part_item(question, clauses)
    if item:  # named by title and number: as explicit as 二（三）
        return SectionRef(item, where, explicit=True)
    found = section_asked(question, clauses)
    return SectionRef(found) if found else None


def part_item(question: str, clauses: Sequence[Clause]) -> str | None:
    """清理范围及标准那块的第三条 -> 二（三）: a part by its title and an item by its number name a section."""
    name = next((n for n in PARTS if n in question), None)
    match = _ORDINAL.search(question[question.index(name):]) if name else None
    if not match:
        return None
    section = f"{PARTS[name]}（{_numeral(match.group(1) or match.group(2))}）"
    return section if any(c.section == section for c in clauses) else None


def section_asked(question: str, clauses: Sequence[Clause]) -> str | None:
    """The section (五（二）) a question asks the content of: a part's item by number, or a heading; else None."""
    item = part_item(question, clauses)
    if item:
        return item
    if not _CONTENT.search(question):
        return None
    name = next((n for n in PARTS if n in question), None)
    if name and PARTS[name] != "前言" and not _ORDINAL.search(question[question.index(name):]) and _PART_ASKED.search(question):
        return PARTS[name]  # 有关要求讲了哪几点: the part itself
    best, found = "", None
    for clause in clauses:
        head = heading(clause)
        if head and head in question and len(head) > len(best) and (len(head) >= 4 or _SECTION_WORDS.search(question)):
            best, found = head, clause.section
    return found


def asks_content(question: str) -> bool:
    """The question asks what a part says (讲的是什么, 规定了啥, 是什么内容), not one detail of it."""
    return bool(_CONTENT.search(question))


def title_of(section: str, clauses: Sequence[Clause], parts: dict[str, str]) -> str:
    """四（二） -> 四（二）注册; 四 -> 四、方法步骤."""
    if section == "前言":
        return "前言（制定依据）"
    if "（" not in section:
        return parts.get(section, section)
    first = next((c for c in clauses if c.section == section), None)
    head = heading(first) if first else ""
    if first and not head:  # a longer heading sentence: 政府门户网站域名注册、注销审核。
        lead, dot, _ = first.text.partition("。")
        head = lead if dot and len(lead) <= 20 and "，" not in lead else ""
    return f"{section}{head}"


_STRUCTURE = re.compile(r"(几|哪几|多少)(个)?(部分|大块|大部分|章|块)|分(为)?[几\d一二三四五六七八九十](个)?(大)?部分|(方案|文件)的?(结构|目录)")


def asks_where(question: str) -> bool:
    """方案里讲复查的是第几部分第几条: where a rule is written."""
    return bool(_WHERE.search(question))


def asks_structure(question: str) -> bool:
    """方案一共几部分，各叫什么: the plan's parts."""
    # 在第几部分: where; 姚安县门户 yaoan.gov.cn 按方案结构应该是啥: a domain's structure, not the plan's
    return bool(_STRUCTURE.search(question)) and not re.search(r"域名结构|网址结构|第几|www|[a-z0-9-]\.(gov\.cn|cn|com|net)", question)


def subsections(part: str, clauses: Sequence[Clause]) -> list[str]:
    """The numbered items of a part in order: 四 -> [四（一）, 四（二）, …]."""
    return list(dict.fromkeys(c.section for c in clauses if c.section.startswith(part + "（")))
