"""Working a question out beyond quoting: the verdict of a yes/no question, dates in the question set
against the policy's deadlines, and a domain in the question checked against the naming rules."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.claims import MAIL, UNRESTRICTED, Claims
from knowledge.claims import NEGATION as NEGATION_WORDS
from knowledge.claims import read as read_claims
from knowledge.facts import FOREIGN, Fact

# -- yes/no -------------------------------------------------------------------------------------------
# the tag that turns a statement into a question to confirm (…，对吧 / 对不 / 是这意思吧 / 我没记错吧)
_TAG = (r"(对吧|对不对|对不|对吗|对么|对伐|对哇|是吧|是不|是么|是这样吧|是这样的吧|是这样吗|是这个?(意思|原则|规定|要求|说法)[吧不]|这个?意思[吧不]|是这个?意思吗|"
        r"(我)?没(记|说|理解|搞|弄|看)错吧|没错吧|没错吗|理解(得)?(对|没错)(吧|吗|不)|我理解的?对吗|是这么回事吧|是这么个意思吧|没毛病吧|"
        r"是这么.{0,4}[吧吗]|是这样.{0,4}[吧吗]|是不是这样|是不是)[?？。!！~～]*$")
CONFIRM = re.compile(_TAG)
_YESNO = re.compile(r"(吗|吧|(?<![什怎多])么|嘛|不|没|否|呢)[?？。!！]*$|(?:吗|吧)[，,？?\s]|(?:要|能|可以|行|是|有|用|算|对|报|改|管)不[？?]|超期没|([\u4e00-\u9fff])不\2|能不能|可不可以|行不行|是不是|要不要|需不需要|有没有|对不对|"
                    r"是否|可以不|合不合|算不算|还能|符合要求不|没问题|就行|就可以|可以吧|行吗|赶得上|来得及")
# Which pair of words answers the question: (the words that ask it, positive, negative).
_FAMILIES = (
    (re.compile(r"不算违规|不违规吧|没违规吧|不算违反"), "是的，不算违规", "不对，算违规"),  # 这种不算违规吧
    (re.compile(r"算不算违规|是不是违规|违规吗|算违规吗|违不违规"), "不算违规", "算违规"),
    (re.compile(r"来得及|来不及|赶得上|赶不上|赶得及|赶得到|赶不到"), "来得及", "来不及"),
    (re.compile(r"按时|准时"), "算按时", "不算按时，超期了"),
    (re.compile(r"晚不晚|算不算晚|算晚|晚吗|晚了吗|迟不迟|迟吗|算迟"), "不晚", "晚了"),
    (re.compile(r"超期|逾期|晚了|迟了|(?<!自己)(?<!自动)(?<!让它)过期|超时"), "没有超期", "超期了"),  # not a domain left to expire
    (re.compile(r"过了没|过没过|过了吗|已经过了吗|过了没有"), "还没过", "已经过了"),
    (re.compile(r"到了没|到没到|到了吗|到了没有"), "还没到", "已经到了"),
    (re.compile(r"有没有提|有提|提到|提了|提没提|有没有说"), "有", "没有"),
    # 这样没问题吧: the plan's trouble is what is asked — 有问题 / 没问题, with the confirmation's 不对 / 是的
    (re.compile(r"(没|没有|没啥|没什么|没多大)(问题|毛病)(吧|吗|嘛|哈|呢)"), "是的，没问题", "不对，有问题"),
    (re.compile(r"算不算|算.*吧|是不是|就算|对吧|是吧|对不对|没错吧|的吧|是这样吧|没错|对吗|没问题吧|" + _TAG), "是的", "不是"),
    (re.compile(r"有(?!问题|毛病|影响|风险|事)[^，。？没]{1,6}(不|没|没有)[？?。]*$"), "有", "没有"),  # 有时限不, 有要求没: whether the rule sets one
    # 不符合, not 不符合要求: the negative must not hold the positive's words
    (re.compile(r"符合|合规|没问题|合不合|规范吗|规范的吗|算规范|规不规范|标准吗"), "符合要求", "不符合"),
    (re.compile(r"能不能|可不可以|可以|能否|行不行|行吗|能(?!力).{0,12}[吗吧]|就行|就可以|即可|有没有(办法|可能)|有(办法|可能)"), "可以", "不可以"),
    (re.compile(r"要不要|需不需要|需要|必须|用不用|得不得|还用|还要|用得着|要紧|(?<!主)要.{0,12}[吗吧]|(?<!主)要.{0,4}不[？?]|(?<![记觉懂晓显值使来获])得.{0,14}[吗吧]|(得|要|必须)用[^，。？]{0,20}[吗吧]|必要"), "需要", "不需要"),
)
_NOT_ALLOWED = re.compile(r"(不能|不可以|不得|不准|不许|不让)[^，。？]{0,16}(吧|对吧|是吧|对吗|吗)[?？。!！]*$")
_POSITIVE = {"可以", "需要", "有", "是的", "符合要求", "不晚"}


_WH = re.compile(r"什么|啥|哪|怎么|咋|谁|几|多少|多久|多长")


# 听说…？ with no tag: hearsay put as a question is a claim to confirm (听说是宣传部审核的？ → …，对吧？)
_HEARSAY = re.compile(r"^(?P<lead>[^，,。？?]{0,8}?)(?:我|俺)?(?:听说|听人说|听别人说|听他们说|据说|有人说|听讲|听群里说|群里说|"
                      r"领导说|听领导说|我记得|记得|印象中|我印象里|意思是|意思就是|也就是说|就是说|是不是说)(?:是|方案说|文件说|方案里说)?(?:了)?[，,：:]?(?P<claim>[^？?]{4,}?)[？?]+$")


# clause breaks: punctuation, and the spaces phone users type between Chinese words instead of commas
_CLAUSE_BREAK = re.compile(r"[，,。！!；;]+|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def confirmation_last(question: str) -> str:
    """'X对吧 永仁这边按这个时间倒排了' → 'X对吧？': a claim put to confirm and then followed only by statements (the
    asker's plans, 急, 不慌) is the question. The statements are left out: read as the scene, a plan (已经排好了)
    would pass for an act done on the date claimed. Only when the clauses after it ask nothing themselves."""
    clauses = [c.strip() for c in _CLAUSE_BREAK.split(question.strip()) if c.strip(" ？?")]
    asking = [i for i, c in enumerate(clauses) if _YESNO.search(c.rstrip("？?") + "？") and not _WH.search(c)]
    if not asking or asking[-1] == len(clauses) - 1:
        return question
    last = asking[-1]
    after = clauses[last + 1:]
    if any(_WH.search(c) or _YESNO.search(c + "？") or "？" in c or "?" in c for c in after):
        return question
    if any((lambda said: said.checkable or said.negated)(read_claims(c)) for c in after):
        return question  # …就行了吧，不用报州里: a further claim, part of what is to be confirmed
    return "，".join([*clauses[:last], clauses[last].rstrip("？?")]) + "？"


def hearsay_as_confirmation(question: str) -> str:
    """'听说X？' → 'X，对吧？' when X asks nothing itself (no 谁/哪/多久, no 吗/吧 of its own)."""
    match = _HEARSAY.match(question.strip())
    if not match or _WH.search(match["claim"]) or _YESNO.search(match["claim"] + "？"):
        return question
    return f"{match['lead']}{match['claim'].rstrip('，,。 ')}，对吧？"


def is_yes_no(question: str) -> bool:
    q = question.strip()
    match = _YESNO.search(q)
    if match and match.group(1) == "呢" and _WH.search(q):  # 事业单位呢 after 是什么: another part, not yes/no
        return False
    return bool(match) or bool(CONFIRM.search(q))  # …，对伐 / 对哇: every tag that asks to confirm


def verdict(question: str, facts: Sequence[Fact], claims: Claims | None = None) -> str:
    """`_verdict`, never positive when the question names a doer the rule does not speak to (公告满3个月后由州政府办
    注销原域名吧: the notice rule says nothing of who cancels — a 是的 would confirm the doer)."""
    from knowledge.model import check

    said = _verdict(question, facts, claims)
    if said and facts and not said.startswith(("不", "没有", "有问题", "晚了", "来不及", "超期")):
        if check(facts[0], claims or read_claims(question)).unspoken:
            return ""
    return said


def _verdict(question: str, facts: Sequence[Fact], claims: Claims | None = None) -> str:
    """The verdict of a yes/no question, worked out from the rules' model; '' when nothing decides it.

    In order: a claim the question makes (a body, a deadline, a period) set against the rule it is about —
    a contradiction answers no with the rule's value ("不对：是20个工作日，不是30个工作日"); a proposal that
    breaks or keeps a rule (`breaks` / `keeps`); a duty the question denies (不用管了吧) or a prohibition it
    calls harmless (也没事吧); claims that all match; last, the modality of the one rule the question is
    about (a duty 需要, a prohibition 不可以). Never a verdict from another rule's default."""
    from knowledge.model import check

    if not is_yes_no(question) or not facts:
        return ""
    claims = claims or read_claims(question)
    result = check(facts[0], claims)  # the rule the question is about comes first (see `knowledge.qa`)
    if result.wrong:
        asked = next((pattern for pattern, _, _ in _FAMILIES if pattern.search(question)), None)
        word = verdict_word(question, False)
        # 不需要 would deny the duty the rule keeps; a statement to confirm (…报备吧) is simply wrong
        word = word if word == "不可以" and asked is not None else "不对"
        return f"{word}：{'；'.join(dict.fromkeys(result.wrong))}"
    if _DUTY_DENIED.search(question) and names_subject(facts[0], question) and _DUTY_DENIED.search(question).group(2) in facts[0].answer:
        return "不对，需要"  # 办事平台单独跑得好好的，不用迁移了吧: the rule's own duty (整合迁移) denied
    if UNRESTRICTED.search(question) and facts[0].verdict in ("不可以", "需要") and names_subject(facts[0], question) \
            and not NEGATION_WORDS.search(question[:UNRESTRICTED.search(question).start()][-3:]):
        return "不对，有要求"  # 租用空间就没限制了吧: the rule about it restricts it
    claimed = len([b for b in claims.bodies if b.role != "any"]) + len(claims.deadlines) + len(claims.periods) \
        + len(claims.dated) + len(claims.values) + len(claims.months)
    matched = result.matched >= claimed > 0 and not result.open and not result.unspoken  # yes only when the rule speaks to every claim made
    polarity = None
    described = {f.clause.id: f for f in facts if f.case and f.case.search(question)}  # 两个域名都符合规范: 明确主域名
    for fact in facts:  # a proposal that breaks or keeps a rule decides next
        if described.get(fact.clause.id, fact) is not fact:
            continue  # the general rule the situation described qualifies (原则上只注册一个) decides nothing here
        breaking = [p for p in fact.no if p.search(question)]
        if breaking and CONFIRM.search(question) and not any(proposes(p, question) for p in breaking):
            return "是的"  # 服务器不能放在境外，对吧: the breaking act only under the asker's own 不 — the rule restated
        if breaking and (_NOT_ALLOWED.search(question) or any(proposes(p, question) for p in breaking)):
            polarity = False
        elif any(p.search(question) for p in fact.yes):
            polarity = True
        remedy = REMEDY.search(question)
        if polarity is False and remedy and any(m.end() > remedy.start() for p in breaking for m in p.finditer(question)):
            return verdict_word(question, False)  # 是不是要全部注销掉: the remedy proposed is itself what the rule rules out
        if polarity is False and remedy:
            return worry_word(question, True) or "需要"  # 服务器在境外，要不要迁回来: the state must be put right
        if polarity is True and REMEDY.search(question):
            return worry_word(question, False) or "不需要"  # 节点在杭州，要不要迁: the state keeps the rule
        if polarity is True and _SAID_FORBIDDEN.search(statement(question)) and not _MAY.search(statement(question)):
            return "不是，可以用"  # 检查的人说CDN不能用，是这样吗 — the setting keeps the rule, so it is not forbidden
        if polarity is not None:
            return verdict_word(question, polarity)
    top = facts[0]
    if top.allows and top.allows.search(question) and _SAID_FORBIDDEN.search(statement(question)) and not polarity:
        return "不是，可以用，但要符合下面的要求"  # CDN不能用吧: the rule sets how it is used, so it may be used
    if result.open:
        return ""  # 本级人民政府办公室 for a unit whose level is not said, 县长 for 主要负责人: the rule's words decide
    top = facts[0]
    about = names_subject(top, question)  # 网站改版不用报备吧: 报备 alone is not the duty to report a contact change
    dated_duty = top.kind == "date" and top.event and not top.event.endswith("日期")
    if (claims.negated or claims.harmless) and about and (top.verdict == "需要" or dated_duty):
        return "不对，需要"  # 清理情况不用报吧: a dated duty denied is a duty still
    if dated_duty and about and not claimed and DUTY_ASKED.search(question):
        return "需要"  # 乡镇也要报清理情况吗: the dated step is a duty of the units it names
    if claims.harmless and top.verdict == "不可以" and about and not (_about_where(top) and not _MAY_ABROAD.search(question)):
        return "不可以"
    if claims.negated and top.verdict == "不可以" and top.kind == "prohibition" and about:
        # 可以不用gov.cn吧: the question keeps the prohibition; 转给他们用一下就完事了吧 proposes the forbidden act
        # 是的 answers a statement to confirm only; 能…吗 (网站不用了，能借给下属用吗) asks a permission
        # (闲置域名不用注销，转给下属单位用就完事了吧: the 不 is another act's; the forbidden one is proposed)
        keeps_off = _KEEPS_OFF.search(question) and not any(proposes(p, question) for p in (*top.no, *top.does))
        return "是的，不能" if keeps_off and (CONFIRM.search(question) or not _MAY.search(question)) else "不可以"
    if matched:  # 联系人是张晓霞吧: confirmed
        return verdict_word(question, True) if any(p.search(question) for p, _, _ in _FAMILIES) else "是的"
    if top.kind == "prohibition" and top.verdict == "不可以" and about and _MAY.search(statement(question)) \
            and any(proposes(p, question) for p in top.does) and not _NOT_ALLOWED.search(question) \
            and not (_about_where(top) and not _MAY_ABROAD.search(question)):  # 服务器放在某个机房可以吗: where is not said
        # 不承担行政职能的事业单位还可以用.gov.cn吧: the 不 is the subject's (不承担), the act forbidden is proposed
        return verdict_word(question, False)
    stated = _STATED.search(question) and not _PERMISSION.search(question)  # …用的是本级门户的下级域名吧
    signed = stated and (same_polarity(question, top) or top.kind != "prohibition" and not NEGATION_WORDS.search(statement(question)))
    if not claimed and (_PREMISE.search(question) or signed or not top.verdict) and restates(question, top) \
            and (top.kind != "prohibition" or same_polarity(question, top)):  # 原则上只注册一个中文域名、一个英文域名，对吗
        return "是的"  # (a prohibition restated keeps its 不: 不承担…的事业单位，用.gov.cn没毛病吧 restates nothing)
    if not claimed and (CONFIRM.search(question) or signed) and (restates(question, top, 0.5) or quotes(question, top)) \
            and same_polarity(question, top):
        return "是的"  # a rule restated in the asker's words (…不单独作为网站跑了…，对吧): confirmed
    halves = [f for f in facts[:2] if f.clause.id == top.clause.id and described.get(f.clause.id, f) is f]  # a rule and its other half (主域名 after 一个域名)
    acting = [f for f in halves if f.verdict and any(p.search(question) for p in f.does) and names_subject(f, question)]
    if acting:  # the question names the act a rule is about; of several, the one named last (the predicate)
        rule = max(acting, key=lambda f: max((m.end(), m.end() - m.start()) for p in f.does for m in p.finditer(question)))
        if _about_where(rule) and not _MAY_ABROAD.search(question) and (rule.verdict == "不可以" or REMEDY.search(question)) \
                and not any(p.search(question) for p in rule.no) and not any(p.search(question) for p in rule.yes):
            # 服务器放在某个机房，可以吗 / 要不要迁: the rule says what breaks it (境外) and nothing named does or keeps
            # it — the place is not known, so no verdict from the rule's modality
            return ""
        if rule.verdict == "不可以" and CONFIRM.search(question) and not any(proposes(p, question) for p in rule.does):
            return "是的"  # 服务器不能放在境外，对吧: the act named only under the asker's own 不 — the prohibition restated
        if rule.verdict == "不可以" and REMEDY.search(question):
            return worry_word(question, True) or "需要"  # 服务器在境外，要不要迁回来: the state must be put right
        return verdict_word(question, rule.verdict in _POSITIVE)
    return ""


DUTY_ASKED = re.compile(r"(也|还|都)?(要|需要|得|用)(不要)?[^，。？]{0,4}报[^，。？]{0,8}(吗|么|不|吧)")  # 乡镇也要报清理情况吗
_DUTY_DENIED = re.compile(r"(不用|不需要|不必|没必要|用不着|可以不)[^，。？]{0,4}(迁移|整合|注销|公告|报备)")
_MAY_ABROAD = re.compile(FOREIGN)
# a statement that something may not be used at all (CDN不能用, 不让用): wrong when the setting keeps the rule
_SAID_FORBIDDEN = re.compile(r"(不能|不可以|不准|不许|不让|禁止|不得)(用|使用|上|开|租)")

# 用路径行不行？还是单独搞个子域名 / 放州政务云还是放香港节点: two options, each judged
_OR = re.compile(r"[，,？?。]?\s*(?:还是说|还是|或者是|或者)")
_OPTION_TAIL = re.compile(r"(行不行|可不可以|能不能|可以吗|行吗|好吗|合适吗|呢|吗|吧|比较好|好|[？?，,。!！\s])+$")
_OPTION_HEAD = re.compile(r"^(是|用|要|想|准备|打算|应该|该)")
_LABEL = re.compile(r".{0,24}[a-z0-9./_-]*", re.IGNORECASE)  # about 24 characters, never cutting a domain


def alternatives(question: str, facts: Sequence[Fact]) -> str:
    """'A可以，B不可以' when the question offers two options joined by 还是 and the rule it is about has a
    breaking and a keeping form that tell them apart; '' otherwise (an option the rule does not decide keeps
    the answer to the rule's own words)."""
    parts = [p for p in _OR.split(question, maxsplit=1) if p.strip()]
    if len(parts) != 2:
        return ""
    for fact in facts[:2]:
        if not (fact.no and fact.yes):
            continue
        said = []
        for part in parts:
            breaking = any(p.search(part) and proposes(p, part) for p in fact.no)
            keeping = any(p.search(part) for p in fact.yes)
            said.append(None if breaking == keeping else keeping)
        if None not in said and said[0] != said[1]:
            shown = []
            for part, good in zip(parts, said):
                label = _OPTION_TAIL.sub("", part.split("，")[-1].split(",")[-1]).strip()
                label = _LABEL.match(_OPTION_HEAD.sub("", label)).group(0) or part[:24]
                shown.append(f"{label}{'可以' if good else '不可以'}")
            return "，".join(shown)
    return ""


def _about_where(rule: Fact) -> bool:
    """A rule broken by a place abroad (`@foreign` in its breaks): the hosting and CDN rules of 五（三）."""
    return any(FOREIGN in p.pattern for p in rule.no)  # the prohibition's own act asked in its words
_KEEPS_OFF = re.compile(r"不用(?!管|了?[，,。；;\s])|不需要|无需|不必|没必要|用不着|可以不(?![？?。!！\s]*$)")
_DENIED_BEFORE = re.compile(r"(不|别|勿|禁止|严禁|不得|不能|不可以?|不准|不许)[^，。？；,]{0,3}$")
# a 不 that negates nothing: 合不合规, 是不是 (A-不-A asks), 不管/不论 (regardless)
_A_NOT_A = re.compile(r"([^能可要用行是])不\1\w?|不管|不论")


def proposes(pattern: re.Pattern, question: str) -> bool:
    """A breaking proposal the question makes: the pattern's words not under a 不 of the asker's own
    (不单独开域名, 不能放在境外 restate the prohibition; they do not propose breaking it), nor in a clause that
    reports what others do (我看别的地方有人写成.中国)."""
    return any(not _DENIED_BEFORE.search(_A_NOT_A.sub("", question[max(0, m.start() - 8):m.start()]))
               and not _OTHERS_DO.search(_clause_of(question, m.start()))
               and not _STATE_BEFORE.search(question[max(0, m.start() - 4):m.start()]) for m in pattern.finditer(question))


# a state described, not proposed (门户有两个合规的英文域名，要明确主域名吧)
_STATE_BEFORE = re.compile(r"(已经|已|现在|目前|原来|本来)?(有|挂着|挂了|用着)\s*$")


# another's practice reported, not the asker's proposal
_OTHERS_DO = re.compile(r"别的地方|别人|有人|人家(?!说|讲)|其他地方|外地|其他县|别的县|网上看到|在网上看|有的单位|有些单位")


def _clause_of(text: str, at: int) -> str:
    start = max(text.rfind(c, 0, at) for c in "，。？！；,?!;") + 1
    ends = [i for i in (text.find(c, at) for c in "，。？！；,?!;") if i >= 0]
    return text[start:min(ends) if ends else len(text)]


_PLAIN_KEYS = frozenset("多久 几天 什么时候 怎么办 咋办 处理 要求 标准 流程 执行 具体 干啥 做什么 格式 结构 申请 注册 注销 变更 报送 上报 截止 期限 时间 日期".split())


def names_subject(fact: Fact, question: str) -> bool:
    """The question names what the rule is about (联系人 for the duty to report a change), not only the act
    (报备 of a redesign is not that duty)."""
    q = question.lower()
    for key in fact.keys:
        k = key.lower()
        if len(k) >= 2 and k in q and k not in _PLAIN_KEYS and (len(k) >= 3 or not any(p.fullmatch(k) for p in fact.does)):
            return True  # an act of two characters (报备, 注销) is not a subject; 主域名 is
    return False


# a question about putting a forbidden state right, not about doing the forbidden act
REMEDY = re.compile(r"(要不要|需不需要|需要|得|用不用|是否要|应该|该不该|要)[^，。？]{0,4}(改|迁|换|整改|撤|调整|纠正|处理|注销|关|停|搬|挪|移|动|搞成|弄成)|"
                     r"(要不要|需不需要|用不用|该不该|是否要)[^，。？怎咋]{0,2}(弄|管|搞|整)|要(弄|管|搞|整)(吗|不)[？?]*$|"  # …还留着的，要弄不
                     r"(改|迁|换|整改)不(改|迁|换|整改)|要紧|要不要紧|严重吗|有问题吗|有没有问题|有影响吗|"
                     r"(要不要|需不需要|该不该|是否要)[^，。？]{0,2}(标|算|记|列|定|报)[^，。？]{0,3}(不合格|不合规|违规|不规范)")  # 要不要标不合格
WORRY = re.compile(r"要紧|严重|有问题|有没有问题|有影响")
_WORRY_WORDS = (("问题", "有问题", "没有问题"), ("影响", "有影响", "没有影响"), ("严重", "严重", "不严重"), ("要紧", "要紧", "不要紧"))


def worry_word(question: str, bad: bool) -> str:
    """The answer to '有没有问题 / 要紧吗 / 有影响吗' in the question's own word; '' when it asks no such thing."""
    match = WORRY.search(question)
    if not match:
        return ""
    for word, yes, no in _WORRY_WORDS:
        if word in match.group(0):
            return yes if bad else no
    return "要紧" if bad else "不要紧"


_PREMISE = re.compile(r"对吗|对吧|是吧|没错|是这样|对不对|是不是这样|的吧|" + _TAG)
_STOP = frozenset("的了吗呢吧啊呀嘛么是要在有和与及或把被给让还就都也又很太最几怎什哪谁我你他她它这那请问个一该能会可对错样")


_FILLER = re.compile(r"^(老师|领导|同志|您好|你好|请问|问一?下|想问一?下|我想问一?下|打扰一下|麻烦问一?下|老师问一?下)[，,、\s]*|"
                     r"(老师|领导)?(问一?下|请问)[，,、\s]*")


def statement(question: str) -> str:
    """A question to confirm without its greeting and its tag: the statement the asker makes."""
    text = _FILLER.sub("", question.strip())
    return CONFIRM.sub("", text).rstrip("，,。 ")


def restates(question: str, fact: Fact, share: float = 0.6) -> bool:
    """The question says what the rule says: most of its character pairs are in the rule's sentence — in the
    whole statement, or in one clause of it of some length when the other clauses only set the scene or explain
    (我是州教育体育局负责网站的，部门网站要用州门户的下级域名，也就是…这种结构): none of them negates or permits."""
    text = f"{fact.quote}{fact.answer}"

    def said(part: str, least: int) -> bool:
        pairs = [a + b for run in re.findall(r"[\u4e00-\u9fff]+", part) for a, b in zip(run, run[1:])
                 if a not in _STOP and b not in _STOP]
        return len(pairs) >= least and sum(p in text for p in pairs) >= share * len(pairs)

    whole = statement(question)
    if said(whole, 4):
        return True
    clauses = [c for c in re.split(r"[，,。；;]", whole) if c.strip()]
    return len(clauses) > 1 and fact.kind != "prohibition" \
        and any(said(c, 8) for c in clauses) and not any(_SCENE_TURN.search(c) for c in clauses)


_SCENE_TURN = re.compile(r"不|没|别|可以|也行|能|允许|禁止|还是")


def quotes(question: str, fact: Fact, size: int = 8) -> bool:
    """The statement repeats a stretch of the rule's own words (“谁开设、谁申请、谁使用、谁负责”)."""
    from difflib import SequenceMatcher

    said, text = statement(question), fact.quote or fact.answer
    match = SequenceMatcher(None, said, text, autojunk=False).find_longest_match(0, len(said), 0, len(text))
    return match.size >= size and len(re.findall(r"[\u4e00-\u9fff]", said[match.a:match.a + match.size])) >= size * 3 // 4


_NEGATIVE = re.compile(r"不|禁止|严禁|别|勿|无")


def same_polarity(question: str, fact: Fact) -> bool:
    """A restated rule keeps its sign: a prohibition restated says 不 (不得, 不能, 不单独), a duty restated
    does not deny it (不用, 可以不)."""
    said = statement(question)
    for key in fact.keys:  # 不承担行政职能的…: a 不 that names the subject is not the rule's 不
        if key.startswith("不") and len(key) >= 3 and key != "不得":
            said = said.replace(key, key[1:])
    if fact.verdict == "不可以" or fact.kind == "prohibition":
        return bool(_NEGATIVE.search(said))
    return not _KEEPS_OFF.search(said) and not NEGATION_WORDS.search(said)


def verdict_word(question: str, polarity: bool | None) -> str:
    """The word that answers this yes/no question with this polarity: 可以, 不需要, 是的, 没有, 符合要求 …"""
    if polarity is None:
        return ""
    # the word of the sentence that asks yes or no (…算规范的吗？需要怎么弄？: not the 需要 of the how-question)
    asked = [p for p in re.split(r"(?<=[？?])", question) if p.strip() and is_yes_no(p)]
    question = "".join(asked) if asked and len(asked) < len([p for p in re.split(r"(?<=[？?])", question) if p.strip()]) else question
    for pattern, yes, no in _FAMILIES:
        if pattern.search(question):
            if yes == "可以" and _NOT_ALLOWED.search(question):  # 服务器不能放境外吧: the asker says it is not allowed
                return "不对，可以" if polarity else "是的，不能"
            if yes == "是的" and not polarity and _NOT_ALLOWED.search(question):
                return "是的，不能"  # 服务器不能放境外的吧: the asker's 不能 is the rule's; the act is what breaks it
            return yes if polarity else no
    if re.search(r"有没有|有无|是否有|有没", question):
        return ""  # 有没有指定的名单 asks whether the documents name something: 可以 would answer nothing asked
    if _STATED.search(question) and not _PERMISSION.search(question):
        return "是的" if polarity else "不对"  # …要用 www.本地拼音.gov.cn 这种结构吧: a rule's content stated, to confirm
    return "可以" if polarity else "不可以"  # 得行不, 也没事吧: whether it is allowed


# a statement put for confirmation (是要用…这种结构吧, 应该是…吧), not a request for leave (能…吧, …就行吧)
_STATED = re.compile(r"(是|应该|应当|就是|用的是|规定|要求)[^。？]{1,40}(吧|吧？|吧\?)[?？。!！]*$"
                     r"|(完事|完了|不用管|不用)了?[吧嘛][?？。!！]*$")  # …就完事了吧: a claim of being done, to confirm
_MAY = re.compile(r"(?<![不没])(可以(?!不)|(?<![职功效性技才智])能(?!力|不)|允许|照样用|照用|继续用|还用)")
_PERMISSION = re.compile(r"能|可以|可不可以|行|让|允许|没事|没关系|不要紧|也成")


# -- dates ----------------------------------------------------------------------------------------------
_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2}|底|初|中)[日号]?|(?:今天|现在|已经)(?:是)?(\d{1,2})[日号]")


