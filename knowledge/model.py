"""The rules as a model: each fact of `data/facts.yaml` with its roles (who does a step, to whom it goes, who
consents, approves, executes), its period (20个工作日), its dated event (复查的截止日 2019-02-28) and its
modality (a duty 需要, a prohibition 不可以). A question's claims (`knowledge.claims`) are checked against
it: a claim that contradicts the rule gets the rule's value ("不是：期限是2019年2月28日前，不是3月5日前"), a
claim that matches gets yes, and what the model does not cover gets no verdict. Dated events described in
words are resolved to dates, the days and working days between two of them, their order and weekdays.
Points the documents leave open (a cost, where a form comes from, a frequency, a penalty …) are said to be
open, followed by what the documents do say nearby."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from knowledge.claims import PART_OF_MONTH, PERSON, UNIT_KINDS, Claims, parse_period
from knowledge.claims import read as read_claims
from knowledge.facts import Fact, load_bodies, load_facts
from knowledge.resources import load_yaml
from knowledge.text import ASKING as _ASKING

_WEEKDAYS = "一二三四五六日"
_CN_COUNT = dict(enumerate("零一两三四五六七八九十"))
_ROLE_WORDS = {"actor": "由{}负责", "to": "报{}", "consent": "经{}同意", "approves": "由{}批准", "executes": "由{}办理",
               "via": "逐级报到{}", "notifies": "发给{}", "final": "最后提交给{}", "submit_approve": "报{}批准", "source": "按{}的监测普查情况", "with": "会同{}"}
# the roles of a rule a claimed role is set against: a claimed doer against whoever acts in the rule
_CLAIMED = {"actor": ("actor", "executes"), "to": ("to", "notifies"), "first": ("to", "notifies"), "consent": ("consent",), "approves": ("approves", "consent"),
            "via": ("via", "approves"), "final": ("final",), "submit_approve": ("approves", "consent", "to"), "source": ("source",), "with": ("with",)}


def md(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# -- dated events ---------------------------------------------------------------------------------------
def events_in(question: str, facts: Sequence[Fact] | None = None) -> list[Fact]:
    """The documents' dated events a question describes in words (县里转发通知, 州里要求报送的截止日 …), in
    the order written; a stretch of the question names one event at most."""
    facts = facts if facts is not None else load_facts()
    found: list[tuple[int, int, Fact]] = []
    for fact in facts:
        if not fact.event:
            continue
        for pattern in fact.event_words:
            for match in pattern.finditer(question):
                found.append((match.start(1), match.end(1), fact))
    found.sort(key=lambda f: (f[0], f[1] - f[0]))  # at one place the shortest reading: 州里印发 before 州里印发方案到州里要求报送
    out: list[Fact] = []
    end = -1
    for start, stop, fact in found:
        if start < end:
            continue
        end = stop
        if fact not in out:
            out.append(fact)
    return out


# the order of two events asked in words (在…之前还是之后, 早于…吗)
_RELATIVE = re.compile(r"(之|以)?前还是(之|以)?后|(之|以)?后还是(之|以)?前|早于|晚于|在前还是在后|在后还是在前|前面还是后面|早还是晚|晚还是早|早些还是晚些|早点还是晚点"
                       r"|(之|以)(前|后)(?=[吗不没么]?[？?]*$)")  # …在县里截止之前吗: the order claimed, to confirm
_ACT = re.compile(r"转发|印发|发文|出台|下发|发布|成文|发的|发了|(?<![报送交])发(?!给)")
# several events put in order (按时间先后排一下, 哪个最早) or each one's date asked (各是哪天, 分别什么时候)
_SEQUENCE = re.compile(r"先后|顺序|次序|排序|排列|(?<![安编])排(一下|一排|个|好|出)|按时间|时间线|哪个(最|先|早|在前)|谁(最|先)|早晚")
_EACH_DATE = re.compile(r"(各|分别|各自|每个|依次)(都)?(是|在|为)?(哪天|哪一天|哪日|什么时候|啥时候|几号|几月几[日号]|什么日期|什么日子|的?日期)")
_CLAUSE = re.compile(r"[^，,。？?；;！!]+")
_SENTENCE = re.compile(r"[^。？?；;！!]+")
_BACK = re.compile(r"那天|这天|当天|那一天|这一天|那日|此日|那时")
_WHEN_ASKED = re.compile(r"哪天|哪一天|什么时候|啥时候|几号|几月几[日号]|日期是|什么日子|哪个日子|when", re.IGNORECASE)


# a document named bare stands for its date when two events are set against each other
_DOCUMENTS = ((re.compile(r"州(里|政府办(公室)?|政府)?的?(通知|文件|方案)|楚政办函"), "cx-date"),
              (re.compile(r"县(里|政府办(公室)?|政府)?的?(转发)?(通知|文件)|武政办函|转发通知"), "wd-date"))


_SOURCE = re.compile(r"里|中|上|要求|规定|说|提到|写")  # 州里的通知里复查截止…: the document as the source, not an event


def _with_documents(question: str, events: list[Fact]) -> list[Fact]:
    by_id = {f.id: f for f in load_facts()}
    found = [(m.start(), by_id[fact_id]) for pattern, fact_id in _DOCUMENTS for m in pattern.finditer(question)
             if not _SOURCE.match(question, m.end())]
    placed = [(question.find(e.event[:2]) if e.event[:2] in question else -1, e) for e in events]
    merged = sorted([*placed, *((i, f) for i, f in found if f not in events)], key=lambda x: x[0])
    return list(dict.fromkeys(f for _, f in merged))


def _sequence_asked(question: str, claims: Claims) -> bool:
    return bool(claims.first or _SEQUENCE.search(question) or _EACH_DATE.search(question))


def _short(event: Fact) -> str:
    """县里要求报送清理情况的截止日 → 县里要求报送清理情况截止: the event's name before 是<date>."""
    return event.event.replace('的日期', '').replace('的截止日', '截止').replace('的期限', '期限')


