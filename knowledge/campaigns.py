"""Campaigns: a notice's dated steps and report deadlines, as data (no code per campaign).

The shipped 2019 campaign lives in data/campaigns/ and is the example and the default; offices add their own
(a YAML or .xlsx file, or a few lines in chat) and the bot keeps those in its database. Every form is checked
here, and an error names the line and the field."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from knowledge.when import DateOutOfRange, check_plan_day, parse_day

if TYPE_CHECKING:
    import yaml

AUDIENCES = ("groups", "unit")
MAX_STEPS = 100
# The offices below a campaign's own office that each carry a step (notes/offices-at-every-level.md, Campaigns):
# the levels of knowledge.offices (county, prefecture) and a level's own departments as a group.
OFFICE_LEVELS = ("prefecture", "county", "departments")
_LEVEL_NAMES = {"county": "county", "县": "county", "县级": "county", "县（市、区）": "county", "县市区": "county",
                "prefecture": "prefecture", "州": "prefecture", "州级": "prefecture", "市级": "prefecture",
                "州（市）": "prefecture", "州（市）级": "prefecture",
                "departments": "departments", "部门": "departments", "直属部门": "departments",
                "州直部门": "departments", "州级部门": "departments", "市直部门": "departments"}
LEVEL_LABELS = {"county": "各县（市、区）", "prefecture": "各州（市）", "departments": "本级各部门"}
# Generic words for a level in a step's 报送单位 / 报送对象 (各县市人民政府, 县级有关部门, 县政府办), not a place's own
# name (武定县人民政府 names one county: its 县 follows the place's name, so it is not read as a level).
_GENERIC = r"(?:^|(?<=[^\u4e00-\u9fff])|(?<=[各和及与或至到报向给由经]))"  # not after a place's own name
_LEVEL_WORDS = (
    ("county", re.compile(_GENERIC + r"(?:县|区县)")),
    ("prefecture", re.compile(_GENERIC + r"(?:州（市）|州|州市|市（州）)(?:人民政府|政府)|各州")),
    ("departments", re.compile(_GENERIC + r"[州省市](?:级|直)(?:各|有关)?(?:部门|单位)")),
)


class CampaignError(ValueError):
    """A campaign file or text that cannot be used; the message (Chinese) names the line and the field."""


@dataclass(frozen=True)
class Milestone:
    key: str
    date: dt.date
    what: str
    who: str
    clause: str
    to: str = ""  # who the step reports to
    levels: tuple[str, ...] = ()  # the offices below the campaign's that each carry the step (OFFICE_LEVELS)


def read_levels(who: str, to: str) -> tuple[str, ...]:
    """The office levels a step's 报送单位 and 报送对象 name generically: 各县市人民政府 → county, 县级有关部门 → county
    (they report to their county's office), 州级各部门 → departments. A named place (武定县财政局) is no level."""
    text = f"{who}\n{to}"
    return tuple(level for level, words in _LEVEL_WORDS if words.search(text))


def infer_levels(who: str, to: str, what: str) -> tuple[str, ...]:
    """A step's levels when it does not give them: from 报送单位 and 报送对象; a step that names neither is read
    from its text (2027-03-05 各县收集乡镇和部门清理情况)."""
    return read_levels(who, to) if who or to else read_levels(what, "")


def _explicit_levels(value: object, line: int) -> tuple[str, ...] | None:
    """A step's `offices` field (a list, or 县级、州直部门 as text); None when the step does not say."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # an empty cell of a sheet's 办理层级 column: read from who reports to whom
    items = value if isinstance(value, list) else re.split(r"[、，,;；\s]+", str(value))
    levels = []
    for item in (str(i).strip() for i in items):
        if not item or item.lower() in ("none", "无", "本级"):
            continue
        level = _LEVEL_NAMES.get(item.lower()) or _LEVEL_NAMES.get(item.removeprefix("各"))
        if level is None:
            raise CampaignError(f"第{line}行 offices（办理层级）：“{item[:20]}”不是层级，可写 县级、州级、部门（或 county、"
                                "prefecture、departments），不写则按报送单位推断")
        levels.append(level)
    return tuple(dict.fromkeys(levels))


@dataclass(frozen=True)
class Campaign:
    id: str
    title: str
    source: str
    audience: str
    milestones: tuple[Milestone, ...]
    region: str = ""  # the area it was issued for (楚雄彝族自治州): a deployment elsewhere is not given it

    def applies_in(self, region: str) -> bool:
        """Whether a deployment for `region` carries this campaign: one issued for an area applies to deployments
        inside it (楚雄州's plan: 楚雄州, 武定县), not elsewhere (利川市) nor above it (云南省 adds its own)."""
        from knowledge.offices import encloses, read_place

        area, home = read_place(self.region), read_place(region)
        return area is None or home is None or encloses(area, home)

    def to_yaml(self) -> str:
        import yaml  # ~17 ms: loaded when a campaign is read or written, not at start-up

        steps = [{"id": m.key.split(":", 1)[-1], "date": m.date, "what": m.what,
                  **({"who": m.who} if m.who else {}), **({"to": m.to} if m.to else {}),
                  **({"offices": list(m.levels)} if m.levels != infer_levels(m.who, m.to, m.what) else {}),
                  **({"clause": m.clause} if m.clause else {})} for m in self.milestones]
        return yaml.safe_dump({"id": self.id, "title": self.title, "source": self.source, "audience": self.audience,
                               **({"region": self.region} if self.region else {}), "deadlines": steps},
                              allow_unicode=True, sort_keys=False)

    def next_step(self, today: dt.date) -> Milestone | None:
        return next((m for m in self.milestones if m.date >= today), None)

    def keyed(self, key: str) -> Campaign:
        """The same campaign under another id (an office's own campaign is keyed apart from its siblings')."""
        key = key[:80]
        return replace(self, id=key, milestones=tuple(replace(m, key=f"{key}:{m.key.split(':', 1)[-1]}")
                                                        for m in self.milestones))


@dataclass(frozen=True)
class OfficeNode:
    """An office of the deployment as the cascade needs it: its id, its level (OFFICE_LEVELS) and the offices
    above it (None: the home office)."""
    id: int
    level: str
    above: frozenset[int | None]


def carriers(milestone: Milestone, owner: int | None, offices: list[OfficeNode]) -> list[int | None]:
    """The offices that each carry a step of a campaign owned by `owner` (None: the home office): every office
    within the owner's (the owner itself included) at one of the step's levels; the owner itself when the step
    names no level or no such office exists (a deployment without offices keeps every step at home)."""
    if milestone.levels:
        found = [o.id for o in offices
                 if o.level in milestone.levels and (o.id == owner or owner in o.above)]
        if found:
            return sorted(found)
    return [owner]


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _mapping(node: yaml.Node) -> dict[str, yaml.Node]:
    import yaml

    return {k.value: v for k, v in node.value} if isinstance(node, yaml.MappingNode) else {}


def parse_campaign(text: str) -> Campaign:
    """A campaign from YAML (the fields of data/campaigns/*.yaml)."""
    import yaml

    try:
        root = yaml.compose(text)
        raw = yaml.load(text, Loader=yaml.BaseLoader)  # every value a string: dates are checked below
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark else ""
        raise CampaignError(f"{where}不是有效的 YAML（{getattr(exc, 'problem', '') or '格式错误'}）") from None
    if not isinstance(raw, dict) or root is None:
        raise CampaignError("第1行：文件应是“字段: 值”的形式，至少有 title 和 deadlines")
    nodes = _mapping(root)
    steps = raw.get("deadlines")
    if not isinstance(steps, list) or not steps:
        raise CampaignError(f"第{_line(nodes.get('deadlines', root))}行 deadlines：至少要有一个步骤（date 和 what）")
    step_nodes = nodes["deadlines"].value
    return build_campaign(raw.get("id"), raw.get("title"), raw.get("source", ""), raw.get("audience", "groups"),
                          [(_line(node), _with_lines(step, node)) for node, step in zip(step_nodes, steps)],
                          {key: _line(node) for key, node in nodes.items()}, region=raw.get("region", ""))


def _with_lines(step: object, node: yaml.Node) -> object:
    """The step, with where each of its fields is written (errors point at the field's own line)."""
    if not isinstance(step, dict):
        return step
    return {**step, LINES: {k.value: _line(k) for k, _ in node.value}}


LINES = "__lines__"


def build_campaign(key: object, title: object, source: object, audience: object,
                   steps: list[tuple[int, object]], lines: dict[str, int] | None = None,
                   today: dt.date | None = None, region: object = "") -> Campaign:
    """Check the fields of any form (YAML, spreadsheet, chat) and build the campaign; `steps` are
    (line or row number, {date, what, who, to, id, clause}). Step dates are plans (knowledge.when: 2000 … today +
    10 years; a stored campaign that was valid stays so)."""
    lines = lines or {}
    if not isinstance(title, str) or not title.strip():
        raise CampaignError(f"第{lines.get('title', 1)}行 title（名称）：不能为空")
    title = title.strip()[:200]
    key = str(key).strip() if key not in (None, "") else slug(title)
    if not re.fullmatch(r"[\w.-]{1,80}", key):
        raise CampaignError(f"第{lines.get('id', 1)}行 id：只能用字母、数字、汉字、点、横线，不超过 80 个字")
    if audience not in AUDIENCES:
        raise CampaignError(f"第{lines.get('audience', 1)}行 audience：只能是 groups（各订阅群）或 unit")
    if len(steps) > MAX_STEPS:
        raise CampaignError(f"deadlines：步骤不能超过 {MAX_STEPS} 个")
    milestones = []
    seen: set[str] = set()
    for number, (line, step) in enumerate(steps, 1):
        if not isinstance(step, dict):
            raise CampaignError(f"第{line}行 deadlines：每个步骤要写 date（日期）和 what（事项）")
        at = step.get(LINES, {})
        when = step.get("date")
        if isinstance(when, dt.datetime):
            when = when.date()
        if isinstance(when, str):  # every form the registry import reads (2027年1月29日, 2027.2.26, 2027/3/5 …)
            try:
                when = parse_day(when.strip())
            except ValueError:
                when = None
        if not isinstance(when, dt.date):
            raise CampaignError(f"第{at.get('date', line)}行 date（日期）：“{str(step.get('date', ''))[:20]}”不是日期，写成 2027-03-05 或 2027年3月5日")
        try:
            check_plan_day(when, today or dt.date.today(), "date（日期）")
        except DateOutOfRange as exc:
            raise CampaignError(f"第{at.get('date', line)}行 {exc}") from None
        what = step.get("what")
        if not isinstance(what, str) or not what.strip():
            raise CampaignError(f"第{at.get('what', line)}行 what（事项）：不能为空")
        levels = _explicit_levels(step.get("offices"), at.get("offices", line))
        step_id = str(step.get("id") or f"step{number}")
        if step_id in seen:
            raise CampaignError(f"第{at.get('id', line)}行 id：步骤 id“{step_id}”重复")
        seen.add(step_id)
        who, to = str(step.get("who") or "")[:200], str(step.get("to") or "")[:200]
        milestones.append(Milestone(f"{key}:{step_id}", when, what.strip()[:300], who,
                                    str(step.get("clause") or "")[:50], to,
                                    infer_levels(who, to, what) if levels is None else levels))
    milestones.sort(key=lambda m: m.date)
    return Campaign(key, title, str(source or "").strip()[:200], str(audience), tuple(milestones),
                    str(region or "").strip()[:200])


def slug(title: str) -> str:
    return re.sub(r"[^\w.-]+", "-", title).strip("-")[:80] or "campaign"


_STEP = re.compile(r"^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)\s+(.+)$")
_ARROW = re.compile(r"\s*(?:→|->|=>|报送?至|报给)\s*")


def parse_chat_campaign(text: str) -> Campaign:
    """The chat form: the name on the first line, then `文号 …`, then one step a line:
    `2027-03-05 各单位报送自查结果 | 各乡镇、县级部门 → 县政府办`."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if not lines or not lines[0]:
        raise CampaignError("第1行 名称：不能为空")
    title, source, steps = lines[0], "", []
    for number, line in enumerate(lines[1:], 2):
        if not line:
            continue
        if line.startswith(("文号", "依据")):
            source = line[2:].lstrip(" ：:")
            continue
        match = _STEP.match(line)
        if not match:
            raise CampaignError(f"第{number}行：步骤要以日期开头，例如 2027-03-05 报送自查结果 | 各单位 → 县政府办")
        day = re.sub(r"[年月/.]", "-", match[1]).rstrip("日")
        parts = day.split("-")
        what, _, route = match[2].partition("|")
        ends = _ARROW.split(route.strip(), maxsplit=1) + [""]
        step = {"date": f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}", "what": what.strip(),
                "who": ends[0].strip(), "to": ends[1].strip()}
        steps.append((number, step))
    if not steps:
        raise CampaignError("没有步骤：每行写一个步骤，以日期开头")
    return build_campaign(None, title, source, "groups", steps, {"title": 1})


@lru_cache(maxsize=1)
def load_campaigns() -> tuple[Campaign, ...]:
    """The shipped campaigns (data/campaigns/*.yaml)."""
    folder = resources.files("knowledge").joinpath("data", "campaigns")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return tuple(parse_campaign(f.read_text(encoding="utf-8")) for f in files)
