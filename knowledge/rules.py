"""The compliance check of a domain or URL against the policy, with reasons and the clause behind each."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.domains import ParsedDomain, ip_host, parse_domain
from knowledge.naming import (
    GUIDE_DOC,
    NOTE_NEEDS_KIND,
    SYSTEMS,
    ZHENGWU,
    another_places_label,
    chinese_names,
    department_matches,
    own_system,
    place_spelling,
    suggest,
    town_labels,
)
from knowledge.policy import PLAN_DOC
from knowledge.text import compact
from knowledge.units import UnitName, parse_unit

BASIS = {
    "invalid_syntax": "域名语法（RFC 1035、IDNA 2008）",
    "not_gov_cn": f"{PLAN_DOC} 二（一）、二（二）",
    "portal_not_www": f"{PLAN_DOC} 二（一）",
    "dept_not_under_portal": f"{PLAN_DOC} 二（二）",
    "institution_uses_gov_cn": f"{PLAN_DOC} 二（三）",
    "system_as_site": f"{PLAN_DOC} 二（五）",
    "chinese_not_zhengwu": f"{PLAN_DOC} 二（四）",
    "chinese_name_mismatch": f"{PLAN_DOC} 二（四）",
    "name_mismatch": f"{PLAN_DOC} 二（一）、二（二）",
    "township_own_domain": f"{GUIDE_DOC}；{PLAN_DOC} 二（二）",
    "ip_address": f"{PLAN_DOC} 二（一）、二（二）",
}
# The clause behind each problem, for "show me the rule" buttons.
RULE_CLAUSES = {
    "not_gov_cn": "plan-2-1",
    "portal_not_www": "plan-2-1",
    "dept_not_under_portal": "plan-2-2",
    "institution_uses_gov_cn": "plan-2-3",
    "system_as_site": "plan-2-5-systems",
    "chinese_not_zhengwu": "plan-2-4",
    "chinese_name_mismatch": "plan-2-4",
    "name_mismatch": "plan-2-1",
    "township_own_domain": "plan-2-2",
    "ip_address": "plan-2-1",
}


@dataclass
class Problem:
    code: str
    message: str

    @property
    def basis(self) -> str:
        return BASIS[self.code]

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, "basis": self.basis}


@dataclass
class CheckResult:
    input: str
    domain: ParsedDomain
    unit: UnitName | None = None
    problems: list[Problem] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)  # what the unit should use instead, best first
    notes: list[str] = field(default_factory=list)
    foreign: bool = False  # the domain sits under another region's portal: not the unit's, never to be cancelled by it

    @property
    def compliant(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        out = {
            "input": self.input, "domain": self.domain.ascii, "unicode": self.domain.unicode,
            "compliant": self.compliant, "problems": [p.to_json() for p in self.problems],
        }
        if self.unit is not None:
            out["unit"] = self.unit.full
            out["kind"] = self.unit.kind
        if self.expected:
            out["expected"] = self.expected
        if self.notes:
            out["notes"] = self.notes
        return out


def _is_gov_cn(labels: tuple[str, ...]) -> bool:
    return len(labels) >= 3 and labels[-2:] == ("gov", "cn")


def _check_chinese(result: CheckResult, unit: UnitName | None) -> None:
    labels = result.domain.unicode_labels
    if unit is not None and unit.kind == "system":
        # A system lives under a path of its site's Chinese domain (△△△.政务/.../...), never as its own name.
        if not (result.domain.has_path and labels[-1] == ZHENGWU and len(labels) == 2):
            result.problems.append(Problem("system_as_site", "业务系统、办事平台、栏目原则上不再作为独立网站，应使用所属网站域名下的路径"))
        return
    if labels[-1] != ZHENGWU:
        result.problems.append(Problem("chinese_not_zhengwu", f"政府网站中文域名应为“△△△.政务”结构，不应使用“.{labels[-1]}”"))
    if len(labels) >= 2 and not re.search(r"[\u4e00-\u9fff]", labels[-2]):
        # wdx.政务: △△△ is the host unit's Chinese name, never pinyin or letters
        result.problems.append(Problem("chinese_name_mismatch", f"“{labels[-2]}”不是中文名称：△△△应为主办单位的中文机构全称或规范化简称"))
        return
    if unit and unit.full:
        wanted = {compact(n) for n in chinese_names(unit)}
        if len(labels) >= 2 and compact(labels[-2]) not in wanted:
            result.problems.append(Problem("chinese_name_mismatch", f"“{labels[-2]}”不是主办单位“{unit.full}”的全称或规范化简称"))
        if len(labels) > 2:
            result.problems.append(Problem("chinese_name_mismatch", "中文域名应直接为“△△△.政务”，栏目使用路径而不是子域名"))


def _check_english(result: CheckResult, unit: UnitName | None, parent: ParsedDomain | None) -> None:
    labels = result.domain.labels
    kind = unit.kind if unit else None
    gov = _is_gov_cn(labels)
    if kind == "institution_other":
        if gov:
            result.problems.append(Problem("institution_uses_gov_cn", "不承担行政职能的事业单位原则上不得使用以“.gov.cn”为后缀的英文域名"))
        return
    if kind == "system":
        if not (result.domain.has_path and gov and unit and _host_belongs_to_unit_place(labels, unit, parent)):
            result.problems.append(Problem("system_as_site", "业务系统、办事平台、栏目原则上不再作为独立网站，应使用所属网站域名下的路径"))
        return
    if unit is not None and own_system(unit):
        # A court's, procuratorate's, party organ's, 人大's or 政协's site follows its own system's rules.
        result.notes.append(SYSTEMS[own_system(unit)][1])
        return
    if not gov:
        result.problems.append(Problem("not_gov_cn", "政府网站英文域名应以“.gov.cn”结尾"))
        return
    head = labels[:-2]  # the labels in front of gov.cn
    if kind == "township":
        _check_township(result, unit, parent, head)
        return
    if kind in ("department", "institution_admin"):
        _check_department(result, unit, parent, head)
        return
    if unit is None and len(head) == 2 and head[0] != "www":
        # A bare ○○○.□□□.gov.cn is what its labels say: a department site under the portal □□□.gov.cn.
        result.notes.append(f"按部门网站检查：“{head[0]}”是门户网站 www.{head[1]}.gov.cn 的下级域名，结构符合要求")
        return
    # A portal, or no unit given: www.□□□.gov.cn
    if head[0] != "www" or len(head) != 2:
        result.problems.append(Problem("portal_not_www", "政府门户网站应使用“www.□□□.gov.cn”结构的英文域名"))
    if unit and unit.place_full and not place_spelling(unit).matches(head[-1]):
        result.problems.append(Problem("name_mismatch", f"“{head[-1]}”不是“{unit.place_name or unit.place_full}”的拼音、缩写或通用英文名"))


def _check_department(result: CheckResult, unit: UnitName, parent: ParsedDomain | None, head: tuple[str, ...]) -> None:
    shaped = len(head) == 2 and head[0] != "www"  # ○○○.□□□.gov.cn
    ours = shaped and (not unit.place_full or place_spelling(unit).matches(head[1]))
    if parent is not None:
        base = parent.labels[1:] if parent.labels[:1] == ("www",) else parent.labels
        under = len(result.domain.labels) == len(base) + 1 and result.domain.labels[1:] == base
    else:
        under = ours
    # Under another region's portal: its label spells another division, or it spells none and the department
    # label is not ours either (a portal label no rule reads, with our department's label, may still be ours).
    elsewhere = shaped and not under and not ours and (
        another_places_label(head[1]) or not (unit.unit and department_matches(unit, head[0])))
    if len(head) > 2 and head[0] != "www" and unit.place_full and parent is None:
        # czj.<district>.<city>.gov.cn: another region's when no label spells ours and one spells another's
        regions = head[1:]
        elsewhere = not any(place_spelling(unit).matches(r) for r in regions) and any(
            another_places_label(r) for r in regions)
    if elsewhere:
        # swj.<neighbour>.gov.cn for our 商务局: a department domain of another region's portal.
        result.foreign = True
        result.problems.append(Problem("name_mismatch", f"“{'.'.join(head[1:])}.gov.cn”不是“{unit.place_full}”的门户网站："
                                                        "这是其他地区的部门域名，请核实是否填错"))
        return
    if not under:
        result.problems.append(Problem("dept_not_under_portal", "部门网站应使用本级政府门户网站的下级域名“○○○.□□□.gov.cn”"))
        named = [label for label in head if label != "www" and not place_spelling(unit).matches(label)]
        if unit.unit and named and not any(department_matches(unit, label) for label in named):
            # www.hbdrc.gov.cn for a 财政厅: whatever the structure, no label names the department
            result.problems.append(Problem("name_mismatch", f"“{'.'.join(head)}”中没有“{unit.unit}”的拼音、缩写或通用英文名"))
        return
    if unit.unit and not department_matches(unit, head[0]):
        result.problems.append(Problem("name_mismatch", f"“{head[0]}”不是“{unit.unit}”的拼音、缩写或通用英文名"))


def _check_township(result: CheckResult, unit: UnitName, parent: ParsedDomain | None, head: tuple[str, ...]) -> None:
    """A town has no domain of its own: a column of the county portal (www.□□□.gov.cn/○○○/), or, for a town that
    keeps its own site, the portal's sub-domain ○○○.□□□.gov.cn."""
    if parent is not None:
        base = parent.labels[1:] if parent.labels[:1] == ("www",) else parent.labels
        county_ok = result.domain.labels[-len(base):] == base and len(result.domain.labels) == len(base) + 1
    else:
        county_ok = len(head) == 2 and (not unit.place_full or place_spelling(unit).matches(head[1]))
    if county_ok and head[0] == "www":
        if result.domain.has_path:
            result.notes.append(f"乡镇（街道）网页作为县级政府门户网站的栏目开设，符合要求（依据：{GUIDE_DOC}）")
            return
        result.problems.append(Problem("township_own_domain", "这是县级政府门户网站的域名：乡镇（街道）网页应作为其中的栏目（加上栏目路径），不另开网站"))
        return
    if not county_ok:
        result.problems.append(Problem("township_own_domain", "乡镇（街道）不单独申请“.gov.cn”域名：网页放在县级政府门户网站栏目中，"
                                                          "确需独立网站的使用门户网站的下级域名“○○○.□□□.gov.cn”"))
        return
    spellings = set(town_labels(unit))
    if spellings and head[0] not in spellings and not any(head[0].startswith(s) for s in spellings):
        result.problems.append(Problem("name_mismatch", f"“{head[0]}”不是“{unit.town}”的拼音或缩写"))
        return
    result.notes.append(f"乡镇（街道）使用县级政府门户网站的下级域名，符合要求（依据：{GUIDE_DOC}；{PLAN_DOC} 二（二））")


