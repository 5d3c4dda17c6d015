"""Domain applications under 三、注册、注销流程 (pure): what an application must contain, the naming rules applied
while it is filled in, and the approval route that follows from the unit's level and kind."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from knowledge.domains import parse_domain
from knowledge.offices import office_title, read_place
from knowledge.policy import PLAN_DOC
from knowledge.registry_model import Status
from knowledge.rules import check
from knowledge.text import compact
from knowledge.units import MAX_UNIT_CHARS, parse_unit
from knowledge.workdays import add_months

# Registry statuses the outcome of an application sets. Named once here, so the status rework (issue 11:
# 在用/闲置/待注册/公告中/待注销/已注销) swaps these constants and nothing else.
# The lifecycle states an application's outcome writes (knowledge/registry_model.py is their one source).
STATUS_IN_USE, STATUS_NOTICE, STATUS_CANCELLED = Status.IN_USE, Status.NOTICE, Status.CANCELLED
STATUS_TO_CANCEL, STATUS_IDLE = Status.TO_CANCEL, Status.IDLE

ACTIONS = {"register": "注册", "cancel": "注销", "change_holder": "持有者变更", "change_contact": "联系人等信息变更"}
MAX_YEARS = 10  # the form's notes: the longest registration term is 10 years
MAX_DOMAINS = 20  # one form may cancel several domains of one unit
MAX_REASON_CHARS = 300
# Domains registered before 国办函〔2018〕55号 was carried out are changed or cancelled through their registrar
# (三（四））. The circular is of mid-2018; a registration date before this one counts as such a domain.
LEGACY_BEFORE = dt.date(2018, 7, 1)
GOV_SUFFIXES = ("gov.cn", "xn--nfv74n")  # .gov.cn and .政务 (as punycode): the national government registry

_PHONE = re.compile(r"^\+?[\d\s()（）-]{7,24}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,24}$")
CONTACT_FIELDS = {"name": "姓名", "post": "职务", "phone": "电话", "email": "邮箱"}


@dataclass(frozen=True)
class ContactInfo:
    name: str
    post: str
    phone: str
    email: str

    def to_json(self) -> dict:
        return {"name": self.name, "post": self.post, "phone": self.phone, "email": self.email}


@dataclass
class Spec:
    """An application as staff fill it in (the CLI's SPEC.json, or the chat's answers)."""
    action: str
    unit: str
    domains: list[str]
    years: int | None
    contact: ContactInfo
    reason: str = ""
    kind: str | None = None  # the unit's kind (KINDS); read from the name when not given
    legacy: bool = False  # registered before 国办函〔2018〕55号: goes through the registrar (三（四））
    replaces: list[str] = field(default_factory=list)  # a registration's old domains: announced 3 months, then cancelled

    def to_json(self) -> dict:
        return {"action": self.action, "unit": self.unit, "domains": list(self.domains), "years": self.years,
                "contact": self.contact.to_json(), "reason": self.reason, "kind": self.kind, "legacy": self.legacy,
                "replaces": list(self.replaces)}


@dataclass
class Context:
    """What the registry knows that the rules need (empty for a unit it does not know)."""
    portal: str | None = None  # the registered portal domain of the unit's place (a department's must sit under it)
    holders: dict[str, str] = field(default_factory=dict)  # domain (ascii) → holding unit's name
    registered_on: dict[str, dt.date] = field(default_factory=dict)  # domain (ascii) → registration date


class SpecError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


# -- single answers (the chat validates each as it is given) ------------------------------------------------
def check_years(value: object) -> tuple[int | None, str]:
    try:
        years = int(str(value).strip().rstrip("年"))
    except (TypeError, ValueError):
        return None, f"注册年限请填写 1 到 {MAX_YEARS} 之间的整数（年）"
    if not 1 <= years <= MAX_YEARS:
        return None, f"注册年限最长 {MAX_YEARS} 年，最短 1 年，填写的是 {years} 年"
    return years, ""


def check_contact(data: object) -> tuple[ContactInfo | None, list[str]]:
    if not isinstance(data, dict):
        return None, ["域名联系人须写明姓名、职务、电话、邮箱"]
    values = {key: compact(str(data.get(key) or ""))[:100] for key in CONTACT_FIELDS}
    problems = [f"域名联系人缺少{label}" for key, label in CONTACT_FIELDS.items() if not values[key]]
    if values["phone"] and not _PHONE.match(values["phone"]):
        problems.append(f"联系人电话“{values['phone'][:30]}”格式不对，例如 0878-8711677 或 13812345678")
    if values["email"] and not _EMAIL.match(values["email"]):
        problems.append(f"联系人邮箱“{values['email'][:60]}”格式不对，例如 zs@example.cn")
    return (None, problems) if problems else (ContactInfo(**values), [])


def parse_contact_text(text: str) -> dict:
    """'张三 办公室主任 0878-8711677 zs@example.cn' (any order of phone and email) → the contact fields."""
    words = [w for w in re.split(r"[\s,，;；、]+", text.strip()) if w]
    out = {"name": "", "post": "", "phone": "", "email": ""}
    rest = []
    for word in words:
        if "@" in word and not out["email"]:
            out["email"] = word
        elif sum(ch.isdigit() for ch in word) >= 7 and not out["phone"]:
            out["phone"] = word
        else:
            rest.append(word)
    if rest:
        out["name"] = rest[0]
    if len(rest) > 1:
        out["post"] = "".join(rest[1:])
    return out


def is_legacy(domain: str, context: Context) -> bool:
    """A domain outside the government registry (.com …), or registered before 国办函〔2018〕55号."""
    parsed = parse_domain(domain)
    if parsed.valid and not parsed.ascii.endswith(GOV_SUFFIXES):
        return True
    registered = context.registered_on.get(parsed.ascii if parsed.valid else domain)
    return registered is not None and registered < LEGACY_BEFORE


def domain_problems(action: str, domain: str, unit: str, kind: str | None, context: Context) -> list[str]:
    """The naming rules as the form is filled: a registration must be compliant (a department's under the
    registered portal); anything else must at least be a valid domain."""
    parsed = parse_domain(domain)
    if not parsed.valid:
        return [f"“{domain[:80]}”不是有效的域名：{parsed.error}"]
    if action != "register":
        return []
    result = check(parsed.ascii if not parsed.is_chinese else parsed.unicode, unit, kind, context.portal)
    problems = [f"{parsed.unicode}：{p.message}（{p.basis}）" for p in result.problems]
    unit_kind = kind or (result.unit.kind if result.unit else None)
    if not problems and unit_kind in ("department", "institution_admin") and not parsed.is_chinese and context.portal:
        base = context.portal[4:] if context.portal.startswith("www.") else context.portal
        if not parsed.ascii.endswith("." + base):
            problems.append(f"{parsed.unicode}：部门网站域名须在本级政府门户网站域名 {base} 之下（{PLAN_DOC} 二（二））")
    if problems and result.expected:
        problems.append(f"可申请：{'、'.join(result.expected[:3])}")
    return problems


def validate(raw: object, context: Context | None = None) -> Spec:
    """The application as the rules accept it, or SpecError with every reason (Chinese)."""
    context = context or Context()
    if not isinstance(raw, dict):
        raise SpecError(["申请内容须为 JSON 对象"])
    problems: list[str] = []
    action = str(raw.get("action") or "")
    if action not in ACTIONS:
        problems.append(f"业务类型须为 {'、'.join(f'{k}（{v}）' for k, v in ACTIONS.items())} 之一")
    unit = compact(str(raw.get("unit") or ""))
    if not unit:
        problems.append("缺少申请单位全称（须与公章一致）")
    elif len(unit) > MAX_UNIT_CHARS:
        problems.append(f"申请单位名称过长（最多 {MAX_UNIT_CHARS} 字）")
    kind = raw.get("kind") or (parse_unit(unit).kind if unit else None)
    domains_raw = raw.get("domains")
    if isinstance(domains_raw, str):
        domains_raw = [domains_raw]
    if not isinstance(domains_raw, list) or not [d for d in domains_raw if str(d).strip()]:
        problems.append("缺少域名")
        domains: list[str] = []
    else:
        domains = list(dict.fromkeys(str(d).strip() for d in domains_raw if str(d).strip()))
    if len(domains) > MAX_DOMAINS:
        problems.append(f"一张表最多 {MAX_DOMAINS} 个域名")
    if action == "register" and len(domains) > 2:
        problems.append("一个政府网站原则上只注册一个中文域名和一个英文域名")
    if action in ACTIONS and unit:
        for domain in domains[:MAX_DOMAINS]:
            problems += domain_problems(action, domain, unit, kind, context)
    years = None
    if action == "register" or raw.get("years") not in (None, ""):
        years, problem = check_years(raw.get("years"))
        if problem:
            problems.append(problem)
    contact, contact_problems = check_contact(raw.get("contact"))
    problems += contact_problems
    reason = str(raw.get("reason") or "").strip()[:MAX_REASON_CHARS]
    if not reason:
        problems += [f"注销 {d} 须说明原因：该域名登记在{context.holders[_key(d)]}名下"
                     for d in domains if action == "cancel" and _key(d) in context.holders
                     and compact(context.holders[_key(d)]) != unit]
        if action == "change_holder":
            problems.append("持有者变更须写明原因和变更后的持有单位（须经政府网站主管单位同意）")
    replaces_raw = raw.get("replaces") or []
    replaces = [str(d).strip() for d in (replaces_raw if isinstance(replaces_raw, list) else [replaces_raw]) if str(d).strip()]
    for old in replaces[:MAX_DOMAINS]:
        if not parse_domain(old).valid:
            problems.append(f"被替换的“{old[:80]}”不是有效的域名")
    if problems:
        raise SpecError(problems)
    legacy = bool(raw.get("legacy")) or (action != "register" and any(is_legacy(d, context) for d in domains))
    return Spec(action, unit, [parse_domain(d).unicode for d in domains], years, contact, reason, kind, legacy,
                [parse_domain(d).unicode for d in replaces[:MAX_DOMAINS]] if action == "register" else [])


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def _key(domain: str) -> str:
    parsed = parse_domain(domain)
    return parsed.ascii if parsed.valid else domain


# -- the approval route -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    holder: str  # who holds the step: 本单位主要负责人, 楚雄彝族自治州人民政府办公室 …
    task: str  # what they do
    own_unit: bool = False  # a step of the applying unit itself (its contact may advance it)
    # The division (code, knowledge.places) whose government office holds the step: 武定县's for
    # 武定县人民政府办公室, the province's for its 办公厅. '' for the applying unit's own steps and for bodies outside
    # the government offices (国家域名注册管理机构), and for an office the name does not place.
    place: str = ""

    def to_json(self) -> dict:
        return {"holder": self.holder, "task": self.task, "own_unit": self.own_unit, "place": self.place}

    @classmethod
    def from_json(cls, data: dict) -> Step:
        """A stored step; one stored before steps named their place gets it from its holder's name."""
        holder = str(data["holder"])
        place = data.get("place")
        if place is None:
            place = "" if data.get("own_unit") else holder_place(holder)
        return cls(holder, str(data["task"]), bool(data.get("own_unit")), str(place))