def _weekday(day: dt.date) -> str:
    return f"星期{_WEEKDAYS[day.weekday()]}"


def _in_order(events: list[Fact], claims: Claims) -> EventAnswer:
    """Three or more events: all of them in date order with their dates (and weekdays, and the span, when asked)."""
    ordered = sorted(events, key=lambda f: f.date)
    dated = [f"{e.event}（{md(e.date)}{'，' + _weekday(e.date) if claims.weekday else ''}）" for e in ordered]
    lines = ["按时间先后：" + "→ ".join(dated) + "。"]
    same = [md(d) for d in sorted({e.date for e in ordered}) if sum(e.date == d for e in ordered) > 1]
    if same:
        lines[0] += f"其中{'、'.join(same)}是同一天。"
    if claims.between:  # 排一下，前后一共多少天: from the first to the last
        lines.append(_gap_line(ordered[0], ordered[-1]))
    return EventAnswer(lines, ordered)


def _gap_line(a: Fact, b: Fact) -> str:
    first, last = sorted((a, b), key=lambda f: f.date)
    days = (last.date - first.date).days
    work = working_days_between(first.date, last.date)
    return f"相隔{days}天（其中{work}个工作日）：{first.event}是{md(first.date)}，{last.event}是{md(last.date)}。"


def _named_where(parts: list[str], asks, events: list[Fact]) -> list[Fact]:
    return list(dict.fromkeys(e for part in parts if asks(read_claims(part)) for e in events_in(part) if e in events))


def _weekday_and_gap(question: str, events: list[Fact]) -> EventAnswer:
    """星期几 and 多少天 asked together: the weekday of the events the weekday is asked of (州方案印发那天是星期几？
    从那天到…多少天: the first only; all when no part asking it names one), then the gap between the two events
    the days are asked of, 那天 standing for the event whose weekday is asked."""
    sentences = _SENTENCE.findall(question)
    weekday = (_named_where(_CLAUSE.findall(question), lambda c: c.weekday, events)
               or _named_where(sentences, lambda c: c.weekday, events) or events)
    pair = events[:2]
    for sentence in sentences:
        if not read_claims(sentence).between:
            continue
        named = [e for e in events_in(sentence) if e in events]
        if len(named) == 1 and _BACK.search(sentence) and named[0] != weekday[0]:
            named = [weekday[0], named[0]]  # 从那天到州里截止: 那天 is the day just asked about
        if len(named) >= 2:
            pair = named[:2]
            break
    lines = [f"{_short(e)}是{md(e.date)}，{_weekday(e.date)}。" for e in weekday]
    return EventAnswer([*lines, _gap_line(*pair)], list(dict.fromkeys([*weekday, *sorted(pair, key=lambda f: f.date)])))


_DUE = re.compile(r"截止日|期限")


def working_days_between(a: dt.date, b: dt.date) -> int:
    from knowledge.workdays import WorkCalendar

    calendar = WorkCalendar()
    return sum(calendar.is_workday(a + dt.timedelta(days=i)) for i in range(1, (b - a).days + 1))


@dataclass
class EventAnswer:
    lines: list[str]
    facts: list[Fact]
    polarity: bool | None = None  # for 过了没有: True when the later event's deadline has not passed


def _own_doers(event: Fact, claims: Claims) -> bool:
    """The bodies named are the event's own doers (州政府办公室印发方案是啥时候): they describe the event."""
    named = [b for b in claims.bodies if b.role != "any"]
    said = check(event, replace(claims, bodies=named, deadlines=[], periods=[], dated=[], values=[], months=[]))
    return said.matched >= len(named) and not said.wrong and not said.open


_WRITTEN_DAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]([（(]含[)）])?")
_COUNT_ASKED = re.compile(r"(几个|多少个?)工作日|(几|多少)天|隔了?几天|相差几天")


def _span_of_days(question: str) -> str:
    """Two days written out and a count of days asked between them: calendar days and working days, both ends
    counted when the asker says 含 (the year, when unwritten, is the one written before, else the documents')."""
    found = list(_WRITTEN_DAY.finditer(question))
    if len(found) != 2 or not _COUNT_ASKED.search(question) or events_in(question):
        return ""
    year, days = 2019, []
    for m in found:
        year = int(m.group(1)) if m.group(1) else year
        try:
            days.append(dt.date(year, int(m.group(2)), int(m.group(3))))
        except ValueError:
            return ""
    a, b = sorted(days)
    both = all(m.group(4) for m in found)
    from knowledge.workdays import WorkCalendar

    work = working_days_between(a, b) + (1 if both and WorkCalendar().is_workday(a) else 0)
    calendar_days = (b - a).days + (1 if both else 0)
    assumed = "" if any(m.group(1) for m in found) else f"（没写年份，按文件所在的{year}年算）"
    counted = "（含首尾两天）" if both else "（不含起始日）"
    return f"{md(a)}到{md(b)}{counted}共{calendar_days}天，其中{work}个工作日{assumed}。"


