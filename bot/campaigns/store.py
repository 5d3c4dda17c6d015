"""Campaigns the bot works with: the shipped files (knowledge/data/campaigns) and those admins added, edited or
ended (table `campaign`; a row with a shipped campaign's key overrides or ends it). Blocking, on a Session."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func
from sqlmodel import Session, select

from bot.campaigns import cascade
from bot.campaigns.cascade import DEADLINE_PREFIX
from bot.db.models import CampaignRecord, Office, utcnow
from bot.registry.audit import Generation
from bot.registry.lookup import UnitScope
from knowledge.campaigns import Campaign, CampaignError, load_campaigns, parse_campaign

__all__ = ["DEADLINE_PREFIX", "Listed", "active_campaigns", "current_campaign", "end_campaign", "find", "find_in",
           "list_campaigns", "listing", "office_key", "offices_above", "save_campaign", "stored", "sync", "sync_for_offices", "visible"]


@dataclass(frozen=True)
class Listed:
    campaign: Campaign
    active: bool
    shipped: bool
    office_id: int | None = None  # whose campaign it is (None: the home office's)


def list_campaigns(session: Session) -> list[Listed]:
    """Every campaign the deployment carries: a shipped one issued for an area only inside that area (楚雄's 2019
    plan is not a 利川市 deployment's)."""
    from bot.registry.region import home_region

    region = home_region(session)
    return [item for item in listing(stored(session)) if item.campaign.applies_in(region)]


def stored(session: Session) -> list[tuple[str, str, bool, int | None]]:
    """(key, YAML body, active, office) of the campaign rows: the database part of the list, read quickly."""
    return [(row.key, row.body, row.active, row.office_id)
            for row in session.exec(select(CampaignRecord).order_by(CampaignRecord.updated_at)).all()]


def listing(rows: list[tuple]) -> list[Listed]:
    """The campaigns from `stored` rows and the shipped files: CPU only (chat runs it in a thread, off the
    database's time limit)."""
    shipped = {c.id: c for c in load_campaigns()}
    listed = {key: Listed(c, True, True) for key, c in shipped.items()}
    for key, body, active, *office in rows:
        campaign = (_parse_body(body) if body else None) or shipped.get(key)
        if campaign is not None:
            listed[key] = Listed(campaign, active, key in shipped, office[0] if office else None)
    return sorted(listed.values(), key=lambda item: (not item.active, _last_day(item.campaign)), reverse=False)


def visible(items: list[Listed], scope: UnitScope | None, above: frozenset = frozenset({None})) -> list[Listed]:
    """The campaigns an office's admin sees (scope None: a home admin, all of them): their office's and those of
    the offices below it, and those of the offices `above` it (offices_above) whose steps reach it."""
    if scope is None:
        return items
    return [item for item in items if item.office_id in scope.offices or item.office_id in above]


def offices_above(session: Session, office: int | None) -> frozenset:
    """The office and those above it up to the home office (None)."""
    chain, at = {None}, office
    while at is not None and at not in chain:
        chain.add(at)
        at = session.exec(select(Office.parent_id).where(Office.id == at)).first()
    return frozenset(chain)


def office_key(campaign: Campaign, office_code: str) -> Campaign:
    """An office's own campaign is keyed by its place (532329-2027年域名普查), so two counties naming theirs alike
    never edit each other's, nor the home's."""
    prefix = f"{office_code}-"
    return campaign if campaign.id.startswith(prefix) else campaign.keyed(prefix + campaign.id)


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


def current_campaign(session: Session, today: dt.date, office_id: int | None = None) -> Campaign | None:
    """The active campaign whose next step comes soonest; when all are past, the one that ended last. Among
    the campaigns of the office `office_id` (None: the home office) and of the offices above it."""
    above = offices_above(session, office_id)
    campaigns = [item.campaign for item in list_campaigns(session) if item.active and item.office_id in above]
    upcoming = [(c.next_step(today).date, c.id, c) for c in campaigns if c.next_step(today)]
    if upcoming:
        return min(upcoming)[2]
    return max(campaigns, key=_last_day) if campaigns else None


def save_campaign(session: Session, campaign: Campaign, actor: str, office_id: int | None = None) -> bool:
    """Add the campaign for the office `office_id` (None: the home office), or replace the one with the same
    id (an edit); True when it is new. Its open deadlines follow new dates (their pending reminders are
    withdrawn and planned again); the offices below get the steps the plan gives their level."""
    row = session.get(CampaignRecord, campaign.id)
    if row is not None and row.office_id != office_id:
        raise CampaignError(f"已有另一办公室的同名工作安排“{campaign.title[:60]}”，请换一个名称")
    if row is None and office_id is not None and campaign.id in {c.id for c in load_campaigns()}:
        raise CampaignError(f"“{campaign.title[:60]}”是本级的工作安排，下级办公室不能修改")
    new = row is None and campaign.id not in {c.id for c in load_campaigns()}
    row = row or CampaignRecord(key=campaign.id, office_id=office_id)
    row.title, row.source, row.body, row.active = campaign.title, campaign.source, campaign.to_yaml(), True
    row.updated_by, row.updated_at = actor[:100], utcnow()
    session.add(row)
    session.flush()
    kept = _parse_body(row.body)  # what the bot will work with: the stored form, checked as every reader checks it
    if kept is not None:
        cascade.reconcile(session, kept, office_id, cascade.read_offices(session), move=True)
        session.flush()
    return new


def end_campaign(session: Session, key: str, actor: str, items: list[Listed] | None = None) -> Campaign:
    """End the campaign named `key` among `items` (default: all; a handler passes those the user may end)."""
    item = find_in(list_campaigns(session) if items is None else items, key)
    if item is None:
        raise CampaignError(f"没有名为“{key[:80]}”的工作安排")
    row = session.get(CampaignRecord, item.campaign.id) or CampaignRecord(key=item.campaign.id, title=item.campaign.title,
                                                                        source=item.campaign.source)
    row.active, row.updated_by, row.updated_at = False, actor[:100], utcnow()
    session.add(row)
    for deadline in cascade.campaign_deadlines(session, item.campaign.id):
        if deadline.status == "open":
            cascade.close(session, deadline, f"campaign ended by {actor}")
    session.flush()
    return item.campaign


_offices_seen: dict[str, tuple] = {}


def sync_for_offices(session: Session) -> None:
    """Sync when the offices changed since this process last synced (an office added from the CLI while the bot
    runs gets its steps at the next /due, not at the next planning run): one read of the office table's size."""
    stamp = (*session.exec(select(func.count(Office.id), func.max(Office.id), func.max(Office.created_at))).one(),
             Generation.value)
    where = str(session.get_bind().url)
    if _offices_seen.get(where) != stamp:
        sync(session)
        _offices_seen[where] = stamp


def sync(session: Session) -> int:
    """Every active campaign's deadlines, office by office (at start and after any change): how many were new."""
    offices = cascade.read_offices(session)
    return sum(cascade.reconcile(session, item.campaign, item.office_id, offices)
               for item in list_campaigns(session) if item.active)
