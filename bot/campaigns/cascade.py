"""A campaign's steps as deadlines, office by office: a step the plan gives a level below the campaign's own
office (各县市人民政府…报州政府办公室, 各乡镇…报县政府办) becomes one deadline per office at that level, with its own
due date, reminders and groups; the rest stay the owner's (the home office's: office_id NULL, as before offices).
See notes/offices-at-every-level.md, Campaigns."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from bot.db.models import Deadline, Delivery, Office, utcnow
from bot.deadlines.events import CAMPAIGN_RULE
from bot.delivery.queue import insert_ignore
from knowledge.campaigns import Campaign, OfficeNode, carriers
from knowledge.offices import DEPARTMENTS, group_title
from knowledge.places import divisions

DEADLINE_PREFIX = "campaign:"


@dataclass(frozen=True)
class Offices:
    """The deployment's offices, read once per planning run: the cascade's nodes and each one's short label."""
    nodes: list[OfficeNode]
    labels: dict[int, str]


def read_offices(session: Session) -> Offices:
    rows = list(session.exec(select(Office.id, Office.code, Office.group, Office.parent_id)).all())
    parents = {oid: parent for oid, _, _, parent in rows}
    nodes, labels = [], {}
    by_code = divisions().by_code
    for oid, code, group, _ in rows:
        above, at = set(), parents.get(oid)
        while True:  # the chain up to the home office (None); a loop in bad data stops at a repeat
            if at in above:
                break
            above.add(at)
            if at is None:
                break
            at = parents.get(at)
        place = by_code.get(code)
        level = DEPARTMENTS if group == DEPARTMENTS else (place.level if place else "")
        nodes.append(OfficeNode(oid, level, frozenset(above)))
        labels[oid] = group_title(place) if group == DEPARTMENTS and place else (place.name if place else code)
    return Offices(nodes, labels)


def step_key(milestone_key: str, office_id: int | None) -> str:
    """The deadline's key: the home's step keeps the key it had before offices (campaign:<id>:<step>)."""
    return f"{DEADLINE_PREFIX}{milestone_key}" + (f":o{office_id}" if office_id is not None else "")


def wanted(campaign: Campaign, owner: int | None, offices: Offices) -> dict[str, dict]:
    """Every deadline the campaign's steps make: key → the row's fields."""
    rows = {}
    for m in campaign.milestones:
        for office in carriers(m, owner, offices.nodes):
            label = f"（{offices.labels[office]}）" if office is not None else ""
            rows[step_key(m.key, office)] = {
                "title": f"{campaign.title}：{m.what}{label}"[:400], "due": m.date, "basis": campaign.source[:400],
                "office_id": office, "audience": campaign.audience if office is None else "office"}
    return rows


def campaign_deadlines(session: Session, campaign_id: str) -> list[Deadline]:
    prefix = f"{DEADLINE_PREFIX}{campaign_id}:"
    return list(session.exec(select(Deadline).where(Deadline.key.startswith(prefix, autoescape=True))).all())


def reconcile(session: Session, campaign: Campaign, owner: int | None, offices: Offices, *,
              move: bool = False) -> int:
    """Make the campaign's deadlines what its steps and the offices say: missing ones added (an office added
    later gets its steps), open ones no step wants closed (a step removed, or now carried by the offices below).
    `move` (an edit of the campaign): open ones follow a changed date or title, their pending reminders
    withdrawn; otherwise a date someone postponed stays. Returns how many were added."""
    want = wanted(campaign, owner, offices)
    existing = {row.key: row for row in campaign_deadlines(session, campaign.id)}
    for key, row in existing.items():
        if row.status != "open":
            continue
        fields = want.get(key)
        if fields is None:
            close(session, row, "campaign step removed or carried by the offices below")
        elif move and (row.due, row.title) != (fields["due"], fields["title"]):
            row.due, row.title, row.basis = fields["due"], fields["title"], fields["basis"]
            session.add(row)
            withdraw(session, row.id)
    now = utcnow()
    new = [{"key": key, **fields, "rule": CAMPAIGN_RULE, "provisional": False, "unit_id": None, "domain_id": None,
            "status": "open", "done_by": "", "created_at": now} for key, fields in want.items() if key not in existing]
    session.flush()
    return insert_ignore(session, new, model=Deadline) if new else 0


def close(session: Session, deadline: Deadline, why: str) -> None:
    deadline.status, deadline.done_by, deadline.done_at = "done", why[:100], utcnow()
    session.add(deadline)
    withdraw(session, deadline.id)


def withdraw(session: Session, deadline_id: int) -> None:
    session.execute(update(Delivery).where(Delivery.deadline_id == deadline_id, Delivery.status == "pending")
                    .values(status="cancelled"))