_EXTREME = re.compile(r"(?:(最早|最先|头一个|第一个)|(最晚|最后一个|最迟|最后那个))的?[^，。？]{0,4}(时间|节点|日子|期限|截止|日期)")


def acted_events(question: str, events: Sequence[Fact]) -> list[Fact]:
    """Of the events a question names, those it names by their act (县里是哪天转发州里那个文件的: the forwarding,
    not the prefecture's issuing of what was forwarded)."""
    return [f for f in events if any(_ACT.search(m.group(1)) for p in f.event_words for m in p.finditer(question))]


def event_answer(question: str, claims: Claims) -> EventAnswer | None:
    """Weekday of an event, days between two events, whether one came before another's deadline."""
    if claims.on_day:  # 2月28日要干什么: the documents' events of that day (their year assumed when none is written)
        same = [f for f in load_facts() if f.event and f.date and (f.date.month, f.date.day) == (claims.on_day.month, claims.on_day.day)]
        if same:
            lines = [f"{md(f.date)}：{f.answer}" for f in same]
            return EventAnswer(lines, same)
    span = _span_of_days(question)
    if span:  # 从2019年2月20日（含）到3月5日（含），一共几个工作日: the days themselves, no event needed
        return EventAnswer([span], [])
    # (县里的截止比州里最后那个截止早几天: 最后 names one of the two events whose gap is asked)
    extreme = _EXTREME.search(question) if not re.search(r"几天|多少天|相差|差几|早几|晚几|隔了|隔几", question) else None
    if extreme:  # 方案里最早的时间节点是哪天: the earliest (or last) dated step, the plan's own when it is named
        steps = [f for f in load_facts() if f.date and f.event and not f.event.endswith("日期")
                 and (f.doc == "楚政办函〔2019〕8号" or "方案" not in question)]
        if steps:
            pick = (min if extreme.group(1) else max)(steps, key=lambda f: f.date)
            return EventAnswer([f"{'最早' if extreme.group(1) else '最后'}的是{md(pick.date)}：{pick.answer}"], [pick])
    events = events_in(question)
    sequence = _sequence_asked(question, claims)
    if len(events) < 2 and (claims.between or claims.first or claims.order or sequence or _RELATIVE.search(question)):
        events = _with_documents(question, events)  # 州里的通知和县里的通知隔了几天: each document by its date
    if len(events) == 1 and claims.between and (claims.deadlines or claims.dated):
        # 武定发文那天到3月5号截止有几个工作日: a day written out is the span's other end — the documents' event of
        # that day when there is one, else the day itself (in the documents' year)
        day, text = (claims.deadlines[0][0], claims.deadlines[0][3]) if claims.deadlines else claims.dated[0][:2]
        same = [f for f in load_facts() if f.event and f.date == day and f is not events[0]]
        events = [events[0], same[0] if same else replace(events[0], event=text, date=day)]
    if not events:
        return None
    if sequence and len(events) >= 2:  # 州里的方案、县里的通知、复查截止排一下: the documents named bare too
        merged = _with_documents(question, events)
        events = merged if len(merged) >= 3 else events
    if len(events) >= 3 and sequence:  # 复查、县里转发、提醒通知各是哪天，排一下: all of them in date order
        return _in_order(events, claims)
    if claims.weekday and claims.between and len(events) >= 2:  # 那天星期几？从那天到州里截止多少天: both
        return _weekday_and_gap(question, events)
    if claims.weekday:
        return EventAnswer([f"{_short(e)}是{md(e.date)}，{_weekday(e.date)}。" for e in events], events)
    if len(events) == 2 and _WHEN_ASKED.search(question) and not _RELATIVE.search(question) and not claims.between \
            and not claims.first:  # (哪个在前？各是哪天: both, in order)
        # 县政府办把州里的方案转发下来: the act is the event, its object not
        acted = acted_events(question, events)
        events = acted if len(acted) == 1 else events
    if len(events) == 1 and events[0].event.endswith("日期") and _WHEN_ASKED.search(question) and not (claims.between or claims.order or claims.first) \
            and not re.search(r"[，,、；;？?]", question.rstrip("？?。 ")) \
            and not (claims.deadlines or claims.dated or claims.periods or claims.values or claims.months
                     or any(b.role != "any" for b in claims.bodies) and not _own_doers(events[0], claims)):
        # 县政府办是哪天转发州里那个方案的: the one dated event described, asked in one clause, is the answer
        return EventAnswer([events[0].answer], events)
    if len(events) < 2:
        return None
    a, b = events[0], events[1]
    relative = _RELATIVE.search(question)
    if relative and not claims.between:  # 提醒通知的节点在县里转发之前还是之后: the first event against the second
        gap = (a.date - b.date).days
        where = "之后" if gap > 0 else "之前" if gap < 0 else "同一天"
        line = (f"{a.event}是{md(a.date)}，{b.event}是{md(b.date)}：" +
                ("两者是同一天。" if not gap else f"{a.event}在{b.event}{where}，{'晚' if gap > 0 else '早'}{abs(gap)}天。"))
        claimed = relative.group(0) if relative.group(0) in ("早于", "晚于") else \
            {"前": "早于", "后": "晚于"}.get(relative.group(0)[-1], "") if len(relative.group(0)) == 2 else ""
        if claimed and gap:  # 复查截止日早于县里的截止日吗: the order claimed, confirmed or not
            line = ("是的。" if (gap < 0) == (claimed == "早于") else "不是。") + line
        return EventAnswer([line], [a, b])
    if claims.first:  # 复查截止日和县里截止日哪个早
        early, late = sorted((a, b), key=lambda f: f.date)
        gap = (late.date - early.date).days
        if not gap:
            return EventAnswer([f"同一天：{a.event}和{b.event}都是{md(a.date)}。"], [a, b])
        return EventAnswer([f"{early.event}（{md(early.date)}）在前，{late.event}（{md(late.date)}）在后，早{gap}天。"], [early, late])
    if claims.order and not claims.between:
        if _DUE.search(a.event) and not _DUE.search(b.event):
            a, b = b, a  # 提醒通知的截止日在县里转发之前就过了吗: the deadline is the second, the act the first
        gap = (b.date - a.date).days
        if gap > 0:
            line = f"没有过：{a.event}是{md(a.date)}，{b.event}是{md(b.date)}，那天还没过，还差{gap}天。"
        elif gap == 0:
            line = f"当天正是期限：{a.event}和{b.event}都是{md(a.date)}。"
        else:
            line = f"已经过了：{a.event}是{md(a.date)}，{b.event}是{md(b.date)}，已过了{-gap}天。"
        return EventAnswer([line], [a, b], gap >= 0)
    if claims.between or claims.order:
        return EventAnswer([_gap_line(a, b)], sorted((a, b), key=lambda f: f.date))
    return None


