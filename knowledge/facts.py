"""The policy as atomic facts (`data/facts.yaml`): one rule, date, number, body, format, prohibition or
contact item each, tied to its clause and the sentence it quotes. Clauses stay for browsing (/policy); a
clause without facts of its own is one fact."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from knowledge.policy import Clause, Policy, load_policy
from knowledge.resources import load_yaml

# Places outside the mainland, for rules about servers and nodes (`@foreign` in a fact's patterns).
FOREIGN = ("境外|国外|海外|外国|香港|澳门|台湾|新加坡|美国|日本|韩国|欧洲|德国|英国|法国|俄罗斯|加拿大|澳大利亚|"
           "马来西亚|泰国|印度|越南|菲律宾|印尼|荷兰|爱尔兰|硅谷|东京|首尔|洛杉矶|伦敦|法兰克福|"
           "缅甸|老挝|柬埔寨|巴基斯坦|新西兰|意大利|西班牙|瑞士|瑞典|芬兰|挪威|丹麦|巴西|墨西哥|南非|土耳其|以色列|"
           "阿联酋|迪拜|蒙古国|哈萨克斯坦|尼泊尔|悉尼|纽约|旧金山|西雅图|弗吉尼亚|阿姆斯特丹|巴黎|莫斯科|曼谷|吉隆坡|雅加达")
# (no 柏林: 太原's 万柏林区; no 蒙古: 内蒙古)


@dataclass(frozen=True)
class Fact:
    id: str
    clause: Clause
    quote: str
    answer: str
    kind: str = "rule"
    keys: tuple[str, ...] = ()
    date: dt.date | None = None
    no: tuple[re.Pattern, ...] = ()  # a yes/no question matching one of these proposes what the rule forbids
    yes: tuple[re.Pattern, ...] = ()  # ... or what the rule allows
    verdict: str = ""  # the rule's modality: 需要 (a duty), 不可以 (a prohibition), 可以, 有 …
    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (actor|to|consent|approves|executes|with, bodies)
    period: str = ""  # 20个工作日, 3个月
    event: str = ""  # a dated event's name (县里要求报送清理情况的截止日)
    event_words: tuple[re.Pattern, ...] = ()  # how a question describes that event
    en: str = ""  # the answer in English (quotes stay Chinese)
    forbids: tuple[str, ...] = ()  # the domain suffixes a prohibition names (gov.cn)
    does: tuple[re.Pattern, ...] = ()  # the act the rule's modality is about (公告 for a duty to give notice)
    value: str = ""  # a contact item's value (张晓霞, 8711677, wdwgzx@126.com)
    value_kind: str = ""  # name | number | mail
    level: str = ""  # 州 or 县: the level of unit the rule is written for, when it names one (州级政府部门)
    steps: tuple[tuple[str, re.Pattern], ...] = ()  # the rule's steps in their order, each with how a question writes it
    when: re.Pattern | None = None  # the case a rule is written for (a domain registered before 55号): claims are
    # checked against it only when the question says that case
    frequency: str = ""  # how often the rule has a thing done (日常监测和定期检查评估): 日常 means every day
    case: re.Pattern | None = None  # a situation that, once the question describes it, makes the rule its subject
    # (已有三个规范的域名 → 明确主域名)
    allows: re.Pattern | None = None  # what the rule takes as permitted, setting only how (使用CDN的…, 租用空间的…)
    aspect: str = ""  # the part of a site's set-up the rule is about (服务器, 域名解析, CDN), for a scene naming several
    aspect_words: re.Pattern | None = None  # how a question names that part

    def role(self, name: str) -> tuple[str, ...]:
        return next((bodies for role, bodies in self.roles if role == name), ())

    @property
    def doc(self) -> str:
        return self.clause.doc

    @property
    def section(self) -> str:
        return self.clause.section

    @property
    def citation(self) -> str:
        return self.clause.citation


def _patterns(raw: list[str] | None) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p.replace("@foreign", FOREIGN), re.IGNORECASE) for p in raw or ())


def build_facts(policy: Policy, raw: list[dict]) -> tuple[Fact, ...]:
    facts: list[Fact] = []
    covered: set[str] = set()
    for item in raw:
        clause = policy.clause(item["clause"])
        if clause is None:
            raise ValueError(f"fact {item['id']}: unknown clause {item['clause']}")
        quote = item.get("quote") or clause.text
        if quote not in clause.text:
            raise ValueError(f"fact {item['id']}: quote is not in clause {clause.id}")
        facts.append(Fact(
            id=item["id"], clause=clause, quote=quote, answer=item["answer"], kind=item.get("kind", "rule"),
            keys=tuple(str(k) for k in item.get("keys", ())), date=item.get("date"),
            no=_patterns(item.get("breaks")), yes=_patterns(item.get("keeps")), verdict=item.get("verdict", ""),
            roles=tuple((role, tuple(bodies)) for role, bodies in (item.get("roles") or {}).items()),
            period=str(item.get("period", "")), event=(item.get("event") or {}).get("name", ""),
            # matched at every position (a lookahead): one reading may start inside a longer one
            event_words=tuple(re.compile(f"(?=({p}))") for p in (item.get("event") or {}).get("words", ())), en=item.get("en", ""), forbids=tuple(item.get("forbids", ())),
            does=_patterns([item["does"]] if item.get("does") else None),
            steps=tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in item.get("steps", ())),
            when=re.compile(item["when"]) if item.get("when") else None,
            case=re.compile(item["case"], re.IGNORECASE) if item.get("case") else None,
            frequency=str(item.get("frequency", "")),
            allows=re.compile(item["allows"], re.IGNORECASE) if item.get("allows") else None,
            aspect=(item.get("aspect") or {}).get("name", ""),
            aspect_words=re.compile(item["aspect"]["words"], re.IGNORECASE) if item.get("aspect") else None,
            level=str(item.get("level", "")), value=str((item.get("value") or {}).get("is", "")), value_kind=(item.get("value") or {}).get("kind", ""),
        ))
        covered.add(clause.id)
    for clause in policy.clauses:
        if clause.id not in covered:
            facts.append(Fact(id=clause.id, clause=clause, quote=clause.text, answer=clause.answer))
    ids = [f.id for f in facts]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate fact ids")
    return tuple(facts)


@lru_cache(maxsize=1)
def load_bodies() -> tuple[tuple[tuple[str, re.Pattern], ...], dict[str, frozenset[str]]]:
    """The bodies the documents name, each alias a pattern (longest alias first), and which bodies a
    relative name (本级人民政府办公室) may stand for."""
    raw = load_yaml("facts.yaml")
    aliases = sorted(((name, p) for name, patterns in raw["bodies"].items() for p in patterns), key=lambda a: -len(a[1]))
    same = {name: frozenset(others) for name, others in raw.get("same", {}).items()}
    return tuple((name, re.compile(p, re.IGNORECASE)) for name, p in aliases), same


@lru_cache(maxsize=1)
def load_facts() -> tuple[Fact, ...]:
    return build_facts(load_policy(), load_yaml("facts.yaml")["facts"])