def question_dates(question: str, year: int) -> list[dt.date]:
    out = []
    for m in _DATE.finditer(question):
        try:
            if m.group(4):
                out.append(("day", int(m.group(4))))
                continue
            y = int(m.group(1)) if m.group(1) else year
            if m.group(1):
                year = y  # 2019年3月1号变更的，3月27号报备: a later day without its year is in the year written before
            month = int(m.group(2))
            day = {"底": 28 if month == 2 else 30, "初": 1, "中": 15}.get(m.group(3)) or int(m.group(3))
            out.append(("date", dt.date(y, month, day)))
        except ValueError:
            continue
    return out  # type: ignore[return-value]


def _md(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class DateLines(list):
    """The lines of `date_lines`; `on_time` says whether a date in the question keeps the deadline (None: no
    deadline was compared), so that a yes/no question about it gets its verdict from the dates."""
    on_time: bool | None = None


_DOCUMENTS_YEAR = 2019  # the year of both documents and all their dates


def date_lines(question: str, facts: Sequence[Fact], candidates: Sequence[Fact] = (),
               today: dt.date | None = None) -> DateLines:
    """Dates in the question against the deadlines found; the gap between two dates of the policy."""
    from knowledge.workdays import add_months, deadline

    lines = DateLines()
    dated = [f for f in facts if f.date]
    pair = list({f.date: f for f in reversed([*dated, *(c for c in candidates if c.date)])}.values())[::-1]
    gap_asked = re.search(r"几天|多少天|早几|晚几|差几|相差|间隔|隔了", question)
    if gap_asked:  # 州里发文到州里收各县市清理情况，给了多少天: the two events described, whatever ranked near them
        from knowledge.facts import load_facts
        from knowledge.model import events_in

        described = [f for f in events_in(question, load_facts()) if f.date]
        if len({f.date for f in described}) == 2:
            pair = described
    if len(pair) >= 2 and gap_asked:
        a, b = sorted(pair[:2], key=lambda f: f.date)
        lines.append(f"相差{(b.date - a.date).days}天：{_md(a.date)}到{_md(b.date)}。")
        return lines
    ids = {f.id for f in facts}
    year = today.year if today else dt.date.today().year
    if "notice" in ids or "contact-change" in ids:
        given = [value for kind, value in question_dates(question, year) if kind == "date"]
        if given:
            value = given[0]
            assumed = "" if re.search(rf"{value.year}年", question) else f"（没写年份，按{value.year}年算）"
            if "notice" in ids:
                end = add_months(value, 3)
                lines.append(f"{value.month}月{value.day}日调整域名的，公告3个月到{end.month}月{end.day}日，期满后注销原域名{assumed}。")
                if len(given) > 1:  # 4月1号挂的公告，6月中旬就注销行不行: the cancelling day against the notice's end
                    done = given[1]
                    lines.on_time = done >= end
                    lines.append(f"{done.month}月{done.day}日注销{'公告已满3个月' if done >= end else '公告还不满3个月，不能注销'}。")
                if assumed and value.year != _DOCUMENTS_YEAR:
                    then = add_months(value.replace(year=_DOCUMENTS_YEAR), 3)
                    lines.append(f"如果指的是文件所在的{_DOCUMENTS_YEAR}年，则公告到{then.year}年{then.month}月{then.day}日。")
            else:
                due = deadline("contact_change", value).due
                lines.append(f"{value.month}月{value.day}日变更的，应在20个工作日内、即{due.year}年{due.month}月{due.day}日前报备{assumed}。")
                if assumed and value.year != _DOCUMENTS_YEAR:  # the clean-up's own year, when that is what was meant
                    then = deadline("contact_change", value.replace(year=_DOCUMENTS_YEAR)).due
                    lines.append(f"如果指的是文件所在的{_DOCUMENTS_YEAR}年，则是{then.year}年{then.month}月{then.day}日前。")
                if len(given) > 1:  # 2月25日换的，3月20日报备: the second date against the due date
                    done = given[1]
                    lines.on_time = done <= due
                    lines.append(f"{done.month}月{done.day}日报备{'在期限之内' if done <= due else '已超过期限'}。")
            return lines
    due = [f for f in dated if not f.event.endswith("日期")]  # a deadline, never a document's own date
    if due and _ON_TIME.search(question):  # a day the asker acts on, set against the deadline
        target = due[0].date
        for kind, value in question_dates(question, target.year):
            day = value if kind == "date" else _safe_date(target.year, target.month, value)
            if day is None:
                continue
            lines.on_time = day <= target
            if day > target:
                lines.append(f"{day.month}月{day.day}日已超过{target.month}月{target.day}日的期限，晚了{(day - target).days}天。")
            else:
                lines.append(f"{day.month}月{day.day}日还在{target.month}月{target.day}日的期限之内，还来得及，请在{target.month}月{target.day}日前报送。")
            break
    return lines


# the question sets a day of its own against a deadline: 3月4号交来得及吗, 今天3月6号还能报吗, 3月10号才报算超期吗
_ON_TIME = re.compile(r"按时|准时|赶得到|赶不到|算不算按时|过了没|过没过|过了吗|来得及|来不及|赶得上|赶不上|赶得及|超期|逾期|晚了|晚不晚|算晚|迟了|过期|还能|还可以|行不行|行吗|还行不|行不[？?]?$|可以吗|"
                      r"(交|报|送|提交|上报|报送|报到|交到)[^，。？]{0,6}(吗|不|没|吧)|(\d+[日号])[^，。？]{0,3}(交|报|送|提交|上报)")


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# -- a domain in the question ------------------------------------------------------------------------------
_DOMAIN_IN_TEXT = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:gov\.cn|com\.cn|net\.cn|org\.cn|cn|com|net|org|政务|中国|政府|公司|网络)(?:/[\w./-]*)?"
                             r"|[\u4e00-\u9fff]{2,}\.(?:政务|中国|政府|公司|网络)(?:/[\w./-]*)?", re.IGNORECASE)