# -- claims against a rule --------------------------------------------------------------------------------
@dataclass
class Check:
    wrong: list[str] = field(default_factory=list)  # "<the rule's value>，不是<the value claimed>"
    matched: int = 0
    open: int = 0  # claims the rule's words neither confirm nor contradict
    implied: int = 0  # units named that the rule's doers include
    notes: list[str] = field(default_factory=list)  # what decides such a claim
    unspoken: int = 0  # bodies claimed in a role the rule gives no one (由州政府办注销 against the notice rule)


_OPEN_NOTES = {"本级人民政府办公室": "要看单位的层级：文件写的是“本级人民政府办公室”，县级单位是县政府办，州级单位是州政府办",
               "主要负责人": "文件写的是“本部门（本地区）主要负责人”同意，没有点名{}"}
# whose 主要负责人 the rule means (本部门 or 本地区), and the heads that are someone else's
_HEAD_OF_OTHER = {"本部门": re.compile(r"(?<!副)[州县市省]长|书记|常务"), "本地区": re.compile(r"局长|主任|院长|校长|站长|所长")}
_LEADS = re.compile(r"[^，。？]{0,4}(牵头|主导|主要负责|为主|挑头)")
_SECTION_AFTER = re.compile(r"(?:的)?([\u4e00-\u9fff]{1,8}?(?:股|科))(?![\u4e00-\u9fff]{0,2}长)")
_SECTION_NAMED = re.compile(r"[\u4e00-\u9fff]{2,12}股")
_ON_ITS_OWN = re.compile(r"自己|直接|就能|就行|就可以|就完|即可")
_ALONE = re.compile(r"自己一家|一家[^，。？]{0,3}(搞|办|做|负责|牵头)|单独(搞|办|做|负责)|独自|跟别的[^，。？]{0,6}(没关系|无关)|不用(会同|找|叫)别的")
_GENERAL_ROUTE = frozenset({"省政府办公厅", "国家域名注册管理机构"})  # where the registered route goes after the first office
_HOLDERS = frozenset({"原持有单位", "主办单位", "域名持有者", "持有者"})  # the unit whose site it is, whatever its kind
_LEVEL = {("本级人民政府办公室", "县"): "县政府办", ("本级人民政府办公室", "州"): "州政府办"}


def _same(claimed: str, rule: str, level: str = "") -> bool | None:
    """Whether a claimed body is the rule's; None when it may be or not (a relative name — 本级 — for a unit
    whose level the question does not say; a person's title for 主要负责人)."""
    _, same = load_bodies()
    if claimed == rule:
        return True
    if rule == "主要负责人" and PERSON.search(claimed):
        # a deputy (副局长, 分管领导) is not the unit's head; a head's title (局长, 县长) may be it or not
        return False if re.search(r"副|分管|助理|秘书|科长|股长|办事员|经办", claimed) else None
    if rule in _HOLDERS and claimed in UNIT_KINDS:
        return None  # 县级部门…注销备案: a unit of any kind may be the holder of the domain, or not
    if (rule, level) in _LEVEL:
        return _LEVEL[rule, level] == claimed or claimed in ("县市人民政府办公室",) and level == "县"
    if claimed in same.get(rule, frozenset()) or rule in same.get(claimed, frozenset()):
        return None if rule == "本级人民政府办公室" else True
    return False


def _shape(structure: str) -> str:
    """A structure with its placeholders alike (xxx.xxx.gov.cn is ○○○.□□□.gov.cn written with one placeholder)."""
    return re.sub(r"[○□△]+", "#", structure.lower())