_OFFICE_SUFFIXES = ("人民政府办公室", "人民政府办公厅", "人民政府门户网站")


def holder_place(holder: str) -> str:
    """The division code a step holder's name places (武定县人民政府办公室 → 武定县's), '' when it names none
    (本单位主要负责人, 上一级人民政府办公室, 国家域名注册管理机构) or more than one."""
    for suffix in _OFFICE_SUFFIXES:
        if holder.endswith(suffix):
            place = read_place(holder.removesuffix(suffix))
            return place.code if place is not None else ""
    return ""


def _office(place: str, level: str) -> str:
    return office_title(place, level)


def route(action: str, unit: str, kind: str | None = None, legacy: bool = False) -> tuple[list[Step], str]:
    """The approval steps from the applying unit to the last office, and the clause behind them. Each office's
    step names its division (Step.place), so a deployment with offices at several levels knows whose it is."""
    parsed = parse_unit(unit, kind)
    kind = kind or parsed.kind or "department"
    place = parsed.place_full
    level = parsed.place.level if parsed.place else ("county" if place.endswith(("县", "区", "旗")) else "prefecture")
    regions = [r.name for r in parsed.regions] or list(parsed.region_names)
    codes = {p.name: p.code for p in [*parsed.regions, parsed.place] if p is not None}
    province = next((r for r in regions if r.endswith(("省", "自治区", "市")) and r != place), "") if regions else ""
    prefecture = regions[-1] if len(regions) > 1 or (regions and regions[-1] != province) else ""

    def office(name: str, office_level: str, task: str) -> Step:
        return Step(_office(name, office_level), task, place=codes.get(name, ""))

    def province_office(task: str) -> Step:
        return office(province, "province", task) if province else Step("省人民政府办公厅", task)

    def own_office(task: str) -> Step:
        return office(place, level, task) if place else Step("本级人民政府办公室", task)

    def upper(task: str) -> list[Step]:
        if level == "county" and prefecture:
            return [office(prefecture, "prefecture", task)]
        return [Step("上一级人民政府办公室", task)] if level == "county" else []

    head = "本地区主要负责人" if kind == "portal" else "本单位主要负责人"
    if legacy:
        filing = ((upper("备案") or [province_office("备案")])[0]) if kind == "portal" else own_office("备案")
        steps = [Step(head, "同意", True), filing, Step("域名注册服务机构", "由域名持有者联系办理变更或注销", True)]
        return steps, f"{PLAN_DOC} 三（四）"
    registry = Step("国家域名注册管理机构", "受理政府网站域名业务审核表")
    if action == "change_contact":
        steps = [own_office("报备（变更后20个工作日内）"), *upper("逐级报备")]
        steps += [province_office("通知国家域名注册管理机构"), Step("国家域名注册管理机构", "更新注册信息")]
        return [Step(head, "确认变更", True)] + steps, f"{PLAN_DOC} 三（三）"
    if action == "change_holder":
        # the site's 主管单位 is a body of the unit's own level: that level's office records its consent
        steps = [Step(head, "同意", True), Step("政府网站主管单位", "同意持有者变更", place=codes.get(place, "")),
                 own_office("审核")]
        steps += [*upper("逐级审核"), province_office("审核并报送"), registry]
        return steps, f"{PLAN_DOC} 三（三）"
    if kind == "portal":
        steps = [Step(head, "同意", True), *(upper("审核") if level == "county" else [])]
        steps += [province_office("提交政府网站域名业务审核表"), registry]
        return steps, f"{PLAN_DOC} 三（一）"
    steps = [Step(head, "同意", True), own_office("审核"), *upper("逐级审核"), province_office("批准"),
             Step(f"{place}人民政府门户网站" if place else "本级政府门户网站",
                  "分配下级域名" if action == "register" else "收回下级域名", place=codes.get(place, ""))]
    return steps, f"{PLAN_DOC} 三（二）"