# "单位名称.中国", "xxx.gov.cn": a format written out with a placeholder, not a domain to check
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_PLACEHOLDER_LABEL = re.compile(r"^(?:www\.)?(?:(?:单位|机构|部门|网站|主办单位|本单位)?(?:名称|全称|简称|名字|拼音)|x{2,}|某+|abc|example|"
                                r"[○〇◯□△]*(?:圈圈|方框|三角))\.", re.IGNORECASE)
# a label that describes what goes there (单位全称或者规范简称后面加个.政务): a structure told in words, not a domain
_DESCRIBED_LABEL = re.compile(r"全称|简称|名称|名字|拼音|或者|后面|加个|加上|就是")
_BARE_SUFFIXES = frozenset("gov.cn com.cn net.cn org.cn".split())
_IMPERSONATION = re.compile(r"假冒|冒名|仿冒|冒充|山寨|劫持|冒用|钓鱼|" + r"一模一样|(做|弄|长|搞|仿)得?(跟|和|与|同)[^，。？]{0,14}(一样|一致|很像|差不多)|"
                            r"(跟|和|与)[^，。？]{0,14}(一模一样|几乎一样|长得一样)|高仿|仿造|仿制|克隆|照搬|假的?[^，。？]{0,8}(网站|官网|页面)|"
                            r"不是我们(的|注册|申请|单位)|(别人|有人|不明)[^，。？]{0,6}(注册|申请)了?[^，。？]{0,10}(我们|咱们)|"
                            r"(不是|并非|没有?)(我们|咱们|本单位|我单位|我局|我们单位)[^，。？]{0,4}(弄|做|建|开|办|搞|注册|申请)|"
                            r"(冒出来?|冒出|出现)了?(一个|个)[^，。？]{0,16}(网站|域名)|盗用|盗图|挂着我们")