def check(fact: Fact, claims: Claims) -> Check:
    result = Check()
    issued = fact.event.endswith("日期")  # a document's date, not a deadline
    if fact.date and claims.dated and issued:
        for day, text, _ in claims.dated:
            if (day.month, day.day) != (fact.date.month, fact.date.day):
                other = next((f.event for f in load_facts() if f.date and f.event.endswith("日期") and f is not fact
                              and (f.date.month, f.date.day) == (day.month, day.day)), "")
                result.wrong.append(f"是{md(fact.date)}，不是{text}" + (f"（{text}是{other.removesuffix('的日期')}的日期）" if other else ""))
            else:
                result.matched += 1
    if fact.value:
        for kind, value in claims.values:
            if kind == fact.value_kind:
                if value.lower() == fact.value.lower() or kind == "format" and _shape(value) == _shape(fact.value):
                    result.matched += 1
                elif kind.startswith("count:"):
                    unit = kind.split(":")[1]
                    result.wrong.append(f"是{_CN_COUNT[int(fact.value)]}{unit}，不是{_CN_COUNT.get(int(value), value)}{unit}")
                else:
                    result.wrong.append(f"是{fact.value}，不是{value}")
    if fact.period:
        rule = parse_period(fact.period)
        for value, unit, text in claims.periods:
            if rule and (value, unit) != rule:
                result.wrong.append(f"是{fact.period}，不是{text}")
            else:
                result.matched += 1
    if fact.role("with") and _ALONE.search(claims.text):  # 复查就是州政府办自己一家搞的吧: done with others, not alone
        result.wrong.append(f"由{'、'.join(fact.role('actor'))}会同{'、'.join(fact.role('with'))}等负责，不是单独一家")
    if fact.frequency and claims.frequency:  # 每年检查评估一次就行: the rule has it watched every day as well
        if re.search(r"每天|每日|天天|日常", claims.frequency):
            result.matched += 1
        elif claims.sufficient or re.search(r"只|就行|就够|够了|就可以", claims.text) or not re.search(r"定期|检查|评估", claims.text):
            result.wrong.append(f"要{fact.frequency}（日常即每天），不是只{claims.frequency}")
        else:  # 定期检查评估是每季度一次吧: the documents do not say how often the regular checks are
            result.open += 1
            result.notes.append("文件没有规定定期检查评估多久一次；日常监测是每天都要做的")
    if fact.date and fact.event:
        for month, part, text in claims.months:  # 3月份才发, 3月底前: the days meant against the rule's day
            first, last = PART_OF_MONTH[part]
            last = min(last, calendar.monthrange(fact.date.year, month)[1])
            # a document's day must fall in the span; a deadline must not come before the span ends (3月上旬报 is
            # not 3月5日前)
            inside = first <= fact.date.day <= last if issued else fact.date.day >= last or part == "份" and first <= fact.date.day
            if month != fact.date.month or not inside:
                result.wrong.append(f"是{md(fact.date)}{'' if issued else '前'}，不是{text}")
            else:
                result.matched += 1
    if fact.date and fact.event and not issued:
        for day, text, _, _ in claims.deadlines:
            if (day.month, day.day) != (fact.date.month, fact.date.day):
                result.wrong.append(f"期限是{md(fact.date)}前，不是{text}")
            else:
                result.matched += 1
    if fact.steps and claims.ordered and claims.text:  # 先注销原域名，再公告3个月: the steps' order against the rule's
        said = []
        for rank, (name, pattern) in enumerate(fact.steps):
            match = pattern.search(claims.text)
            if match:
                said.append((match.start(), rank, name))
        if len({rank for _, rank, _ in said}) >= 2:
            in_order = [rank for _, rank, _ in sorted(said, reverse=claims.reversed)]
            if in_order == sorted(in_order):
                result.matched += 1
            else:
                result.wrong.append("顺序是" + "，再".join(["先" + fact.steps[0][0], *(n for n, _ in fact.steps[1:])]) + "，顺序不能反")
    other_level = bool(fact.level and claims.level and claims.level != fact.level)
    if other_level:  # 县级部门…: the rule is written for 州级 ones
        result.open += 1
        result.notes.append(f"这条写的是{fact.level}级单位的做法，文件没有明确规定{claims.level}级单位的")
        if not any(c.role in ("first", "consent") for c in claims.bodies):
            return result
        # 县财政局…直接报省政府办公厅: whatever its level, a unit's first office is its own level's, never the province;
        # the consent is its 主要负责人's at every level (分管副局长 is wrong for a 县级 unit too)
    strays: list[str] = []
    unit_fits = False  # a unit kind named is the rule's doer
    for claim in claims.bodies:
        if claim.role == "first" and fact.role("actor") and not set(fact.role("actor")) & UNIT_KINDS:
            doer_named = any(other.role == "actor" and any(_same(other.body, body) for body in fact.role("actor"))
                             for other in claims.bodies if other is not claim)
            if doer_named and any(_same(claim.body, body) for body in fact.role("to")):
                result.matched += 1  # 省政府办公厅向国家域名注册管理机构交审核表: that office's step, to whom it goes
            continue  # 先报国家域名注册管理机构: a later step, done by an office (省政府办公厅 → 国家…), is no one's first
        if claim.body in UNIT_KINDS and claim.role in ("actor", "any") and fact.kind in ("doc", "body"):
            continue  # 我们乡镇要不要清理…县里的文发给了谁: a unit named says nothing against a document's issuer
        if claim.role == "actor" and claim.body in UNIT_KINDS and not fact.role("actor"):
            if fact.level and claims.level == fact.level:
                result.matched += 1  # 州级部门要注销…: the very units the rule is written for
            continue  # 州级部门网站注销域名: the unit applying for the act, not the body that carries it out
        implied = claim.role == "any" and claim.body in UNIT_KINDS  # 我们乡镇…报: the doer, when the rule names one
        ruled = ([("actor", body) for body in fact.role("actor")] if implied else
                 [(role, body) for role in _CLAIMED.get(claim.role, ()) for body in fact.role(role)])
        if not ruled:
            named = any(_same(claim.body, body, claims.level) is not False for _, bodies in fact.roles for body in bodies)
            if claim.role in ("actor", "approves", "consent") and not implied and claim.body not in UNIT_KINDS and not named:
                result.unspoken += 1  # the rule does not say who does it: no yes from this rule
            continue
        scope = "本部门" if "本部门" in fact.quote else "本地区" if "本地区" in fact.quote else ""
        whose = _HEAD_OF_OTHER.get(scope)
        said_scope = re.search(r"本部门|本单位|本地区|本县|本级", claims.text[max(0, claims.text.find(claim.text) - 4):claims.text.find(claim.text)])
        other_scope = said_scope and scope and (said_scope.group(0) in ("本部门", "本单位")) != (scope == "本部门")
        if claim.role == "consent" and "主要负责人" in fact.role("consent") and whose and (whose.search(claim.body) or other_scope):
            # 部门申请域名得州长签字: the department's own head consents, not the prefecture's (and 局长 is no region's head)
            result.wrong.append(f"经{'本部门（单位）' if '本部门' in fact.quote else '本地区'}主要负责人同意，"
                                f"不是{said_scope.group(0) if other_scope else ''}{claim.text}")
            continue
        verdicts = [_same(claim.body, body, claims.level) for _, body in ruled]
        if claim.role == "actor" and any(_same(claim.body, body) for body in fact.role("with")) \
                and any(_same(other.body, body) for other in claims.bodies if other is not claim for body in fact.role("actor")):
            after = claims.text[claims.text.find(claim.text) + len(claim.text):]
            if _LEADS.match(after):  # 州委编办牵头，州政府办只是配合: the one taking part claimed as the lead
                result.wrong.append(f"由{'、'.join(fact.role('actor'))}牵头，{claim.text}是会同的单位")
                continue
            result.matched += 1  # 州政府办会同州委编办、州公安局搞的: a body the rule names as taking part
            continue
        if other_level and (claim.role not in ("first", "consent") or any(_same(claim.body, body, level) is not False
                                                          for _, body in ruled for level in ("县", "州"))):
            continue  # only a first office wrong at every level is said wrong for a unit the rule is not written for
        if any(v is True for v in verdicts):
            unit_fits = unit_fits or claim.body in UNIT_KINDS
            if implied:
                result.implied += 1  # a unit merely named confirms nothing by itself, but fits the rule
            else:
                result.matched += 1
            continue
        if claim.role == "to" and not any(verdicts) and any(_same(claim.body, body) for body in fact.role("via")) \
                and any(c.role == "first" for c in claims.bodies if c is not claim) and claims.bodies.index(claim) > 0:
            result.matched += 1  # 先报州政府办，再…报省政府办公厅: the first office said, this is where the route ends
            continue
        if claim.role == "to" and not any(verdicts) and any(_same(claim.body, body) for body in fact.role("via")):
            result.open += 1  # 都要报省政府办公厅: where the route ends, not where it starts
            first = "、".join(fact.role("to"))
            result.notes.append(f"先报{first}，再逐级报到{'、'.join(fact.role('via'))}")
            continue
        if any(v is None for v in verdicts):
            result.open += 1  # the rule's words may or may not mean this body: no verdict either way
            rule = next(body for (_, body), v in zip(ruled, verdicts) if v is None)
            result.notes.append(_OPEN_NOTES.get(rule, f"文件写的是“{rule}”").format(claim.text))
            continue
        role, _ = ruled[0]
        bodies = "、".join(body + (f"（{_LEVEL[body, claims.level]}）" if (body, claims.level) in _LEVEL else "")
                          for r, body in ruled if r == role)
        helpers = fact.role("with")
        if role == "actor" and helpers:
            bodies += f"（会同{'、'.join(helpers)}）"
        said = "由{}印发" if issued and role == "actor" else _ROLE_WORDS[role]  # a document's issuer
        if implied:
            strays.append(f"{said.format(bodies)}，不是{claim.text}")
            continue
        result.wrong.append(f"{said.format(bodies)}，不是{claim.text}")
    if strays and not unit_fits:  # units merely named: wrong only when none of them is the rule's doer
        result.wrong += strays  # (州里主送县市和州直部门，跟我们乡镇没关系吧: 乡镇 is the county notice's)
    if fact.when and fact.role("to") and fact.role("executes"):
        # 2016年注册的老域名改联系人，也得逐级报省政府办公厅吧: a route that applies only to such domains ends with
        # the office one level up; the general route's offices (省政府办公厅, 国家域名注册管理机构) are not on it
        beyond = [c.text for c in claims.bodies if c.body in _GENERAL_ROUTE and c.role != "source"]
        if beyond:
            result.wrong.append(f"先报{'、'.join(fact.role('to'))}备案，再由{'、'.join(fact.role('executes'))}自己联系注册机构办理，"
                                f"不经{'、'.join(dict.fromkeys(beyond))}")
    if claims.sufficient and not other_level:  # 报备一下就行: a step the rule requires that the question leaves out
        named = {c.role for c in claims.bodies}
        if "直接" in claims.text and fact.role("to") and fact.role("executes") and not named & {"to", "first"} \
                and not fact.role("consent") and not fact.role("approves"):  # a filing first, then the holder acts
            # 老域名直接找注册商注销就行: the filing with the office comes first
            result.wrong.append(f"还要先报{'、'.join(fact.role('to'))}备案，再由{'、'.join(fact.role('executes'))}办理")
        for role, word in (("consent", "还要经{}同意"), ("approves", "还要由{}批准")):
            if fact.role(role) and role not in named and not (role == "approves" and
                                                               any(_same(c.body, b) for c in claims.bodies for b in fact.role(role))):
                result.wrong.append(word.format("、".join(fact.role(role))))
    registrar = any(b.body == "注册机构" for b in claims.bodies)
    if registrar and fact.role("to") and "注册机构" not in fact.answer and _ON_ITS_OWN.search(claims.text):
        # 县政府办自己找注册商就能办下来: the route goes up to an office first; a registrar alone is not it
        result.wrong.append(f"要报{'、'.join(fact.role('to'))}逐级审核，不是自己找注册商就能办")
    for claim in claims.bodies:  # 报县政府办综合股: the office's section claimed against the one the rule names
        said = _SECTION_AFTER.match(claims.text[claims.text.find(claim.text) + len(claim.text):]) if claim.text else None
        ruled = _SECTION_NAMED.search(fact.answer)
        if said and ruled and claim.role in ("to", "any") and said.group(1) not in ruled.group(0):
            result.wrong.append(f"报{ruled.group(0)}，不是{said.group(1)}")
    return result