def _host_belongs_to_unit_place(labels: tuple[str, ...], unit: UnitName, parent: ParsedDomain | None) -> bool:
    if parent is not None:
        return labels == parent.labels
    head = labels[:-2]
    return len(head) == 2 and unit.place_full != "" and place_spelling(unit).matches(head[1])


def check(domain: str, unit: str | None = None, kind: str | None = None, parent: str | None = None) -> CheckResult:
    parsed = parse_domain(domain)
    result = CheckResult(input=parsed.input, domain=parsed)
    ip = ip_host(domain) if not parsed.valid else ""
    if ip:
        result.domain = ParsedDomain(parsed.input, ip, ip, parsed.path)
        result.unit = parse_unit(unit, kind) if unit and compact(unit) else None
        result.problems.append(Problem("ip_address", "只能用 IP 地址访问：政府网站必须使用规范的域名"))
        if result.unit and result.unit.kind:
            result.expected = suggest(unit, result.unit.kind, parent, chinese=False).english[:3]
        return result
    if not parsed.valid:
        result.problems.append(Problem("invalid_syntax", parsed.error))
        return result
    unit_name = parse_unit(unit, kind) if unit and compact(unit) else None
    result.unit = unit_name
    parent_domain = parse_domain(parent) if parent else None
    if parent_domain is not None and not parent_domain.valid:
        parent_domain = None
        result.notes.append("上级域名无效，已忽略")
    if parsed.is_chinese:
        _check_chinese(result, unit_name)
    else:
        _check_english(result, unit_name, parent_domain)
        if unit_name is None and kind == "portal" and parsed.labels[0] != "www" \
                and not any(p.code == "portal_not_www" for p in result.problems):
            # the unit not named but said to be a portal (“县政府门户网站 wdx.yn.gov.cn”): judged as one
            result.problems.append(Problem("portal_not_www", "政府门户网站应使用“www.□□□.gov.cn”结构的英文域名"))
    if unit_name and unit_name.kind is None:
        result.notes.append(NOTE_NEEDS_KIND)
    if result.problems and unit_name and unit_name.kind:
        advice = suggest(unit, unit_name.kind, parent, chinese=parsed.is_chinese)
        result.expected = (advice.chinese if parsed.is_chinese else advice.english)[:3]
    elif result.problems and unit_name is None:
        result.expected = _structural_fix(parsed)
    return result


def _structural_fix(domain: ParsedDomain) -> list[str]:
    """Without a unit, a portal domain missing its www can still be named: wuding.gov.cn → www.wuding.gov.cn."""
    labels = domain.labels
    if len(labels) == 3 and _is_gov_cn(labels):
        return [f"www.{domain.ascii}"]
    return []