# a look-alike or impostor site named by its domain: 五（四）— report it, and keep the daily monitoring
_LOOK_ALIKE = _IMPERSONATION
_OLD = re.compile(r"早年|早些年|之前注册|原来注册|以前注册|以前申请|老域名|(?:200\d|201[0-8])年.{0,6}(注册|申请|买|办)|55号(文)?(以前|之前|前)")
_UNIT = re.compile(r"[\u4e00-\u9fff]{1,20}(?:局|委员会|委|办公室|中心|人民政府|(?<=[县市州])政府|院|馆|所|队)")
# The unit's kind as the question describes it in words, most telling first: an institution that says it has no
# administrative functions is judged by 二（三） whatever else it is called; a township (乡/镇/街道) has no
# structure of its own in the documents.
# (有没有行政职能我也搞不清楚: whether it has them is not known, so 没有 there says nothing)
_KIND_WORDS = (("institution_other", re.compile(r"医院|学校|不承担|不(管|负责|搞)[^，。？]{0,6}(审批|执法|行政)|(?<!有)(没有|无|不具有|不具备|不行使|不履行|不负责)[^，。？]{0,4}行政(管理)?职能|公益[一二两]?类|公益性")),
               ("institution_admin", re.compile(r"承担行政职能|执法|参公|参照公务员")),
               ("system", re.compile(r"业务系统|办事平台|服务平台|办事大厅|网上办事|审批系统|政务服务网|服务系统|办事系统|系统|平台")),
               ("township", re.compile(r"(乡|镇)(人民)?政府|乡镇|街道办|(我们|咱们|咱|本|我|俺们)(乡|镇)|(?<![城县市州])(镇|乡)里|(?<=[\u4e00-\u9fff]{2})(乡|镇)(?=的|网站|，|,|上|里)")),
               ("department", re.compile(r"局|委|部门|办公室|(?<=[\u4e00-\u9fff]{2})(?<!府)办(?![理事法公])")),  # 扶贫办, not 政府办
               # 门户下面的 fpb.…: a sub-domain under the portal is a department's, not the portal's own
               ("portal", re.compile(r"县政府|市政府|门户(网站)?(?!下面|下的|下级|的下级)|人民政府")))

Lookup = Callable[[str], "tuple[str, str | None] | None"]  # domain -> (unit name, kind) from the registry


_OWN_LEVEL = re.compile(r"(?:咱们|我们|俺们|咱|我|本)(?:县|市|州)(?=[\u4e00-\u9fff])")  # 我们县林业局: the speaker's own place
_PRONOUN_PLACE = re.compile(r"(?:咱们|我们|俺们|你们|他们|咱|我|俺|本|该|贵)(?:的)?(?:县|市|州|区|乡|镇|单位|局)?(?=[\u4e00-\u9fff])")


# who is speaking (姚安县光禄镇的，…; 我是XX局的，…) when the sentence then names another unit as the domain's
# holder (听说县里用了个中文域名): the speaker is not the subject
_SPEAKER = re.compile(r"^\s*(?:你好|您好|领导好)?[，,!！ ]*(?:我是|我们是|我在|这边是|我这边是|我们这边是)?([^，,。？]{2,20}?)(?:的|这边|这里)[，,]")
_OTHER_HOLDER = re.compile(r"(?<!我们)(?<!咱们)(?<!我)(?<!本)(县里|州里|市里|县政府|州政府|市政府|县上|州上)(?!办)")


def _without_speaker(text: str) -> str:
    match = _SPEAKER.match(text)
    if match and _OTHER_HOLDER.search(text[match.end():]) and not re.search(r"我们|咱们|我|本单位|本局|俺", text[match.end():]):
        return " " + text[match.end():]
    return text


def _named_unit(text: str) -> str | None:
    """A unit written out with its place (武定县财政局), as the naming check needs it; else None."""
    from knowledge.units import parse_unit

    speaker = _SPEAKER.match(text)
    home = parse_unit(speaker.group(1)).place_name if speaker else ""
    if home and _OWN_LEVEL.search(text[speaker.end():]):
        # 南华县政府办的，我们县林业局网站…: the speaker's county is the 我们县 of the unit named after it
        text = _OWN_LEVEL.sub(home, text[speaker.end():])
    text = _PRONOUN_PLACE.sub("", text)  # 咱们县人社局, 本市政府: a pronoun and a bare 县 name no place
    for match in _UNIT.finditer(text):
        name = re.sub(r"^.*?(我们是|我们|我是|是|的)", "", match.group(0))
        if len(name) >= 4 and parse_unit(name).place is not None:  # a known place, not a stretch of words (网站域名想挂在州政府)
            return name
    return None


def registered_before_rules(question: str) -> bool:
    """A domain registered before 国办函〔2018〕55号 (2017年申请的, 早些年注册的) is changed under 三（四）."""
    match = _OLD.search(question)
    if match and match.group(0) == "老域名" and _CHANGED.search(question):
        return False  # 换了新域名…注销老域名: the domain being replaced, not one from before the rules
    return bool(match) and (bool(re.search(r"域名|网址|网站", question)) or mentions_domain(question)) and "55号" not in question


_CHANGED = re.compile(r"新域名|换域名|换了|换成|改域名|改成|调整|公告|启用|注销(完|了|掉了)|已(经)?注销")


_ASKS_DOMAIN = re.compile(r"合规|符合|规范吗|规范不|规范的吗|算规范|规不规范|标准吗|(换|改)成(啥|什么)(样)?(的)?(域名)?|应该用(啥|什么)(样的)?域名|可以吗|可以吧|可以不|行不行|行吗|行吧|对不对|对吗|对吧|没毛病|没啥问题|没什么问题|妥不妥|妥吗|靠谱|得行|"
                          r"这种呗|这样呗|就用|(能|可以|能不能|可不可以)(申请|注册|用|弄|开)[^，。？]{0,4}(吗|不|么|吧)|(申请|注册)不[了成]?[?？]|能用|能不能用|可以用|怎么办|咋办|怎么处理|如何处理|"
                          r"该咋|怎么弄|咋弄|咋整|咋处理|咋办|怎样处理|怎么整改|如何整改|有没有问题|有问题吗|没问题吧|对不|正确吗|怎么样|是否")
_ASKS_OTHER = re.compile(r"多长时间|多久|报给谁|交给|报到|哪一级|哪个单位|找谁|谁|怎么申请|如何申请|申请流程|走什么|什么程序|流程|手续|什么样|格式|"
                         r"哪天|什么时候|公告|几个月|报备|中文域名|栏目|频道|专题")


# subjects of other rules: a question about the server, the CDN or the contact of a named site is about those
_OTHER_SUBJECT = re.compile(r"注册商|注册机构|办下来|办得下来|哪些程序|什么程序|啥程序|走啥流程|什么流程|哪些流程|啥手续|什么手续|服务器|机房|境外|国外|海外|香港|cdn|解析|备案|icp|联系人|管理员|公告|持有者|持有单位|转给|借给|冒名|冒用|劫持|监测|"
                            r"虚拟空间|虚拟主机|云主机|节点|报备|报送|清理情况|注销|审批|同意", re.IGNORECASE)


CANCEL_IT = re.compile(r"(要不要|需不需要|需要|该不该|应不应该|得|要)注销(吗|吧|不|么)?[?？]*$|注销不注销")


_COLUMN_NAME = re.compile(r"[“”\"'‘’]?[\u4e00-\u9fff]{2,8}?[“”\"'‘’]?(栏目|频道|专题|专栏|版块|板块)")


_CHANGE_TO_DOMAIN = re.compile(r"(要不要|是不是|需不需要|是否|该不该|得|要)[^，。？]{0,4}(改|换|调整)成?[^，。？]{0,12}(域名|gov)")


def institution_kind(question: str) -> str | None:
    """institution_other / institution_admin when the question says which kind of institution it is about."""
    kind = _kind_of(question)
    return kind if kind in ("institution_other", "institution_admin") else None


def asks_about_domain(question: str) -> bool:
    """The question asks about the domain it names (is it compliant, what to do with it), not only
    mentions it while asking something else (the route, the period, a Chinese domain's format, its server).
    Whether to cancel it (需要注销吗) is what to do with it; who cancels it or where is another subject."""
    # a column's name (通知公告栏目, “政务公开”专栏) names the column, not a subject of its own
    rest = _COLUMN_NAME.sub(r"\1", _DOMAIN_IN_TEXT.sub(" ", question))
    if CANCEL_IT.search(rest) and not _OTHER_SUBJECT.search(CANCEL_IT.sub(" ", rest)):
        return True
    if _WHICH_OPTION.search(rest) and len(domains_in(question)) >= 2:
        return True  # 写 A 还是 B: which of the domains named to use
    if any(_CHANGE_TO_DOMAIN.search(part) and is_yes_no(part) for part in re.split(r"[？?]", rest)):
        return True  # …，是不是要改成州门户下面的二级域名？格式咋写: whether to change it is asked, with how
    # a subject named only in an earlier sentence that sets the scene (…挂在公司的云服务器上。这次清理，这个域名算
    # 规范的吗？) is not what is asked
    sentences = [t for t in re.split(r"[。！!]", rest) if t.strip()]
    asked = "。".join(t for t in sentences if re.search(r"[?？吗吧呢]|怎么|咋|如何|什么|啥", t)) if len(sentences) > 1 else rest
    if _OTHER_SUBJECT.search(asked or rest):
        return False
    return bool(_ASKS_DOMAIN.search(question)) or not _ASKS_OTHER.search(question)


def mentions_domain(question: str) -> bool:
    return bool(_DOMAIN_IN_TEXT.search(question))  # gov.cn by itself too: it is the policy's subject