# -- what the documents leave open ---------------------------------------------------------------------------
_SILENT = tuple((re.compile(entry["ask"], re.IGNORECASE if entry.get("ignore_case") else 0), entry["line"])
                for entry in load_yaml("silences.yaml")["silences"])  # knowledge/data/silences.yaml
# "有没有指定/规定/列出 X": whether the documents name something. They do when X's words are in the rule found;
# otherwise that is a point they leave open, never a verdict taken from the rule's modality.
_NAMES_ASKED = re.compile(r"(?:有没有|有无|是否|有)(?:具体)?(?:指定|规定|明确|列出|列明|给出|公布|统一|写明|提供|要求)(?:了)?(?:的)?([^，。？?]{2,14}?)(?:吗|呢|没有)?[?？。]*$")
_LIST_WORDS = re.compile(r"名单|名录|目录|清单|样表|范本|模板")
_SUFFIX = re.compile(r"(?<![a-z0-9-])\.?(gov\.cn|com\.cn|com|net|org|cn)(?![a-z])|\.(中国|公司|网络|政务)", re.IGNORECASE)
_STEPS_TIMED = re.compile(r"审核|审批|批下来|批复|分配|整改|办完|办结|处理完|迁移完|迁完|下来|重新注册|生效|回复|答复|反馈|汇总|转报|报省|报到省")
_WHERE_DONE = re.compile(r"(去|到|在)哪(里|儿)?(办|办理|注销|申请|弄)|哪个窗口|哪个网站上(办|注销|申请)")
_ASKS_PERIOD = re.compile(r"多长时间内|多久内|多久|好久|多长时间|几天内|(多少|几)个?(天|日|工作日|星期|礼拜|周|月)|期限是?多长|时限")
_ASKS_INSTEAD = re.compile(r"(那|应该|应当|该|要|可以|能)(它)?(改)?用(什么|啥|哪种|哪个)|用什么后缀|用啥后缀")
_WHEN = re.compile(r"什么时候|哪天|几号|截止|期限是|之前|日期")




