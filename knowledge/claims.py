"""A question read into what it asks and the claims it makes.

What is asked: a verdict (a yes/no question), a date, a period, a body, a route, a list, a count, a section,
or a weekday / the days between two events. The claims: the bodies it names with the role it gives them
(who does a step, to whom something goes), the dates it gives as deadlines (3月20日前) or as the day
something happens (3月4号交), the periods (30个工作日), a negation of a duty (不用管了吧, 可以不…) or a
claim that something forbidden is fine (也没事吧). Whether the question is English is the reader's
(`knowledge.translit`) to say. Verdicts are worked out from these against the rules'
model (`knowledge.model`), never from the wording alone."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from knowledge.facts import load_bodies

_CN_NUM = {"半年": 6, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十五": 15, "二十": 20, "三十": 30, "六十": 60, "半": 0}
_PERIOD = re.compile(r"(?<![月\d.哪几])(\d{1,3}|二十|三十|六十|十五|[一二两三四五六七八九十]|半)\s*(个工作日|工作日|个自然日|自然日|个月|天|周|个星期|星期|年)(?![前后]?[0-9])")
_DEADLINE_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?\s*(?:之?前|以前|截止|为止|前后)"
                            r"|(?:截止|截至|期限|最晚|最迟)[^，。？！,?!\d]{0,4}?(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?"
                            r"|(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?(?:就)?(?:是|为)[^，。？！,?!]{0,8}(?:截止|期限|最后一天|deadline)")
_DAY = re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}[日号]?")
_BEFORE_VERB = re.compile(r"(报|交|提交|报送|上报|送|向|给|到|报给|交给|发给|报到|送到|交到|寄到|寄给|递交|递到|经过|通过)(了)?\s*$")  # 报给了州政府办
_STEPWISE = re.compile(r"(逐级|一级级|一级一级|层层|逐层)[^，。？]{0,4}$")
_LAST = re.compile(r"(最后|最终|最末)[^，。？]{0,4}$")  # 最后是报省政府办公厅批准的: the route's last step
_FIRST_STOP = re.compile(r"(直接|先)(报|交|提交|报送|上报|送|报给|交给|报到|交到|寄到|寄给|寄)?\s*$|向\s*$")
# 直接把…表交给X: 直接 earlier in the clause, the handing-over verb right before the body — X is the first office
_TO_FAR = re.compile(r"(报|交|提交|报送|上报|送|寄)[^，。？,?]{0,10}(表|材料)\s*$")
_DIRECT = re.compile(r"直接|先")
_SOURCE = re.compile(r"(?:按照?|根据|依据|依照)\s*((?:州|省|县)(?:里|政府办公厅|政府办公室|政府办)?)(?:自己|自行)?的?[^，。？]{0,4}(?:监测|普查|排查|检查|统计|摸底)")
# a body the step is done together with (会同县公安局搞的)
_WITH = re.compile(r"会同\s*((?:州|县|省|市)[\u4e00-\u9fff]{1,6}?(?:局|办|委|厅))")
_SOURCE_BODY = {"州": "州政府办", "省": "省政府办公厅", "县": "县政府办"}
_SOURCE_BEFORE = re.compile(r"(?:按照?|根据|依据|依照)\s*$")
_GIVEN_BY = re.compile(r"同意\s*$")
# the kinds of unit the rules are written for, the units doing the work (我们是县级部门: which rule applies, so it
# stays a claim; named at all, they say who does it)
UNIT_KINDS = frozenset({"乡镇", "县级部门", "州级部门", "县市人民政府"})
_SPEAKER = re.compile(r"(我|我们|俺|俺们|咱|咱们)(是|在)\s*$")
# a body that receives another body's submission (由省政府办公厅向…提交)
_BY_OTHER = re.compile(r"由[\u4e00-\u9fff]{2,10}(向|报给|提交给|交给)\s*$")
_FIRST_FAR = re.compile(r"(直接|先|一开始就?|第一步就?)(把|将)[^，。？,?]{0,24}(报|交|提交|报送|上报|送|报给|交给|报到|交到|送到|送给|发给|寄到|寄给)\s*$")
# (按审批意见分配: 审批意见 is the approval given, 分配 the act)
_ACTOR_AFTER = re.compile(r"^[^，。？！,?!；;]{0,10}?(负责|牵头|来搞|搞|审批(?!意见)|批准|同意|点头|拍板|签个字|签了字|签字|来办|去办|办理|组织|复查|去注销|注销|印发|发的|发出|来做|做的|分配|收回|批(?![准意]))")
_CONSENT = re.compile(r"同意|签字|签个字|签了字|点头|拍板")
_APPROVES = re.compile(r"审批|批准|批")
# a body the documents do not name, in the place of one they do: 县委书记同意, 网信办审批
_OTHER_BODY = re.compile(r"((?:(?!要|经|需|由|得|让|的|是|和|找|申请|域名|网站|注册|注销|变更|报|交|给|向)[\u4e00-\u9fff]){0,6}"
                         r"(?:书记|县长|州长|市长|领导|局长|主任|科长|股长|处长|(?<=[\u4e00-\u9fff])(?:办|局|委|部|厅|中心|公司|机关|部门|办公室)))(?:一家|单独|自己|来|去|统一)?(?:签个?字)?"
                         r"(同意|点头|拍板|签字|签个字|签了字|审批|批准|负责|牵头|注销|办理|分配|收回|印发|下发|发文|转发|发的)")
# a body the documents do not name, written where a report goes (直接报县公安局, 交给县委宣传部, 找网信办)
_OTHER_TO = re.compile(r"(?:报|报给|报到|报送|上报|交给|交到|送到|送给|提交给|找)(?:给|到)?\s*"
                       r"((?:县|州|省|市|区|乡|镇)?[\u4e00-\u9fff]{0,5}(?:局|委|办|部|厅|中心|机关|网信办|公司))(?![\u4e00-\u9fff]?(?:网站|域名|的网站))")
# a person's title: may be the 主要负责人 the rule names, or not — the documents do not say
PERSON = re.compile(r"书记|县长|州长|市长|领导|局长|主任")
_SUFFICIENT = re.compile(r"就行|就可以|就够|即可|就完事|就算|一下就")
_EVENT_DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?(?:那天|当天)?\s*(?:就)?(?:印发|发的|发布|转发|转的|转了|转下来|成文|下发|出台|发文|发出|发|印的|签发|落款)(?!.{0,2}提醒)")
# the day claimed after the event it is the day of (县政府办是哪天转发的，2月13号吗)
_EVENT_DATE_AFTER = re.compile(r"(?:印发|发的|转发|成文|下发|出台|发文|发布|落款|签发)[^。？?]{0,10}?(?:是|在)?(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?"
                               r"(?:那天|当天)?[，,]?\s*(?:吗|吧|么|嘛|对吧|是吧|对吗|是不是|对不对)?[?？。]*$")  # (落款是2月19号，对吧)
_COUNT = re.compile(r"(?<![第这那哪每])(\d|[一二两三四五六七八九十])\s*(步|个步骤|个阶段|阶段|部分|大部分|大块|条|项|类)(?!\w{0,1}[）)])")
_COUNT_UNITS = {"步": "步", "个步骤": "步", "个阶段": "步", "阶段": "步", "部分": "部分", "大部分": "部分", "块": "部分",
                "大块": "部分", "条": "条", "项": "条", "类": "类"}
_MONTH = re.compile(r"(?<![\d年])(\d{1,2})月(份|底|末|初|上旬|中旬|下旬)(?:前|之前|以前)?(?!\d)")
# the days of a month a word stands for
PART_OF_MONTH = {"份": (1, 31), "底": (28, 31), "末": (28, 31), "初": (1, 10), "上旬": (1, 10), "中旬": (11, 20), "下旬": (21, 31)}
_NAME = re.compile(r"联系人(?:是|叫|为)([\u4e00-\u9fff]{2,3}?)(?:吧|吗|对|，|。|？|$)")
_NUMBER = re.compile(r"(?<![\d.])(\d{7,8})(?![\d.])")
# the asker's own address or number given as context (镇里自己的工作邮箱是…), not a claim about the documents'
_OWN_VALUE = re.compile(r"(自己|我们|咱们|本单位|我单位|镇里|乡里|局里|单位|新联系人|联系人|新)的?[^，。？]{0,6}(邮箱|电话|手机|号码|传真)(是|为|：|:)?\s*$")
MAIL = re.compile(r"[a-z0-9._+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.IGNORECASE)  # an e-mail address, wherever written
# a structure written with placeholders (○○○.□□□.gov.cn, △△△.政务, www.xxx.gov.cn)
_FORMAT = re.compile(r"(?:www\.)?(?:[○〇◯□口△]{2,}|x{3})(?:\.(?:[○〇◯□口△]{2,}|x{3}))*\.(?:gov\.cn|政务|中国|com|cn)", re.IGNORECASE)
_STATE_LEVEL = re.compile(r"州级|州直|州[\u4e00-\u9fff]{0,4}(局|委员会|委(?!书记|员)|部门)(?!.{0,2}复查)|楚雄州")
_COUNTY_LEVEL = re.compile(r"县级|县直|乡镇|我们县|本县|咱们县|县政府|县人民政府|县[\u4e00-\u9fff]{0,4}(局|委员会|委(?!书记|员)|部门)")
# how often a thing is done: 每年检查一次, 一个季度查一次, 每天盯着
_FREQUENCY = re.compile(r"(每|一)(年|季度?|个?季度|个?月|周|星期|半年|天|日)[^，。？]{0,6}(一次|一回|一遍|检查|评估|监测|查)|"
                        r"(半年|两年|季度|个月)[^，。？]{0,4}(一次|一回|一遍)|每天|每日|天天|日常|不定期|偶尔")
_NOT_BODY = re.compile(r"谁|哪|什么|啥|本部门|本单位|部门网站|门户网站|^(全部|都|统统|一律|一起|一并|全都|通通)$|必须|全部|应当|需要|域名|网站")  # 全部注销: how many, not who
_CONTACTED = re.compile(r"(联系|找)(相应的|对应的)?\s*$")  # 由持有者联系注册机构, 自己找注册商: the body contacted
_SUBJECT_AFTER = re.compile(r"^(能不能|能否|可不可以|可以|能|直接|自己)[^，。？]{0,3}(把|交|报|提交|送|注销|注册|申请|批)")
_WHO_VERB = re.compile(r"谁[^，。？]{0,3}(审批|批准|批|同意|负责|牵头|注销|办理|分配)")
_ON_BEHALF = re.compile(r"(帮|替|代|为)(各|大家|所有|全部)?\s*$")
_ACTOR_BEFORE = re.compile(r"(由|是|归|让|靠)\s*$")
NEGATION = re.compile(r"(?<![的])(不用(?!的|了?[，,。；;\s])|不需要|无需|不必|没必要|用不着|可以不(?![？?。!！\s]*$)|不用管|不管了|就完事|跟着没了|自动没了|不要紧|算了|"
                      r"不消(管|得|去|再)?|不得管|莫管|就完了)")
HARMLESS = re.compile(r"([\u4e00-\u9fff]{1,2})就\1(?=[吧呗嘛，,。]|$)|也?没事|没关系|也行|也可以|无所谓|没问题|不要紧|都行|随便|也?没有?(什么|啥)(影响|问题|关系)?(?=[吧吗嘛呀啊，,。？?]|$)")
# a rule's subject said to be free of it (租用空间就没限制了吧): a claim the rule contradicts when it restricts
UNRESTRICTED = re.compile(r"(没有?|不受|不设|无)(什么|任何|啥)?(限制|要求)")
_ACTION_TIME = re.compile(r"来得及|来不及|赶得上|赶不上|赶得及|超期|逾期|晚了|迟了|算晚|晚不晚|过期|超时|还行吗|今天|现在|已经")
_YEAR_WORD = re.compile(r"\d{4}年")
_ON_DAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?[^，。？]{0,4}(干什么|做什么|干啥|做啥|要干嘛|干嘛|有什么事|要做的|什么事|发生)")
_FIRST = re.compile(r"哪个[^，。？]{0,6}?(早|先|晚|后|在前|在后)|谁(早|先|晚|后)|先后|顺序|哪个日期(早|晚)|早还是晚|前还是后")
_WEEKDAY = re.compile(r"星期几|周几|礼拜几|what day of the week|which weekday", re.IGNORECASE)
_BETWEEN = re.compile(r"多少天|几天|隔了|相隔|相差|差了|差几|晚了多少|早了多少|一共|间隔|多长时间|多久|几个工作日|多少个工作日|how many days")
_ORDER = re.compile(r"过了没|过没过|过了吗|已经过了|是否已过|到了没|到没到|到了吗|之前还是之后|先还是后|哪个先|哪个在前|早于|晚于|赶在|来得及|还在.*之内|超过了?没|过期了?没|晚不晚|早不早")


# A在B之前 / A在B之后: the order said by a relation, not by the order written (之后 reverses it)
# (挂在调整后的新域名网站首页: 调整后的 describes a thing, it orders nothing)
_BEFORE_REL = re.compile(r"在[^，。？]{1,14}(之前|以前|前)(?!的)")
_AFTER_REL = re.compile(r"在[^，。？]{1,14}(之后|以后|(?<![然最])后)(?!的)")  # not 然后, 最后: a sequence, not a relation
_BEFORE_FIRST = re.compile(r"(之前|以前|前)[，,]?[^，。？\d]{0,4}先")
_ORDERED = re.compile(r"先[^。？?]{1,24}(再|然后|后|之后|以后|才)|然后|之后再|以后再|后再|完了?再|[^，。？,]{2,}(以后|之后|后)[，,]?[^，。？,]{0,4}(再|才)?(去|要|把|就)?")


@dataclass(frozen=True)
class BodyClaim:
    body: str  # canonical name (facts.yaml `bodies`)
    role: str  # actor | to | any
    text: str  # as written


@dataclass
class Claims:
    bodies: list[BodyClaim] = field(default_factory=list)
    deadlines: list[tuple[dt.date, str, bool, str]] = field(default_factory=list)  # (date, shown, year written, as written)
    periods: list[tuple[int, str, str]] = field(default_factory=list)  # (value, unit, as written)
    negated: bool = False  # the question denies a duty (不用管了吧)
    harmless: bool = False  # the question says something is fine (也没事吧)
    sufficient: bool = False  # the question says one step is enough (报备一下就行, 县长同意就行吧)
    dated: list[tuple[dt.date, str, str]] = field(default_factory=list)  # a day claimed for an event (2月13号发的)
    months: list[tuple[int, str, str]] = field(default_factory=list)  # 3月份才发, 3月底前: (month, 份/底/…, as written)
    values: list[tuple[str, str]] = field(default_factory=list)  # (kind, value): a name, a number, an e-mail claimed
    level: str = ""  # 县 or 州: the level of the unit the question is about, for 本级人民政府办公室
    weekday: bool = False
    on_day: dt.date | None = None  # 2月28日要干什么: the events of that day
    between: bool = False
    order: bool = False
    first: bool = False  # 哪个早, 先后: which of two events comes first
    text: str = ""  # the question as read, for claims about the order of a rule's steps
    ordered: bool = False  # the question says in what order steps come (先…再…, …以后…, 然后)
    reversed: bool = False  # ... and the later step is written first (ICP备案在域名注销之后注销)
    frequency: str = ""  # how often something is said to be done (每年检查一次), as written

    @property
    def checkable(self) -> bool:
        return bool(self.bodies or self.deadlines or self.periods or self.dated or self.values or self.months or self.frequency)


_WORD_PLACEHOLDER = re.compile(r"(?:(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{0,6}?|(?:部门|单位|本地|地方|县名|地名|县|州|机构)(?:名称|名字)?的?)"
                               r"(拼音|英文|缩写|简称|名称|全称|名字)"
                               r"(?:[^.。，,？?\s]{0,6}(?:加|接|跟|带)[个上]?)?(?=\.)")  # …简称后面加个.政务


def normal_format(text: str) -> str:
    """○○○.□□□.gov.cn in one spelling: 〇/◯ as ○, 口 as □, xxx as □□□."""
    text = re.sub(r"[〇◯]", "○", text)
    text = re.sub(r"口", "□", text)
    text = re.sub(r"x{3}(?=\.政务)", "△△△", text, flags=re.IGNORECASE)  # xxx.政务: the Chinese name's placeholder
    return re.sub(r"x{3}", "□□□", text, flags=re.IGNORECASE).lower()


def _unit(unit: str) -> str:
    return {"个工作日": "工作日", "工作日": "工作日", "个自然日": "天", "自然日": "天", "天": "天", "个月": "个月",
            "周": "周", "个星期": "周", "星期": "周", "年": "年"}[unit]


def parse_period(text: str) -> tuple[int, str] | None:
    match = _PERIOD.search(text)
    if not match:
        return None
    return _value(match.group(1), match.group(2))


def _value(raw: str, unit: str) -> tuple[int, str]:
    """(3, 个月) from 3 个月; 半年 is 6 个月, 一年 12 个月, 两周 14 天."""
    unit = _unit(unit)
    if raw == "半" and unit == "年":
        return 6, "个月"
    value = int(raw) if raw.isdigit() else _CN_NUM.get(raw, 0)
    if unit == "年":
        return value * 12, "个月"
    if unit == "周":
        return value * 7, "天"
    return value, unit


# a contact item named with its value (联系人是李晓霞，电话8837577): each value with the item it is claimed for
_CONTACT_CLAIM = re.compile(r"(联系人|电话|联系电话|手机|座机|传真|传真号|邮箱|邮件)(?:号码?)?(?:是|为|：|:)?\s*"
                            r"([\u4e00-\u9fff]{2,3}(?=[，,。？?是吧对\s、]|$)|\d{7,8}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
CONTACT_ITEMS = ("联系人", "电话", "传真", "邮箱")


def contact_values(question: str) -> list[tuple[str, str]]:
    """联系人是李晓霞，电话8837577 → [(联系人, 李晓霞), (电话, 8837577)]: each value with the item named; the asker's own
    (我们单位邮箱是…) and words that are no value (联系人变了) are left out."""
    out = []
    for m in _CONTACT_CLAIM.finditer(question):
        word, value = m.group(1), m.group(2)
        if re.search(r"我们|单位|自己|本单位|局里", question[max(0, m.start() - 8):m.start()]) or re.search(r"[变换改调更走离]", value):
            continue
        item = "联系人" if word == "联系人" else "传真" if word.startswith("传真") else "邮箱" if word in ("邮箱", "邮件") else "电话"
        if (item == "联系人") == bool(re.fullmatch(r"[\u4e00-\u9fff]+", value)) and value not in ("多少", "哪个", "是谁", "什么"):
            out.append((item, value))
    return out


def read_bodies(question: str) -> list[BodyClaim]:
    """The bodies a question names, each with the role the question gives it: `to` (报县政府办), `consent`
    (主管单位同意), `approves` (省政府办公厅审批), `actor` (县政府办负责, 由州政府办…), else `any`. A body the
    documents do not name, written where a role is (县委书记同意), is read too."""
    aliases, _ = load_bodies()
    spans: list[tuple[int, int, str]] = []
    for name, pattern in aliases:
        for match in pattern.finditer(question):
            start, end = match.span()
            if not any(start < b and a < end for a, b, _ in spans):
                spans.append((start, end, name))
    for match in _OTHER_BODY.finditer(question):
        start, end = match.span(1)
        if match.group(2) == "注销" and match.end(1) == match.start(2) and re.match(r"县|州|市|我们|咱们|本", match.group(1)):
            continue  # 县卫健局注销网站域名: the unit cancelling its own domain applies; it claims no one's role
        name = re.sub(r"^(我们|咱们|咱|我|本单位|本局|单位)(的)?", "", match.group(1))  # 我们分管副局长: the title is the body
        start += len(match.group(1)) - len(name)
        if name and not _NOT_BODY.search(name) and not any(start < b and a < end for a, b, _ in spans):
            spans.append((start, end, name))
    for match in _OTHER_TO.finditer(question):
        start, end = match.span(1)
        if not _NOT_BODY.search(match.group(1)) and not any(start < b and a < end for a, b, _ in spans):
            spans.append((start, end, match.group(1)))
    for match in _WITH.finditer(question):  # 会同县公安局: a body the step is done with
        start, end = match.span(1)
        if not any(start < b and a < end for a, b, _ in spans):
            known = next((name for name, pattern in aliases if pattern.fullmatch(match.group(1))), match.group(1))
            spans.append((start, end, known))
    for match in _SOURCE.finditer(question):  # 按州里自己监测的结果发的: whose monitoring the step follows
        if not any(match.start(1) < b and a < match.end(1) for a, b, _ in spans):
            spans.append((match.start(1), match.end(1), _SOURCE_BODY[match.group(1)[0]]))
    spans.sort()
    out = []
    for i, (start, end, name) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(question)
        before, after = question[max(0, start - 4):start], question[end:nxt]  # up to the next body only
        verb = _ACTOR_AFTER.search(after)
        if question[max(0, start - 2):start].endswith("会同"):
            role = "with"
        elif _SOURCE_BEFORE.search(question[max(0, start - 3):start]) and _SOURCE.search(question[max(0, start - 3):end + 14]):
            role = "source"
        elif _GIVEN_BY.search(question[max(0, start - 4):start]):
            role = "consent"  # approved by X, read word by word from English (同意云南省政府)
        elif _SPEAKER.search(question[max(0, start - 4):start]) and name not in UNIT_KINDS:
            role = "any"  # 我是州教育体育局负责网站的: who is asking, not a claim about the rule
        elif _BY_OTHER.search(question[max(0, start - 14):start]):
            role = "final"  # 最后由省政府办公厅向国家域名注册管理机构提交: another's step, the route's last recipient
        elif _CONTACTED.search(before):
            role = "any"  # 由持有者联系注册机构注销: the body contacted, not the one who acts
        elif _STEPWISE.search(question[max(0, start - 8):start]):
            role = "via"  # 逐级报到省政府办公厅: where the steps end, not the first office
        elif _LAST.search(question[max(0, start - 8):start]) and not _ACTOR_BEFORE.search(before):
            role = "approves" if verb and _APPROVES.fullmatch(verb.group(1)) else "via"
        elif (_FIRST_STOP.search(before) or _FIRST_FAR.search(question[max(0, start - 36):start])
              or _TO_FAR.search(question[max(0, start - 16):start]) and _DIRECT.search(question[max(0, start - 30):start])) \
                and not (verb and verb.start() == 0 and _CONSENT.fullmatch(verb.group(1))):  # 先主要负责人同意: who consents first
            role = "first"  # 直接报省政府办公厅, 向省政府办公厅报备: the first office, not where the route ends
        elif _TO_FAR.search(question[max(0, start - 16):start]):
            role = "to"  # 报送申请表省政府办公厅 (English read word by word: submit the form to …)
        elif verb and verb.start() == 0 and _APPROVES.fullmatch(verb.group(1)) and before.endswith(("报", "报请", "呈报", "报给")):
            role = "submit_approve"  # 报省政府办公厅批准: where it goes and who approves, one body
        elif _BEFORE_VERB.search(before) and not (verb and verb.start() == 0 and _CONSENT.fullmatch(verb.group(1))
                                                  and before.endswith(("经过", "通过", "报", "报请", "呈报", "经"))) \
                and not (verb and _CONSENT.fullmatch(verb.group(1)) and before.endswith(("经过", "通过"))):
            role = "to"
        elif verb and _CONSENT.fullmatch(verb.group(1)):
            role = "consent"
        elif verb and _APPROVES.fullmatch(verb.group(1)):
            role = "approves"
        elif verb or _ACTOR_BEFORE.search(before) or not i and _SUBJECT_AFTER.search(after):
            role = "actor"  # 县政府办能不能直接把审核表交给…: the body the sentence opens with does the step
        else:
            role = "any"
        asked = _WHO_VERB.search(question[:start])
        if role == "any" and asked and not _WHO_VERB.search(after):
            # 谁批准部门网站域名？州政府办，对吧: the body answering a who-question claims that question's role
            role = "approves" if _APPROVES.fullmatch(asked.group(1)) else "consent" if _CONSENT.fullmatch(asked.group(1)) else "actor"
        if role == "consent" and verb and "谁" in after[:verb.start(1)]:
            role = "any"  # 持有者变更不用经过谁同意: the consent is asked about, not given by this body
        if _ON_BEHALF.search(before) and out and verb and role in ("actor", "any"):
            # 县政府办会统一帮各乡镇注销: 乡镇 are whom it is done for; the body before 帮 does the act
            role = "any"
            if out[-1].role == "any":
                out[-1] = BodyClaim(out[-1].body, "actor", out[-1].text)
        out.append(BodyClaim(name, role, question[start:end]))
    return out


def read(question: str, year: int = 2019) -> Claims:
    q = question.strip()
    claims = Claims()
    claims.bodies = read_bodies(q)
    for match in _DEADLINE_DATE.finditer(q):
        y, m, d = next(match.group(i, i + 1, i + 2) for i in (1, 4, 7) if match.group(i + 1))
        try:
            day = dt.date(int(y or year), int(m), int(d))
        except ValueError:
            continue
        written = match.group(0) if match.group(2) else _DAY.search(match.group(0)).group(0)  # the day only: 县里 names the subject
        claims.deadlines.append((day, f"{int(m)}月{int(d)}日前", bool(y), written))
    for match in _PERIOD.finditer(q):
        value, unit = _value(match.group(1), match.group(2))
        claims.periods.append((value, unit, match.group(0)))
    deadline_starts = [m.start() for m in _DEADLINE_DATE.finditer(q)]
    if _ACTION_TIME.search(q):  # 3月4号之前交来得及吗: the asker's own date, set against the deadline elsewhere
        claims.deadlines = []
    for match in _EVENT_DATE.finditer(q):
        if any(match.start() <= d_start < match.end() for d_start in deadline_starts):
            continue  # 2月28日前发: a deadline claimed, not the day a document was issued
        try:
            day = dt.date(int(match.group(1) or year), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
        claims.dated.append((day, f"{day.month}月{day.day}日", match.group(0)))
    after = _EVENT_DATE_AFTER.search(q)
    if after and not claims.dated and not _DEADLINE_DATE.search(q):
        try:
            day = dt.date(int(after.group(1) or year), int(after.group(2)), int(after.group(3)))
            claims.dated.append((day, f"{day.month}月{day.day}日", _DAY.search(after.group(0)).group(0)))
        except ValueError:
            pass
    if not _ACTION_TIME.search(q):
        claims.months = [(int(m.group(1)), m.group(2), m.group(0)) for m in _MONTH.finditer(q) if 1 <= int(m.group(1)) <= 12]
    often = _FREQUENCY.search(q)
    claims.frequency = often.group(0) if often else ""
    claims.values += [("name", m.group(1)) for m in _NAME.finditer(q) if m.group(1) != "谁"]
    claims.values += [("number", m.group(1)) for m in _NUMBER.finditer(q)]
    claims.values += [("mail", m.group(0).lower()) for m in MAIL.finditer(q) if not _OWN_VALUE.search(q[max(0, m.start() - 16):m.start()])]
    for m in _COUNT.finditer(q):  # 清理分三步吧, 有关要求有五条吧
        raw = m.group(1)
        claims.values.append((f"count:{_COUNT_UNITS[m.group(2)]}", str(int(raw) if raw.isdigit() else _CN_NUM.get(raw, 0))))
    plain = _WORD_PLACEHOLDER.sub("xxx", re.sub(r"圈圈|方框|三角", "", q))  # www.部门拼音.gov.cn: words as placeholders
    claims.values += [("format", normal_format(m.group(0))) for m in _FORMAT.finditer(plain)]
    claims.sufficient = bool(_SUFFICIENT.search(q))
    claims.level = "州" if _STATE_LEVEL.search(q) else "县" if _COUNTY_LEVEL.search(q) else ""
    claims.negated = bool(NEGATION.search(q))
    claims.harmless = bool(HARMLESS.search(q))
    claims.weekday = bool(_WEEKDAY.search(q))
    day = _ON_DAY.search(q)
    if day:
        try:
            claims.on_day = dt.date(int(day.group(1) or year), int(day.group(2)), int(day.group(3)))
        except ValueError:
            pass
    claims.between = bool(_BETWEEN.search(q))
    claims.order = bool(_ORDER.search(q))
    claims.first = bool(_FIRST.search(q))
    claims.text = q
    claims.ordered = bool(_ORDERED.search(q) or _BEFORE_REL.search(q) or _AFTER_REL.search(q) or _BEFORE_FIRST.search(q))
    # ICP备案在域名注销之后注销 / 新域名启用前就先公告: the step written first comes later
    claims.reversed = bool(not _BEFORE_REL.search(q) and (_AFTER_REL.search(q) or _BEFORE_FIRST.search(q))) \
        and not re.search(r"先[^，。？]{1,24}再", q)
    return claims