def domains_in(question: str) -> list[re.Match]:
    """The domains or URLs a question names, unless they are an impostor's (a bare suffix such as gov.cn, an
    e-mail address or a placeholder such as 单位名称.中国 is not one)."""
    if _IMPERSONATION.search(question):
        return []
    out = []
    for match in _DOMAIN_IN_TEXT.finditer(question):
        if match.start() and question[match.start() - 1] in "@._-" or _EMAIL.search(question[max(0, match.start() - 40):match.end()]):
            continue  # an e-mail address (wdjy@163.com) is not a website
        if _OTHERS_DO.search(_clause_of(question, match.start())):
            continue  # 我看别的地方有人写成.中国: another's practice reported, not the site asked about
        host = re.sub(r"^https?://", "", match.group(0), flags=re.I).split("/")[0].lower()
        if host not in _BARE_SUFFIXES and not _PLACEHOLDER_LABEL.match(host) and not _DESCRIBED_LABEL.search(host.split(".")[0]):
            out.append(match)
    return out


def domain_in(question: str) -> str | None:
    """The (first) domain or URL a question is about."""
    found = domains_in(question)
    return found[0].group(0) if found else None


@dataclass
class Situation:
    lines: list[str] = field(default_factory=list)
    clause_ids: list[str] = field(default_factory=list)
    compliant: bool | None = None
    alone: bool = False  # its lines answer by themselves: no naming rule is added (an impostor, a township)
    scene: bool = False  # the situation is what is asked, whatever else the words name (an impostor, a site gone)
    en: str = ""  # the check in English, for a question asked in English
    registered: bool = False  # a portal's registered domain without www (dayao.gov.cn): kept, with www set up under it
    conditional: bool = False  # the answer turns on what the asker does not know (行政职能): no verdict either way


# each problem of the naming check, in English (the quotes stay Chinese)
_PROBLEMS_EN = {
    "not_gov_cn": "a government website's English domain must end in .gov.cn",
    "portal_not_www": "a county or city government portal must use the form www.□□□.gov.cn (□□□ = the place name in pinyin or English)",
    "dept_not_under_portal": "a department website must use a sub-domain of its own level's portal, ○○○.□□□.gov.cn",
    "institution_uses_gov_cn": "a public institution without administrative functions may in principle not use a .gov.cn domain",
    "system_as_site": "business systems, service platforms and columns are not separate websites; they use paths under their site's domain",
    "chinese_not_zhengwu": "a Chinese domain must have the form △△△.政务",
    "chinese_name_mismatch": "a Chinese domain must be the host unit's full or standard short Chinese name",
    "name_mismatch": "the name in the domain does not match the unit or its place",
    "township_own_domain": "the documents set no domain structure for townships",
    "ip_address": "a government website must use a standard domain, not an IP address",
    "invalid_syntax": "the domain is not valid",
}


def _english(domain: str, compliant: bool | None, codes: list[str], expected: str = "") -> str:
    if compliant:
        return f"Yes. {domain} follows the required structure."
    if compliant is None:
        return ""
    reasons = "; ".join(dict.fromkeys(_PROBLEMS_EN.get(c, "") for c in codes if _PROBLEMS_EN.get(c)))
    advice = (f"It should be {expected}." if expected else
              "A county or city portal should use www.□□□.gov.cn; a department ○○○.□□□.gov.cn.")
    return (f"No. {domain} does not comply: {reasons or 'it does not follow the required structure'}. {advice} "
            "After switching, keep a notice on the new site's homepage for 3 months, then cancel the old domain and its filings.")


_SUFFIX_ONLY = re.compile(r"(?<![a-z0-9-])\.?(com|net|org|cc|top|cn|中国|公司|网络)(?![a-z0-9.])", re.IGNORECASE)
_WHAT_NOW = re.compile(r"怎么办|咋办|怎么处理|如何处理|咋处理|怎么弄|咋弄|怎么整|咋整|怎么搞|咋搞|怎么整改|如何整改|下一步|接下来|要做什么|该怎么")
_STEPS = "新域名启用后在新网站首页醒目位置公告3个月，再注销原域名；域名注销后注销ICP备案、党政机关网站标识、公安机关备案标识等。"
_OLD_LINE = "原域名是落实国办函〔2018〕55号以前注册的：变更和注销先报上一级政府办公室备案，再由持有者联系注册机构办理。"


def suffix_situation(question: str) -> Situation | None:
    """'我们局网站用的是.com域名，怎么办': no domain written out, but a suffix other than .gov.cn and a request
    for what to do."""
    match = _SUFFIX_ONLY.search(question)
    if not match or not _WHAT_NOW.search(question) or _IMPERSONATION.search(question) or "gov.cn" in question.lower():
        return None
    kind = next((k for k, pattern in _KIND_WORDS if pattern.search(question)), None)
    if kind == "institution_other":
        return None
    wanted = {"system": "所属网站域名下的路径（如 www.□□□.gov.cn/...）", "portal": "www.□□□.gov.cn", "department": "○○○.□□□.gov.cn（如 jyj.□□□.gov.cn）",
              "institution_admin": "○○○.□□□.gov.cn"}.get(kind or "", "门户网站 www.□□□.gov.cn 或部门网站 ○○○.□□□.gov.cn")
    situation = Situation(compliant=False, clause_ids=["plan-2-2" if kind in ("department", "institution_admin") else "plan-2-1",
                                                       "plan-4-3-notice", "plan-3-5"])
    situation.lines += [f"用“.{match.group(1).lower()}”域名不合规：政府网站英文域名应以“.gov.cn”结尾。",
                        f"应申请规范域名 {wanted}。", _STEPS]
    if _OLD.search(question):
        situation.lines.append(_OLD_LINE)
        situation.clause_ids.append("plan-3-4")
    return situation


_COUNTY_DEPT = re.compile(r"县[\u4e00-\u9fff]{0,6}(局|委员会|委(?!书记|员)|部门|中心)|县级|县直")
_PREFECTURE_DEPT = re.compile(r"州[\u4e00-\u9fff]{0,6}(局|委员会|委(?!书记|员)|部门|中心)|州级|州直")


def _level_mismatch(text: str, labels: tuple[str, ...]) -> Situation | None:
    """A department of one level under another level's portal (县交通局 on jtj.cxz.gov.cn): 二（二） names the
    portal of its own level (本级)."""
    from knowledge.naming import suggest

    if len(labels) != 4 or labels[-2:] != ("gov", "cn") or labels[0] == "www":
        return None
    prefecture = {e.split(".")[1] for e in suggest("楚雄彝族自治州人民政府").english}
    county, state = bool(_COUNTY_DEPT.search(text)), bool(_PREFECTURE_DEPT.search(text))
    if county and not state and labels[1] in prefecture:
        said = "县级部门网站应使用本县政府门户网站的下级域名（○○○.□□□.gov.cn，□□□为本县名称），不是州门户网站的下级域名"
    else:
        return None
    domain = ".".join(labels)
    return Situation([f"{domain} 不合规：{said}。", f"应申请规范域名 ○○○.□□□.gov.cn（□□□ 为本县门户网站的名称，如武定县的 {labels[0]}.wuding.gov.cn）。", _STEPS],
                     ["plan-2-2", "plan-4-3-notice", "plan-3-5"], False)


_WHERE_TO_APPLY = re.compile(r"往哪报|报哪|报给谁|报到哪|找谁|向谁|怎么申请|如何申请|走什么流程|走啥流程|什么流程|啥流程|谁审批|谁批")
_DEPT_WORDS_NEAR = re.compile(r"[\u4e00-\u9fff](局|委)(?!书记|员)|部门网站")


def _facts():
    from knowledge.facts import load_facts

    return load_facts()


_DEPT_NAME = re.compile(r"([州县])([\u4e00-\u9fff]{1,8}?(?:局|委员会|委(?!书记|员)|办公室|中心))")
# 三（二）: how a department gets (or gives back) its sub-domain
DEPARTMENT_ROUTE = ("申请：经本部门（单位）主要负责人同意后，向本级人民政府办公室提交政府网站域名业务申请基本信息表，逐级审核后报省政府办公厅"
                    "批准，由本级政府门户网站分配下级域名。")


_PORTAL_NAMED = re.compile(r"www\.([a-z0-9-]+)\.gov\.cn", re.IGNORECASE)  # a portal's domain the asker gives


def _department_example(rest: str) -> str:
    """A suggestion for the department named without its place (州统计局 → tjj.chuxiong.gov.cn; 县 read as the
    documents' county, 武定县), or the structure's own placeholders when none is named."""
    from knowledge.naming import suggest

    match = _DEPT_NAME.search(rest)
    if match:
        # 双柏县文旅局: the county named, not the documents' own 武定县
        place = "楚雄州" if match.group(1) == "州" else (other_county(rest) or "武定县")
        english = suggest(f"{place}{match.group(2)}").english
        portal = next((m for m in _PORTAL_NAMED.finditer(rest) if not english or m.group(1).lower() not in english[0]), None) \
            if rest.count("www.") else None
        if english and portal:  # 州门户是 www.cxz.gov.cn: the department's label goes under that portal's own name
            return f"如{match.group(1)}{match.group(2)}可用 {english[0].split('.')[0]}.{portal.group(1).lower()}.gov.cn，○○○为部门名称的拼音或英文"
        if english:
            return f"如{match.group(1)}{match.group(2)}可用 {english[0]}，○○○为部门名称的拼音或英文"
    return "○○○为部门名称的拼音或英文，□□□为本级门户网站的名称"


def _department_structure(domain: str, labels: tuple[str, ...], rest: str = "") -> Situation:
    """A department's domain when the unit is not named in full: the structure ○○○.□□□.gov.cn, an example for
    the department named, how to apply (三（二）), the change-over, and 三（四） for a domain from before 55号."""
    if len(labels) == 4 and labels[-2:] == ("gov", "cn") and labels[0] != "www":
        return Situation([f"{domain} 符合部门网站“○○○.□□□.gov.cn”的结构（{labels[0]} 应是部门名称的拼音或英文，"
                          f"{labels[1]} 是本级门户网站的名称）。"], ["plan-2-2"], True)
    lines = [f"{domain} 不合规：部门网站应使用本级政府门户网站的下级域名“○○○.□□□.gov.cn”。",
             f"应申请规范域名 ○○○.□□□.gov.cn（{_department_example(rest)}）。", DEPARTMENT_ROUTE, _STEPS]
    ids = ["plan-2-2", "plan-3-2", "plan-4-3-notice", "plan-3-5"]
    if registered_before_rules(rest):
        lines.append(_OLD_LINE)
        ids.append("plan-3-4")
    return Situation(lines, ids, False)


_CANCEL = "原域名按照流程注销；域名注销后注销ICP备案、党政机关网站标识、公安机关备案标识等。"


_COLUMN = re.compile(r"栏目|频道|专题|英文版|外文版|子站|版块|板块|专栏")


def _column_structure(domain: str, parsed, rest: str = "") -> Situation:
    """A column, channel, topic or language version: a path under its site's own domain (二（五）) — a
    department's under ○○○.□□□.gov.cn, a portal's under www.□□□.gov.cn and △△△.政务; the domain opened for it
    is cancelled once its pages are moved."""
    if parsed.has_path:
        return Situation([f"{domain} 是网站域名下的路径，符合栏目、频道、专题使用同一级域名的要求。"], ["plan-2-5-paths"], True)
    department = _DEPT_NAME.search(rest) or _DEPT_WORDS_NEAR.search(rest)
    path = ("本部门网站域名下的路径“○○○.□□□.gov.cn/.../...”" + (f"（{_department_example(rest)}）" if _DEPT_NAME.search(rest) else "")
            if department else "门户网站域名下的路径“www.□□□.gov.cn/.../...”和“△△△.政务/.../...”")
    return Situation([f"{domain} 不合规：栏目、频道、专题等原则上使用同一级域名，应改用{path}，不单独开域名。",
                      f"内容迁移到路径下以后，{domain} 按照流程注销。"], ["plan-2-5-paths"], False)