def _asked(question: str) -> str:
    """The clauses that ask (with a question word), without those that only set the scene: in '网站停用两年了，
    域名还在续费，现在咋办' the 续费 is the situation, 咋办 the question. The whole question when none asks."""
    clauses = [c for c in re.split(r"[，,；;。]", question) if c.strip()]
    asking = [c for c in clauses if _ASKING.search(c)]
    return "，".join(asking) if asking and len(asking) < len(clauses) else question


class _Modal:
    pattern = re.compile(r"必须|只能|一定要|一定|只可以|只许|不能|不得|不可以|不准|不许|可以|能|需要|应当|应该|要|得")

    def search(self, text: str):
        return self.pattern.search(text)

    def partition(self, text: str) -> tuple[str, str, str]:
        match = self.pattern.search(text)
        return text[:match.start()], match.group(0), text[match.end():]


_MODAL = _Modal()
_FILLER = re.compile(r"^(是|为|在|放在|放到|放|用|使用|采用)|的")


def _pairs(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(len(text) - 1) if not re.search(r"[的了吗呢是有怎么什啥哪]", text[i:i + 2])]


def _share(pairs: list[str], text: str) -> float:
    return sum(p in text for p in pairs) / len(pairs)


def names_asked(question: str, facts: Sequence[Fact]) -> bool | None:
    """For '有没有规定/指定/明确 X': whether the rules found say X (most of X's character pairs are in them, and a
    list asked for is a list there); None for any other question."""
    named = _NAMES_ASKED.search(question)
    if not named or not facts:
        return None
    thing = named.group(1)
    if re.search(r"怎|如何|哪|什么|啥|谁|几|多少", thing):
        return None  # 有没有明确主域名怎么定: a detail of how, which the words of a rule cannot confirm
    text = "".join(f.quote + f.answer for f in facts[:2])
    if _LIST_WORDS.search(thing) and not _LIST_WORDS.search(text):
        return False
    # what is said of the subject (服务商|必须是国企) must be in the rule itself, not only the subject's words
    subject, modal, said = _MODAL.partition(thing) if _MODAL.search(thing) else (thing, "", "")
    said = _FILLER.sub("", said)
    if modal and any(_pairs(part) and _share(_pairs(part), text) < 0.5 for part in (subject, said)):
        return False
    pairs = _pairs(thing)
    return not pairs or _share(pairs, text) >= 0.5


