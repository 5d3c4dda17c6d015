"""Campaigns the bot works with: the shipped files (knowledge/data/campaigns) and those admins added, edited or
ended (table `campaign`; a row with a shipped campaign's key overrides or ends it). Blocking, on a Session."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import update
from sqlmodel import Session, select

from bot.db.models import CampaignRecord, Deadline, Delivery, utcnow
from knowledge.campaigns import Campaign, CampaignError, load_campaigns, parse_campaign

DEADLINE_PREFIX = "campaign:"


@dataclass(frozen=True)
class Listed:
    campaign: Campaign
    active: bool
    shipped: bool


def list_campaigns(session: Session) -> list[Listed]:
    return listing(stored(session))


def stored(session: Session) -> list[tuple[str, str, bool]]:
    """(key, YAML body, active) of the campaign rows: the database part of the list, read quickly."""
    return [(row.key, row.body, row.active)
            for row in session.exec(select(CampaignRecord).order_by(CampaignRecord.updated_at)).all()]


def listing(rows: list[tuple[str, str, bool]]) -> list[Listed]:
    """The campaigns from `stored` rows and the shipped files: CPU only (chat runs it in a thread, off the
    database's time limit)."""
    shipped = {c.id: c for c in load_campaigns()}
    listed = {key: Listed(c, True, True) for key, c in shipped.items()}
    for key, body, active in rows:
        campaign = (_parse_body(body) if body else None) or shipped.get(key)
        if campaign is not None:
            listed[key] = Listed(campaign, active, key in shipped)
    return sorted(listed.values(), key=lambda item: (not item.active, _last_day(item.campaign)), reverse=False)


@lru_cache(maxsize=4096)
def _parse_body(body: str) -> Campaign | None:
    """A stored campaign read once per process: the list is read on every /campaign, button and planning run,
    and reading 200 campaigns' YAML took 2.8 s, past the 4 s a chat update may wait on the database under load
    ("数据库暂时不可用"). Campaigns are frozen: sharing one is safe."""
    try:
        return parse_campaign(body)
    except CampaignError:
        return None  # stored text was checked when saved; a later rule change must not stop the bot


def _last_day(campaign: Campaign) -> dt.date:
    return campaign.milestones[-1].date if campaign.milestones else dt.date.min


def active_campaigns(session: Session) -> list[Campaign]:
    return [item.campaign for item in list_campaigns(session) if item.active]


def find(session: Session, key: str) -> Listed | None:
    return find_in(list_campaigns(session), key)


def find_in(items: list[Listed], key: str) -> Listed | None:
    """A campaign by its number in the list (1, 2 …, as `campaign list` prints it), its id or its title."""
    wanted = key.strip()
    if wanted.isdigit() and len(wanted) < 6:
        return items[int(wanted) - 1] if 1 <= int(wanted) <= len(items) else None
    return next((item for item in items if wanted in (item.campaign.id, item.campaign.title)), None)


def current_campaign(session: Session, today: dt.date) -> Campaign | None:
    """The active campaign whose next step comes soonest; when all are past, the one that ended last."""
    campaigns = active_campaigns(session)
    upcoming = [(c.next_step(today).date, c.id, c) for c in campaigns if c.next_step(today)]
    if upcoming:
        return min(upcoming)[2]
    return max(campaigns, key=_last_day) if campaigns else None


def save_campaign(session: Session, campaign: Campaign, actor: str) -> bool:
    """Add the campaign, or replace the one with the same id (an edit); True when it is new. Its open
    deadlines follow new dates (their pending reminders are withdrawn and planned again)."""
    row = session.get(CampaignRecord, campaign.id)
    new = row is None and campaign.id not in {c.id for c in load_campaigns()}
    row = row or CampaignRecord(key=campaign.id)
    row.title, row.source, row.body, row.active = campaign.title, campaign.source, campaign.to_yaml(), True
    row.updated_by, row.updated_at = actor[:100], utcnow()
    session.add(row)
    wanted = {f"{DEADLINE_PREFIX}{m.key}": (m, f"{campaign.title}：{m.what}"[:400]) for m in campaign.milestones}
    for deadline in _deadlines(session, campaign.id):
        if deadline.status != "open":
            continue
        if deadline.key not in wanted:
            _close(session, deadline, "campaign step removed")
            continue
        milestone, title = wanted[deadline.key]
        if (deadline.due, deadline.title) != (milestone.date, title):
            deadline.due, deadline.title, deadline.basis = milestone.date, title, campaign.source[:400]
            session.add(deadline)
            _withdraw(session, deadline.id)
    session.flush()
    return new


def end_campaign(session: Session, key: str, actor: str) -> Campaign:
    item = find(session, key)
    if item is None:
        raise CampaignError(f"没有名为“{key[:80]}”的工作安排")
    row = session.get(CampaignRecord, item.campaign.id) or CampaignRecord(key=item.campaign.id, title=item.campaign.title,
                                                                        source=item.campaign.source)
    row.active, row.updated_by, row.updated_at = False, actor[:100], utcnow()
    session.add(row)
    for deadline in _deadlines(session, item.campaign.id):
        if deadline.status == "open":
            _close(session, deadline, f"campaign ended by {actor}")
    session.flush()
    return item.campaign


def _deadlines(session: Session, key: str) -> list[Deadline]:
    prefix = f"{DEADLINE_PREFIX}{key}:"
    return list(session.exec(select(Deadline).where(Deadline.key.startswith(prefix, autoescape=True))).all())


def _close(session: Session, deadline: Deadline, why: str) -> None:
    deadline.status, deadline.done_by, deadline.done_at = "done", why[:100], utcnow()
    session.add(deadline)
    _withdraw(session, deadline.id)


def _withdraw(session: Session, deadline_id: int) -> None:
    session.execute(update(Delivery).where(Delivery.deadline_id == deadline_id, Delivery.status == "pending")
                    .values(status="cancelled"))