def _kind_structure(domain: str, kind: str, parsed) -> Situation:
    """A platform's or a non-administrative institution's domain when the unit is not named in full: the
    rule of its kind only (二（五）: a path of its site, never a site of its own; 二（三）: no .gov.cn)."""
    gov = parsed.labels[-2:] == ("gov", "cn")
    if kind == "institution_other":
        if not gov:
            return Situation([f"{domain} 不以“.gov.cn”结尾，符合不承担行政职能的事业单位的要求。"], ["plan-2-3"], True)
        return Situation([f"{domain} 不合规：不承担行政职能的事业单位原则上不得使用以“.gov.cn”为后缀的英文域名。",
                          f"应停止使用这个“.gov.cn”域名，{_CANCEL}"], ["plan-2-3", "plan-3-5"], False)
    if parsed.has_path and gov and parsed.labels[0] == "www":
        return Situation([f"{domain} 是所属网站域名下的路径，符合业务系统、办事平台使用同一级域名的要求。"], ["plan-2-5-systems"], True)
    labels = parsed.labels
    portal = "www." + ".".join(labels[1:]) if gov and len(labels) == 4 and labels[0] != "www" else "www.□□□.gov.cn"
    return Situation([f"{domain} 不合规：业务系统、办事平台原则上不再作为独立网站运行，应使用所属网站域名下的路径（如 {portal}/...，路径名由网站自定）。",
                      f"要尽快把有关信息和服务整合迁移到所属网站，{_CANCEL}"], ["plan-2-5-systems", "plan-3-5"], False)


# the site behind the domain is no longer used: an idle domain, whatever its name
IDLE = re.compile(r"闲着|空着|不用了|早就不用|没在用|不再使用|不再用|没再用|停用|停了|关了|关掉|关闭了|撤掉|关停|下线|废弃|弃用|闲置|没人用|没人管|无人管|没人维护|无人维护|"
                   r"不维护|不再运行|停止运行|停运|荒废|废了|打不开了")


def _idle_situation(question: str, domain: str) -> Situation:
    """二（六）、四（三）、三（五）: an idle domain is cancelled by its holder through the registrar, then the filings;
    a township's also reported to the county (its notice is addressed to the townships)."""
    situation = Situation(compliant=None, clause_ids=["plan-2-6", "plan-4-3", "plan-3-5"])
    head = f"{domain} 的网站已不用，属于闲置域名" if domain else "网站永久下线（不再使用）后，它的域名属于闲置域名"
    situation.lines += [f"{head}：要及时注销，由域名持有者联系相应的注册机构注销，不得转给其他单位或个人使用。",
                        "域名注销后，原持有单位要及时注销ICP备案编号、党政机关网站标识、公安机关备案标识等。"]
    if _kind_of(question.replace(domain, " ") if domain else question) == "township":
        situation.lines.append(_county_task(question))
        situation.clause_ids.append("wd-report")
    if _OLD.search(question):
        situation.lines.append(_OLD_LINE)
        situation.clause_ids.append("plan-3-4")
    return situation


def _kind_of(text: str) -> str | None:
    return next((k for k, pattern in _KIND_WORDS if pattern.search(text)), None)


def _county_task(text: str = "") -> str:
    """What the county's notice asks of the townships and county departments (武政办函〔2019〕1号), from the model.
    That notice is 武定县's: a township of another county of 楚雄州 is told so, and reports as its own county
    office asks (the counties report to the prefecture by its deadline)."""
    from knowledge.facts import load_facts

    by_id = {f.id: f for f in load_facts()}
    county = other_county(text)
    if county:
        return (f"文件中给乡镇的报送要求出自武定县的转发通知（{by_id['wd-task'].answer.rstrip('。')}）；文件没有规定{county}乡镇报送的期限和单位，"
                f"按{county}政府办的要求办理。{by_id['prefecture-deadline'].answer}")
    return by_id["wd-task"].answer


def other_county(text: str, region: str = "") -> str | None:
    """A county or city of 楚雄州 other than 武定县 named in the text (禄丰县金山镇), else the office's own when
    its region is one (云南省楚雄彝族自治州南华县) and the text does not name 武定."""
    if "武定" in text:
        return None
    for source in (text, region):
        for name, stem in _chuxiong_counties():
            if name in source or stem != "楚雄" and stem in source:
                return name
    return None


@lru_cache(maxsize=1)
def _chuxiong_counties() -> tuple[tuple[str, str], ...]:
    """楚雄州's counties and cities other than 武定县: (name, stem)."""
    from knowledge.places import divisions

    return tuple((p.name, p.stem) for p in divisions().by_code.values()
                 if p.code.startswith("5323") and p.level == "county" and p.code != "532329")


_REPORT_ASKED = re.compile(r"清理情况|清理结果|清理完|清完|报送|上报|截止|期限|几号|哪天|什么时候报|啥时候报|报哪|报给谁|交给谁|交到哪")
# the county notice's own instructions to its recipients: its task, deadline and contacts (武定县's units only)
COUNTY_NOTICE_ORDERS = frozenset({"wd-task", "wd-deadline", "wd-contact-name", "wd-phone", "wd-fax", "wd-email"})


def county_notice_elsewhere(text: str, facts: Sequence[Fact], region: str = "") -> tuple[str, list[Fact]] | None:
    """武政办函〔2019〕1号 asks 武定县's townships and county departments to report to 武定县政府办 by 3月5日. A
    unit of another 楚雄 county is not bound by it: for its townships and departments the documents are silent
    (their own county office decides), and the county itself reports to the prefecture by the plan's date.
    Returns (the silence, or "" for the county itself; the facts to give instead) when the facts are about
    reporting the clean-up and the asker is of another county, else None."""
    from knowledge.facts import load_facts

    if not any(f.id in COUNTY_NOTICE_ORDERS or f.id == "prefecture-deadline" for f in facts):
        return None
    county = other_county(text, region)
    if not county:
        return None
    if not _REPORT_ASKED.search(text):  # 元谋县…联系人换了怎么报: 武定's contacts are not theirs; no report is asked
        kept = [f for f in facts if f.id not in COUNTY_NOTICE_ORDERS]
        return ("", kept) if kept and len(kept) < len(facts) else None
    by_id = {f.id: f for f in load_facts()}
    rest = [f for f in facts if f.id not in COUNTY_NOTICE_ORDERS and f.id != "prefecture-deadline"]
    instead = [by_id["prefecture-deadline"], *rest]
    kind = _kind_of(text.replace(county, " "))
    named_after = text.partition(county)[2] or text.partition(county[:-1])[2]
    if re.match(r"[\u4e00-\u9fff]{1,4}?(镇|乡|街道)", named_after):  # 姚安县光禄镇清理完了: a township named
        kind = "township"
    if kind in (None, "portal"):  # 南华县的清理情况啥时候报: the county reports to the prefecture
        return "", instead
    unit = {"township": "乡镇", "department": "县级部门"}.get(kind, "单位")
    return (f"文件没有规定{county}的{unit}向谁、在哪天前报送清理情况：武定县的转发通知（武政办函〔2019〕1号）要求"
            f"3月5日前报武定县政府办电子政务网络管理股，只是对武定县的乡镇和县级部门提的，{county}的{unit}按"
            f"{county}人民政府办公室的要求办理", instead)


TOWNSHIP_SILENT = "文件没有规定乡镇网站的域名结构（只规定了县市门户网站、州级部门网站、事业单位网站、中文域名和栏目的结构）。"


def _township_situation(domain: str, reasons: str, clause_ids: list[str], text: str = "") -> Situation:
    """A township's (乡/镇/街道) domain: the documents give townships no structure of their own; the county's
    notice tells them to clean up, cancel and report to the county office by its deadline. Only a rule the
    documents do state (a government site's .gov.cn) makes the domain non-compliant."""
    from knowledge.facts import load_facts

    lines = [f"{domain} 不合规：{reasons}。"] if reasons else []
    if re.search(r"申请|注册|找谁|报给谁|向谁|问谁|谁管|哪个部门", text):  # who to go to: the county office coordinates (五（二）)
        lines.append(TOWNSHIP_SILENT)
        lines.append(next(f.answer for f in load_facts() if f.id == "county-office-duty"))
        clause_ids = [*clause_ids, "plan-5-2"]
    return Situation([*lines, TOWNSHIP_SILENT, _county_task(text),
                      "注销的由域名持有者联系相应的注册机构办理；" + _CANCEL.split("；", 1)[1]],
                     [*clause_ids, "wd-report", "plan-4-3", "plan-3-5"], False if reasons else None, alone=True)


_IDLE_OWN = re.compile(r"我们(的|单位|局)?[^，。？]{0,6}(被劫持|被篡改|被黑)")  # our own site hijacked: not an impostor's domain


def _impostor_situation(question: str) -> Situation:
    """Someone else's domain posing as a government site (wudinggov.net 做得跟县政府网站一模一样): not a domain
    to rename but an impersonation — report it to the prefecture office, which coordinates the response, and
    keep up the daily monitoring (五（四）)."""
    from knowledge.facts import load_facts

    by_id = {f.id: f for f in load_facts()}
    named = _DOMAIN_IN_TEXT.search(question).group(0)
    return Situation([f"{named} 不是本单位注册的域名，属于冒名、仿冒政府网站的情况：{by_id['impersonation'].answer}",
                      by_id["monitoring"].answer], ["plan-5-4"], None, alone=True, scene=True)


_PORTAL_GIVEN = re.compile(r"门户(网站)?(域名)?(是|为|用的是|：|:)\s*$")


# a site already moved to a new domain, the one named being the one left behind
_MOVED_AWAY = re.compile(r"(换到|换成|换了|改用|启用|迁到|切换到|用上)了?新的?[^，。？]{0,4}域名[^。？]{0,12}(原来|老|旧|以前)|"
                         r"(原来|老|旧|以前)的?[^。？]{0,8}(换到|换成|迁到)新")