def silence(question: str, facts: Sequence[Fact]) -> str | None:
    """'文件没有规定…' when the question asks for something the documents leave open, else None. Only what is
    asked counts: a silent point named in a clause that sets the scene is not the question."""
    asked = _asked(question)
    counted = next((f for f in facts[:2] if f.period), None)
    dated_ask = re.search(r"\d{1,2}月\d{1,2}[日号]", question) and re.search(r"最晚|哪天|几号|哪一天|截止|之前", question)
    if counted and _COUNTING.search(question) and not dated_ask:  # 3月1号换的，按20个工作日算，最晚哪天: computed, not silent
        # 公告3个月按自然日还是工作日算，周末算不算: the documents set the period, not how it is counted
        start = "从哪天起算，也没有规定" if re.search(r"起算|从哪天|从什么时候|从啥时候", question) else ""
        if "工作日" in counted.period:
            return (f"文件没有规定“{counted.period}”{start}工作日怎么认定（没有解释“工作日”）；通常工作日不含周末和法定节假日，"
                    "调休上班的日子算工作日")
        return f"文件没有规定“{counted.period}”按自然日还是工作日计算，也没有规定从哪天起算、周末和节假日是否计入"
    said = [line for pattern, line in _SILENT
            if pattern.search(question) and (pattern.search(asked) or _spans_asking(pattern, question, asked))]
    if said:  # 多少小时内上报？要附什么材料: each silent point asked is said
        return "；".join(dict.fromkeys(said))
    if facts and _WHERE_DONE.search(question) and not facts[0].role("to"):  # 注销ICP备案去哪里办
        return "文件没有写具体到哪里办理"
    if facts and facts[0].forbids:  # 不承担行政职能的事业单位能用.com吗: the rule forbids .gov.cn only
        named = {(a or b).lower() for a, b in _SUFFIX.findall(question)}
        if named and not named & set(facts[0].forbids):
            shown = "、".join(f"“.{n}”" for n in sorted(named))
            return f"文件没有对{shown}作出规定（既没有允许也没有禁止），只规定了不能用的后缀"
    named = names_asked(question, facts)
    if named is False:
        return f"文件没有规定（没有明确）{_NAMES_ASKED.search(question).group(1)}"
    top = facts[:1]
    how_long = re.search(r"期限是?(多久|多长|几天|多少天)", question)  # 整改期限是多久: a period, not a day
    from knowledge.reasoning import names_subject

    timed_step = any(f.period and names_step(f, question) and names_subject(f, question) for f in facts[:3])  # 持有者…？联系人变了多久内报备？
    in_time = re.search(r"\d{1,2}月\d{1,2}[日号]", question) and re.search(r"赶得上|赶得及|来得及|来不及|赶不上|超期|晚了|过期", question)
    # (3月8号报的，还赶得上县里的时限吗: whether a day is in time, set against the deadline — not a period asked)
    sequence = re.search(r"先[^。？]{1,24}(再|然后)", question)  # 先注销老的，再申请新的，中间停几天: an order claimed
    if _ASKS_PERIOD.search(question) and (how_long or not _WHEN.search(question)) and top and not timed_step and not in_time \
            and not sequence:
        fact = top[0]
        text = fact.quote + fact.answer
        other_step = [w for w in _STEPS_TIMED.findall(question) if w not in text]
        if not (fact.period or fact.date or fact.kind == "number") or other_step \
                or fact.period and not names_step(fact, question):  # 申请表报到省里几天内: not the contact change's 20 days
            return "文件没有规定这件事的办理时限"  # 州政府办审核要多长时间: the 20 working days are for another step
    if _ASKS_INSTEAD.search(question) and facts and facts[0].kind == "prohibition":
        return "文件只规定了不能用什么，没有规定应当改用什么"
    return None


_COUNTING = re.compile(r"自然日|日历日|(按|算)[^，。？]{0,2}工作日|工作日[^，。？]{0,2}算|起算|从哪天(开始)?算|从什么时候(开始)?算|怎么(计)?算|如何计算|"
                       r"(周末|节假日|假日|双休|休息日)[^，。？]{0,4}(算不算|算吗|算不|包括|也算|计入|在内|在里面)|"
                       r"(包括|包含|含不含|算不算|计入)[^，。？]{0,4}(周末|节假日|假日|双休|休息日)")
_PERIOD_WORDS = re.compile(r"多久|几天|几个|工作日|个月|\d")


def names_step(fact: Fact, question: str) -> bool:
    """The question names the step a period belongs to (联系人, 公告, 换域名), not only asks how long."""
    return any(len(k) >= 2 and k.lower() in question.lower() and not _PERIOD_WORDS.search(k) for k in fact.keys)


def _spans_asking(pattern: re.Pattern, question: str, asked: str) -> bool:
    """A silent point written across two clauses (报县里的清理情况，有没有模板) counts when the second asks."""
    clauses = [c for c in re.split(r"[，,；;。]", question) if c.strip()]
    return any(pattern.search(f"{c},{n}") and not pattern.search(c) and _ASKING.search(n) for c, n in zip(clauses, clauses[1:]))