def domain_situation(question: str, lookup: Lookup | None = None) -> Situation | None:
    """A domain or URL in the question, with no sign that it is an impostor's: the naming check, what to
    apply for, and the steps of changing over."""

    if _LOOK_ALIKE.search(question) and _DOMAIN_IN_TEXT.search(MAIL.sub(" ", question)) and not _IDLE_OWN.search(question):
        # (an e-mail address is no site: 发件人是 wdwgzx@126.com，是不是钓鱼)
        return _impostor_situation(question)
    found = domains_in(question)
    if not found and IDLE.search(question) and _WHAT_NOW.search(question) and re.search(r"域名|网址|备案", question) \
            and not _SUFFIX_ONLY.search(question):
        situation = _idle_situation(question, "")  # 网站准备永久下线了，域名和备案怎么处理: the idle domain's whole course
        situation.alone = situation.scene = True
        return situation
    if len(found) == 1 and IDLE.search(question.replace(found[0].group(0), " ")) and _WHAT_NOW.search(question):
        situation = _idle_situation(question, found[0].group(0))  # 网站停用了，wdjtj.com 和公安备案怎么办: the whole course
        situation.scene = True
        return situation
    if not found:
        return suffix_situation(question)
    if len(found) > 1:  # 州门户是 www.cxz.gov.cn，我们打算用 jtj.cxz.gov.cn: the portal given is the setting, not checked
        checked = [m for m in found if not _PORTAL_GIVEN.search(question[max(0, m.start() - 8):m.start()])]
        found = checked or found
    if len(found) == 1 and IDLE.search(question.replace(found[0].group(0), " ")):
        return _idle_situation(question, found[0].group(0))
    if len(found) == 1 and _MOVED_AWAY.search(question.replace(found[0].group(0), " ")) and _WHAT_NOW.search(question):
        old = found[0].group(0)  # 已经换到新域名了，原来那个 wdrsj.cn 咋处理: the old one's course, not a check of it
        return Situation([f"{old} 是换下来的原域名：新域名启用后，要在新域名网站首页醒目位置公告3个月，再注销原域名 {old}，不能直接停掉；"
                          "原域名注销后，还要及时注销ICP备案、党政机关网站标识、公安机关备案标识等。"],
                         ["plan-4-3-notice", "plan-3-5"], None, alone=True, scene=True)
    if len(found) == 1:
        rest = _without_speaker(question.replace(found[0].group(0), " "))
        return _situation_for(_without_speaker(question), found[0].group(0), rest, lookup)
    change = _change_over(question, [m.group(0) for m in found])
    if change:
        return change
    # several: each is read with the words just before it (州卫健委网站是 A，它的办事平台用 B); the first
    # that breaks a rule is the one to act on
    situations = []
    for i, match in enumerate(found):
        start = found[i - 1].end() if i else 0
        situations.append(_situation_for(question, match.group(0), question[start:match.start()], lookup))
    # 县公安局 gaj…，县人社局用的 wdrsj.com，县融媒体中心 rmt…: each domain after a unit of its own is that unit's site
    units_apart = all(_UNIT.search(question[(found[i - 1].end() if i else 0):m.start()]) for i, m in enumerate(found))
    if units_apart:
        lines = list(dict.fromkeys(s.lines[0] for s in situations if s.lines))
        verdicts = {s.compliant for s in situations}
        return Situation(lines, list(dict.fromkeys(c for s in situations for c in s.clause_ids[:1])),
                         verdicts.pop() if len(verdicts) == 1 else False if False in verdicts else None)
    english = [m.group(0) for m in found if not re.search(r"[\u4e00-\u9fff]", m.group(0))]
    if len(english) >= 2 and _ONE_SITE.search(question) and not _COLUMN.search(question) \
            and not any(_KIND_WORDS[2][1].search(question[:m.start()][-12:]) for m in found[1:]):
        return _one_site(english, situations)
    if _WHICH_OPTION.search(question):  # 写 A 还是 B, 哪个对: each option checked, none judged for the others
        lines = list(dict.fromkeys(s.lines[0] for s in situations if s.lines))
        verdicts = {s.compliant for s in situations}
        return Situation(lines, list(dict.fromkeys(c for s in situations for c in s.clause_ids)),
                         verdicts.pop() if len(verdicts) == 1 else None)
    return next((s for s in situations if s.compliant is False), situations[0])


_WHICH_OPTION = re.compile(r"还是|哪个|哪一个|选哪|用哪|哪种")


# a change of domain described (从 A 换成了 B, A 改成 B): the old one is stopped by the notice rule, 四（三）
_CHANGE_VERB = r"(换成|换到|换为|改成|改为|改到|迁到|迁移到|切换到|调整为|调整成|变成|更换为|换新的|改用|换用)了?"
_OLD_ASKED = re.compile(r"(旧|老|原来|原先|以前|之前|原)[^，。？]{0,6}(那个|的|域名|网址)?[^。？]{0,12}(停|关|注销|下线|不用|撤|删)|"
                        r"(停|关|注销|下线)[^。？]{0,8}(旧|老|原来|原|以前)|怎么处理|怎么办|咋办|咋弄|还能用|还要留")


_ROUTE_ASKED = re.compile(r"流程|咋走|怎么走|如何走|步骤|程序|手续|怎么办理|怎么申请|怎么操作|要办哪些")
_DEPT_UNIT = re.compile(r"部门|[\u4e00-\u9fff](局|委)(?!书记|员)")


def _change_over(question: str, domains: list[str]) -> Situation | None:
    """元谋县门户从 www.ym.gov.cn 换成了 www.yuanmou.gov.cn，旧的那个啥时候可以停掉: the site moved to a new
    domain; the question is the old one's course — the notice on the new site for 3 months, then the old one
    cancelled, then its filings. The new one is checked too; the old one is not judged as the site's domain."""
    if len(domains) != 2:
        return None
    old, new = domains
    # 想改成 B，老的 A 怎么处理: the change said before both, and the one called old is the old one
    reversed_order = bool(re.search(_CHANGE_VERB + r"\s*(https?://)?$", question[:question.find(old)])
                          and re.search(r"(老|旧|原来|原先|以前)的?[^，。？\s]{0,4}\s*(https?://)?$", question[:question.find(new)]))
    if reversed_order:
        old, new = new, old
    between = question[question.index(old) + len(old):question.index(new)] if old in question and new in question else ""
    rest = question.replace(old, " ").replace(new, " ")
    route = _ROUTE_ASKED.search(rest)
    if not (reversed_order or re.search(_CHANGE_VERB, between)) or not (route or _OLD_ASKED.search(rest)):
        return None
    from knowledge.rules import check

    if route:  # 门户要从 A 改成 B，整个流程咋走: the whole change — the new one applied for, the notice, the old one and its filings
        from knowledge.facts import load_facts

        portal = bool(re.search(r"门户|县政府|市政府|人民政府(?!办)", rest)) or new.startswith("www.") and not _DEPT_UNIT.search(rest)
        procedure = next(f for f in load_facts() if f.id == ("portal-procedure" if portal else "dept-procedure"))
        lines = ["改域名要走完这几步：",
                 f"1. 申请新域名 {new}：{procedure.answer}",
                 f"2. {new} 启用后，在新域名网站首页醒目位置公告3个月；",
                 f"3. 公告期满后按同一流程注销原域名 {old}；",
                 "4. 原域名注销后，及时注销ICP备案、党政机关网站标识、公安机关备案标识等。"]
        result = check(new)
        if result.compliant is False:
            lines.append(f"另外，新域名 {new} 不合规：{'；'.join(dict.fromkeys(p.message for p in result.problems))}。")
        return Situation(lines, [procedure.clause.id, "plan-4-3-notice", "plan-3-5"], None, alone=True, scene=True,
                         en=f"Apply for {new} through the procedure, post a notice on the new site's homepage for 3 months, "
                            f"then cancel the old domain {old} and its filings.")
    at_once = re.search(r"马上|直接|立即|立刻|现在就|今天就|明天就|这就|赶紧", question)
    lines = [("不可以马上停掉：" if at_once else "") + f"{new} 启用后，要在新域名网站首页醒目位置公告3个月，再注销原域名 {old}，不能直接停掉；"
             "原域名注销后，还要及时注销ICP备案、党政机关网站标识、公安机关备案标识等。"]
    started = [value for kind, value in question_dates(question, dt.date.today().year) if kind == "date"]
    if started:  # 3月1号新域名上线，老域名最早什么时候能注销: the notice's 3 months from that day
        from knowledge.workdays import add_months

        day = started[0]
        end = add_months(day, 3)
        assumed = "" if re.search(rf"{day.year}年", question) else f"（没写年份，按{day.year}年算）"
        lines.insert(0, f"{day.month}月{day.day}日启用新域名的，公告3个月到{end.year}年{end.month}月{end.day}日，"
                        f"期满后（最早{end.year}年{end.month}月{end.day}日）才能注销原域名{assumed}。")
    result = check(new)
    if result.compliant is False:
        reasons = "；".join(dict.fromkeys(p.message for p in result.problems))
        lines.append(f"另外，新域名 {new} 不合规：{reasons}。")
    return Situation(lines, ["plan-4-3-notice", "plan-3-5"], None, alone=True, scene=True,
                     en=f"Post a notice on the new site ({new}) homepage for 3 months, then cancel the old domain {old} and its filings.")


# two English domains for one site (门户 A 和 B 都能打开): 二 — one Chinese and one English domain in principle,
# a main domain named when there are several
_ONE_SITE = re.compile(r"两个|俩|都能|都在用|都可以|都能用|同时|多个|几个|好几个|还有一个|还有个|另一个|另外一个|也能打开|都开着|也还开着")


def _one_site(domains: list[str], situations: list[Situation]) -> Situation:
    # a portal's registered domain lacking only www (dayao.gov.cn) is kept as it is, www set up under it
    # (www.wuding.gov.cn beside wd-zf.gov.cn: the compliant one names the place; a registered one with another name is
    # not kept as well)
    names = {d.lower().split(".")[-3] for d, s in zip(domains, situations) if s.compliant and d.lower().endswith(".gov.cn")}
    kept = [s.compliant or s.registered and (not names or d.lower().split(".")[-3] in names) for d, s in zip(domains, situations)]
    good = [d for d, k in zip(domains, kept) if k]
    bad = [d for d, k in zip(domains, kept) if not k]
    if len(good) == len(domains):  # all compliant: 二 asks for a main domain, not for cancelling the others
        return Situation([f"一个政府网站原则上只注册一个中文域名和一个英文域名；{'、'.join(domains)} 都符合规定的结构，"
                          f"已有多个符合要求的域名的，应明确主域名（如 {good[0]}）。文件没有要求注销其余符合要求的域名。"],
                         ["plan-2-one"], None)
    lines = [f"一个政府网站原则上只注册一个中文域名和一个英文域名：{'、'.join(domains)} 是同一网站的{len(domains)}个英文域名，只应保留一个。"]
    if good and len(good) < len(domains):
        lines.append(f"保留符合规定结构的 {good[0]} 作为主域名（英文域名），" + "、".join(d for d in domains if d != good[0]) + " 按流程注销。")
    else:
        lines.append("都不符合规定结构：应申请一个规范的 www.□□□.gov.cn 作为英文域名，原有的按流程注销。")
    for situation in situations:
        if situation.compliant is False and situation.lines:
            lines.append(situation.lines[0])
    lines.append(_STEPS)
    ids = ["plan-2-one", *(cid for s in situations for cid in s.clause_ids[:1]), "plan-4-3-notice", "plan-3-5"]
    return Situation(lines, list(dict.fromkeys(ids)), False if bad else None)


_FUNCTION_UNKNOWN = re.compile(r"事业单位[^。？]{0,30}(有没有|有没得|是否|是不是|承不承担)[^。？]{0,6}行政职能[^。？]{0,10}(搞不清|不清楚|不确定|不知道|说不准|拿不准)|"
                               r"(搞不清|不清楚|不确定|不知道)[^。？]{0,10}(有没有|是否|承不承担)[^。？]{0,4}行政职能")


@lru_cache(maxsize=1)
def _institution_name() -> re.Pattern[str]:
    """An institution written by its name (县图书馆, 州疾控中心): the multi-character institution words of the unit
    table; one-character ones (站, 所, 台) end ordinary words (网站, 平台) too often to tell a unit."""
    from knowledge.units import kind_words

    words = sorted((w for w in kind_words("institution") if len(w) >= 2), key=len, reverse=True)
    return re.compile(rf"[\u4e00-\u9fff]{{0,8}}?(?:{'|'.join(words)})")


_SUBORDINATE = re.compile(r"下属|直属|所属|下设|下面的")


def institution_named(text: str) -> tuple[str, str | None] | None:
    """The institution a question names by its name, when its words do not say whether it has administrative
    functions: (name, kind) with the kind the unit table knows (融媒体中心, 不动产登记中心), else None (县图书馆)."""
    if _kind_of(text) in ("institution_other", "institution_admin", "system", "portal"):
        return None
    from knowledge.units import parse_unit

    plain = _PRONOUN_PLACE.sub("", text)
    match = _institution_name().search(plain)
    if match and re.match(r"[\u4e00-\u9fff]{0,3}(说|讲|告诉|提到|反映|通知|转告)", plain[match.end():]):
        return None  # 县网信中心小周说…: who said it, not the unit asked about
    name = re.sub(r"^.*(的|是|属|设|在)", "", match.group(0)) if match else ""
    return (name, parse_unit(name).kind) if len(name) >= 2 else None


def function_unknown_line(unit: str = "这个事业单位", domain: str = "") -> str:
    """Both cases of 二（三）, for an institution whose administrative functions are not known."""
    shown = f"{domain} 这种" if domain else ""
    return (f"要看{unit}是否承担行政职能：承担行政职能的，按部门网站结构执行，可以用{shown}“○○○.□□□.gov.cn”；"
            "不承担行政职能的，原则上不得使用以“.gov.cn”为后缀的英文域名，要改用其他后缀的域名。"
            "是否承担行政职能以机构编制部门的认定为准（文件没有规定怎么认定）。")


def _function_unknown(domain: str, unit: str = "这个事业单位") -> Situation:
    return Situation([function_unknown_line(unit, domain)], ["plan-2-3"], None, alone=True, conditional=True)


def _bare_unit_label(label: str, rest: str) -> str:
    """The full name a Chinese domain's label should have when it is a department's name with no place
    (统计局 for 州统计局: 楚雄州统计局); '' when the label names its place or is no department."""
    from knowledge.units import parse_unit

    read = parse_unit(label)
    if read.place is not None or read.department is None or read.kind not in ("department", "institution_admin"):
        return ""
    level = re.search(r"(州|县|市)(?:级|直)?[^，。？\s]{0,6}" + re.escape(label[:2]), rest)
    if not level:
        return ""
    place = "楚雄州" if level.group(1) == "州" else other_county(rest) or "武定县"
    return f"{place}{label}"


def _situation_for(question: str, domain: str, rest: str, lookup: Lookup | None) -> Situation:
    from knowledge.rules import RULE_CLAUSES, check

    unit, kind = None, None
    if lookup is not None:
        found = lookup(domain)
        if found:
            unit, kind = found
    if unit is None:
        unit = _named_unit(rest)
        kind = _kind_of(rest)
        if unit and re.search(r"门户", rest) and re.search(r"(人民)?政府办(公室)?$", unit):
            # 我们是大姚县人民政府办公室，想给县门户注册中文域名: the portal's host is the county government
            unit = re.sub(r"(人民)?政府办(公室)?$", "人民政府", unit)
        if unit is None and re.search(r"门户|县政府网站|市政府网站", rest) and not _DEPT_WORDS_NEAR.search(rest):
            county = other_county(rest) or ("武定县" if "武定" in rest else None)
            if county:  # 永仁县这边问下，我们县门户还在用 www.yongren.cn: the county's portal
                unit, kind = f"{county}人民政府", None
    if lookup is None and _FUNCTION_UNKNOWN.search(rest) and kind not in ("institution_other", "institution_admin") \
            and domain.lower().rstrip("/").endswith(".gov.cn"):
        # 事业单位，有没有行政职能搞不清楚，想用 jk.wuding.gov.cn: the answer turns on that, both ways said
        return _function_unknown(domain)
    named = institution_named(rest) if lookup is None and unit is None else None
    if named and (kind is None or kind == "department" and _SUBORDINATE.search(rest)):
        if named[1] is not None:  # 县融媒体中心想用 rmt.…: the table knows its kind
            unit, kind = named[0], named[1]
        elif domain.lower().rstrip("/").endswith(".gov.cn"):
            # 县图书馆想用 tsg.wuding.gov.cn: an institution by its name, its functions not said — both cases said
            return _function_unknown(domain, named[0])
    if _COLUMN.search(rest) and lookup is None:  # 栏目, 英文版: a part of a site, not a site
        from knowledge.domains import parse_domain

        parsed = parse_domain(domain)
        if parsed.valid and not parsed.is_chinese:
            column = _column_structure(domain, parsed, rest)
            if not parsed.has_path:
                return column
            # a column on a path is right; the site whose path it is is checked as that site (its unit, its kind)
            site = _situation_for(_COLUMN.sub(" ", question), parsed.ascii, _COLUMN.sub(" ", rest), lookup)
            if site.compliant is False:
                return Situation([f"{domain} 栏目用网站域名下的路径是对的，但网站域名本身{site.lines[0].removeprefix(parsed.ascii).strip()}",
                                  *site.lines[1:]], ["plan-2-5-paths", *site.clause_ids], False, en=site.en)
            if site.compliant:
                column.lines.append(f"网站域名 {parsed.ascii} 也符合规定的结构。")
            return column
    result = check(domain, unit=unit, kind=kind)
    labels = result.domain.labels if result.domain.valid else ()
    if unit is None and result.compliant and result.domain.is_chinese and labels:
        label = result.domain.unicode.split(".")[0]
        bare = _bare_unit_label(label, rest)
        if bare:  # 州统计局想用 统计局.政务: a unit's name without its place is neither its full name nor its short one
            return Situation([f"{domain} 不合规：△△△应为主办单位的中文机构全称或规范化简称，“{label}”没有写地名，"
                              f"应写成“{bare}.政务”这样的全称。"], ["plan-2-4"], False)
    if result.unit is None and kind is None and len(labels) == 4 and labels[-2:] == ("gov", "cn") and labels[0] != "www" \
            and not result.domain.is_chinese and not re.search(r"门户|县政府|市政府|人民政府", question):
        kind = "department"  # a sub-domain of a portal, its unit not said: the department structure is the one it can follow
    if result.unit is None and kind in ("department", "institution_admin") and result.domain.valid and not result.domain.is_chinese:
        wrong_level = _level_mismatch(rest, result.domain.labels)
        if wrong_level:
            return wrong_level
        # 州门户是 www.cxz.gov.cn, said after the domain checked (never the domain checked itself)
        portal = next((m for m in _PORTAL_NAMED.finditer(question) if m.group(0).lower() != domain.lower()), None)
        return _department_structure(domain, result.domain.labels, f"{rest} {portal.group(0)}" if portal else rest)
    if kind == "system" and labels[:1] == ("www",) and not result.domain.has_path and re.search(r"门户|县政府|市政府|人民政府", rest):
        kind = None  # the platform is on the portal named (门户网站 www.… 上的办事大厅): the portal's domain is checked
        result = check(domain, unit=unit, kind=kind)
    if result.unit is None and kind in ("system", "institution_other") and result.domain.valid and not result.domain.is_chinese:
        return _kind_structure(domain, kind, result.domain)
    if kind == "system" and lookup is None and result.domain.valid and not result.domain.is_chinese \
            and (labels[:1] != ("www",) or result.domain.has_path):
        # 永仁县政府网站的办事大厅用 bsdt.yongren.gov.cn: the platform's own domain, whatever unit is named with it
        return _kind_structure(domain, kind, result.domain)
    situation = Situation(compliant=result.compliant)
    unit_kind = result.unit.kind if result.unit is not None else kind
    if result.compliant and unit_kind == "township":  # the guide's advice passes it; the documents set nothing
        return _township_situation(domain, "", [], question)
    if result.compliant:
        situation.lines.append(f"{domain} 符合规定的域名结构。")
        situation.en = _english(domain, True, [])
        return situation
    reasons = "；".join(dict.fromkeys(p.message for p in result.problems))
    ruled = [RULE_CLAUSES[p.code] for p in result.problems if p.code in RULE_CLAUSES]
    if unit_kind == "township":
        stated = [p for p in result.problems if p.code == "not_gov_cn" or result.unit is not None and p.code != "township_own_domain"]
        return _township_situation(domain, "；".join(dict.fromkeys(p.message for p in stated)),
                                   [RULE_CLAUSES[p.code] for p in stated if p.code in RULE_CLAUSES], question)
    situation.lines.append(f"{domain} 不合规：{reasons}。")
    situation.clause_ids += ruled
    if result.expected and unit_kind in ("department", "institution_admin") and result.expected[0].endswith(".gov.cn"):
        # 二（二）: a department's site is a sub-domain of its own level's portal
        situation.lines.append(f"部门网站要使用本级政府门户网站的下级域名（结构 ○○○.□□□.gov.cn），应申请 {result.expected[0]}。")
        situation.clause_ids.append("plan-2-2")
    elif result.expected and "/" in result.expected[0]:  # a path's name is the site's to choose: none is invented
        situation.lines.append("应整合迁移到所属网站，使用所属网站域名下的路径（如 www.□□□.gov.cn/...），不单独使用域名。")
    elif result.expected and result.expected[0] == f"www.{domain.lower()}" and (unit_kind in (None, "portal") or "门户" in question):
        # chuxiongshi.gov.cn without www: the portal is its www host, no other domain to register
        situation.lines.append(f"门户网站应使用 {result.expected[0]}（在已注册的 {domain} 下设 www）。")
        situation.registered = True
        return situation
    elif not result.expected and unit_kind in (None, "portal") and len(labels) == 3 and labels[1:] == ("gov", "cn") \
            and [p.code for p in result.problems] == ["portal_not_www"]:
        # wuding.gov.cn said without its unit: a registered domain whose www host is the portal's address — never
        # one to cancel (that would take www.wuding.gov.cn with it)
        situation.lines.append(f"门户网站应使用 www.{domain.lower()}（在已注册的 {domain} 下设 www，不需要另行注册）。")
        situation.registered = True
        return situation
    elif result.expected:
        situation.lines.append(f"应申请规范域名 {result.expected[0]}。")
    elif unit_kind == "institution_other":
        situation.lines.append("应改用不以“.gov.cn”结尾的英文域名（文件没有规定具体用哪种后缀），" + _CANCEL)
        return situation
    else:
        situation.lines.append("应按规范结构申请新域名（门户网站 www.□□□.gov.cn，部门网站 ○○○.□□□.gov.cn，中文域名 △△△.政务）。")
    if _WHERE_TO_APPLY.search(question):  # 要改的话往哪报: how a portal or a department applies
        if unit_kind == "portal" or result.unit is not None and result.unit.kind == "portal":
            situation.lines.append(next(f.answer for f in _facts() if f.id == "register-portal"))
            situation.clause_ids.append("plan-4-2")
        elif unit_kind in ("department", "institution_admin"):
            situation.lines.append(DEPARTMENT_ROUTE)
            situation.clause_ids.append("plan-3-2")
    situation.lines.append(_STEPS)
    situation.clause_ids += ["plan-4-3-notice", "plan-3-5"]
    codes = [p.code for p in result.problems]
    portal = "portal_not_www" in codes and not result.expected
    situation.en = _english(domain, False, codes, result.expected[0] if result.expected else "www.□□□.gov.cn" if portal else "")
    if _OLD.search(question):
        situation.lines.append(_OLD_LINE)
        situation.clause_ids.append("plan-3-4")
    return situation


# verdict words by the side they take: a verdict of one side must not stand beside a domain check of the other
_YES_WORDS = frozenset({"可以", "需要", "有", "是的", "符合要求", "不晚", "来得及", "没有超期", "没有问题", "不要紧", "没有影响", "不严重", "不需要"})
_NO_WORDS = frozenset({"不可以", "不是", "不符合", "不对", "有问题", "要紧", "有影响", "严重", "晚了", "来不及", "超期了"})


def agrees(ruling: str, compliant: bool | None, question: str) -> bool:
    """Whether a verdict can stand beside a domain check that found the domain compliant (True) or not
    (False): 可以 / 是的 / 没问题 beside 不合规 is a contradiction, and so is 不可以 beside 符合. 需要 / 不需要
    answer a remedy (要改吗) and are judged as such."""
    if compliant is None or not ruling:
        return True
    word = ruling.split("：")[0].split("，")[0].split("。")[0]
    if word in ("需要", "不需要"):
        if not REMEDY.search(question):
            return True  # 需要报备吗 beside a named site's check: another duty, not the domain's verdict
        return (word == "需要") != compliant
    if word in _YES_WORDS:
        return compliant
    if word in _NO_WORDS:
        return not compliant
    return True
