"""Monitoring runs in the database: targets (one per registered domain, or checked by hand), claimed by one
process at a time like outbox rows; each run stored with its findings; a finding opened once and alerted once
through the outbox (unit contacts or group, and the admins), closed when a later run no longer sees it."""
from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from bot.config.settings import Settings
from bot.db.models import Chat, Contact, Domain, MonitorEvent, MonitorFinding, MonitorRun, MonitorTarget, Setting, Unit, utcnow
from bot.db.storage import Database
from bot.delivery import queue
from bot.monitoring.probe import Check, MonitorConfig, Resolvers, ResolverUnavailable, check_domain, search_lookalikes
from bot.offices.service import admins_over
from bot.registry.region import home_region
from knowledge.monitoring import (
    REPORT_TO,
    RESOLVER_UNHEALTHY,
    cert_alert_step,
    impersonation_report,
    lookalike_due,
    parse_resolvers,
    readable,
    region_prefixes,
    todo_text,
    unit_label,
)
from knowledge.offices import plan_office_words

log = logging.getLogger(__name__)
STALE_CLAIM = dt.timedelta(minutes=15)
FLUSH_SECONDS = 1.0  # results wait at most this long for a batch to fill
SKIPPED_STATUSES = ("已注销", "待注册")  # nothing to watch
SYNC_BATCH = 500  # targets added or changed per transaction (a few ms of the bot's time each)
ADMIN_ONLY = frozenset({"lookalike_registered", "idle_suspected"})
# Mass failure is the resolver's fault until shown otherwise: when at least MASS_MIN domains that resolved before
# (a good state, no open not_resolving) fail in one run with SERVFAIL or a time-out (the resolver could not; an
# NXDOMAIN is the registry's word), and they are more than MASS_SHARE of those and the run's resolving domains
# together, nothing is concluded about any domain that failed in the run.
MASS_MIN, MASS_SHARE = 3, 0.5
RESOLVER_STATE = "monitor_resolver_unhealthy"  # Setting key: since when (ISO) the resolver is known broken
BROKEN_RESOLVER = "解析服务器对已知正常的域名也无法解析，或大量域名同时无法解析：问题在解析服务器，本次不作判断"


def monitor_config(settings: Settings) -> MonitorConfig:
    return MonitorConfig(
        resolvers=parse_resolvers(settings.monitor_resolvers), timeout=settings.monitor_timeout,
        retries=settings.monitor_retries, rate=settings.monitor_resolver_rate, https_port=settings.monitor_https_port,
        http_port=settings.monitor_http_port,
        probe_networks=tuple(p.strip() for p in settings.monitor_probe_networks.split(",") if p.strip()),
        ca_file=settings.monitor_ca_file, whois=settings.monitor_whois.lower() not in ("off", "0", "false", "no"),
        whois_server=settings.monitor_whois if ":" in settings.monitor_whois else "", rdap_url=settings.monitor_rdap_url,
        geoip_file=settings.monitor_geoip_file, lookalike_limit=settings.monitor_lookalike_limit)


# -- schedule ----------------------------------------------------------------------------------------------
def _window(settings: Settings) -> tuple[dt.time, dt.time]:
    start, end = (dt.time.fromisoformat(p.strip()) for p in settings.monitor_hours.split("-"))
    return start, end


def _day_window(day: dt.date, settings: Settings) -> tuple[dt.datetime, int]:
    """The working-hours window of `day`: its start (local time) and its length in seconds."""
    start, end = _window(settings)
    tz = settings.timezone
    begin = dt.datetime.combine(day, start, tz)
    return begin, max(int((dt.datetime.combine(day, end, tz) - begin).total_seconds()), 1)


def _slot_in(name: str, begin: dt.datetime, length: int) -> dt.datetime:
    return (begin + dt.timedelta(seconds=zlib.crc32(name.encode()) % length)).astimezone(dt.UTC)


def slot(name: str, day: dt.date, settings: Settings) -> dt.datetime:
    """A domain's fixed moment inside the working-hours window of `day` (spread by a hash of its name)."""
    return _slot_in(name, *_day_window(day, settings))


def first_due(names: list[str], now: dt.datetime, settings: Settings) -> list[dt.datetime]:
    """When each name is first due: its slot today if still ahead, else tomorrow's (each day's window worked out
    once: a sync step schedules 500 names)."""
    today = now.astimezone(settings.timezone).date()
    this_day, next_day = _day_window(today, settings), _day_window(today + dt.timedelta(days=1), settings)
    return [due if (due := _slot_in(name, *this_day)) > now else _slot_in(name, *next_day) for name in names]


def next_due(name: str, now: dt.datetime, settings: Settings, *, after_run: bool) -> dt.datetime:
    if after_run:
        step = max(settings.monitor_interval_hours // 24, 1)
        return slot(name, now.astimezone(settings.timezone).date() + dt.timedelta(days=step), settings)
    return first_due([name], now, settings)[0]


@dataclass(frozen=True)
class SyncStep:
    changed: int  # targets added or changed
    last_domain: int  # the highest domain id given a new target (the next step looks after it)


def sync_step(session: Session, settings: Settings, now: dt.datetime, limit: int | None = SYNC_BATCH,
              after: int = 0) -> SyncStep:
    """Every registered domain that can be watched gets a target, due at its slot; a cancelled one is no longer
    checked; one that comes back, or a name checked by hand and registered since, is scheduled again.

    The candidates are found by joins in the database, and nothing is written when there are none: on SQLite
    a run with nothing to do takes no write lock, so it never waits for a long import's transaction. At most
    `limit` rows of each kind are handled (None: all), new domains only above the id `after`; a caller
    repeats while `changed` is `limit` or more (see sync_in_steps)."""
    table = MonitorTarget.__table__
    watched = Domain.status.not_in(SKIPPED_STATUSES)

    def first(query):
        return session.execute(query.limit(limit) if limit else query).all()

    stopped = first(sa_select(MonitorTarget.id).join(Domain, Domain.id == MonitorTarget.domain_id)
                    .where(Domain.status.in_(SKIPPED_STATUSES), MonitorTarget.next_due_at.is_not(None)))
    if stopped:
        session.execute(update(table).where(table.c.id.in_([i for i, in stopped])).values(next_due_at=None))
    # a column (a path on a host) adds no DNS target: the host's whole-host site is the one watched
    adopted = first(sa_select(MonitorTarget.id, Domain.id).join(Domain, Domain.name == MonitorTarget.name)
                    .where(MonitorTarget.domain_id.is_(None), Domain.path == ""))
    if adopted:
        session.execute(update(table).where(table.c.id == bindparam("target")).values(domain_id=bindparam("domain")),
                        [{"target": t, "domain": d} for t, d in adopted])
    new = first(sa_select(Domain.id, Domain.name).outerjoin(MonitorTarget, MonitorTarget.name == Domain.name)
                .where(watched, MonitorTarget.id.is_(None), Domain.id > after, Domain.path == "").order_by(Domain.id))
    if new:
        dues = first_due([name for _, name in new], now, settings)
        rows = [{"name": name, "domain_id": did, "next_due_at": due, "claimed_by": "", "last_good": ""}
                for (did, name), due in zip(new, dues)]
        queue.insert_ignore_uncounted(session, rows, MonitorTarget, "name")
    unscheduled = first(sa_select(MonitorTarget.id, MonitorTarget.name).join(Domain, Domain.id == MonitorTarget.domain_id)
                        .where(MonitorTarget.next_due_at.is_(None), watched))
    if unscheduled:
        session.execute(update(table).where(table.c.id == bindparam("target")).values(next_due_at=bindparam("due")),
                        [{"target": t, "due": due} for (t, _), due in
                         zip(unscheduled, first_due([name for _, name in unscheduled], now, settings))])
    return SyncStep(len(stopped) + len(adopted) + len(new) + len(unscheduled), new[-1][0] if new else after)


def sync_targets(session: Session, settings: Settings, now: dt.datetime) -> int:
    """sync_step for everything at once, in the caller's one transaction (the command line, tests, benchmarks);
    returns how many targets were added or changed."""
    return sync_step(session, settings, now, limit=None).changed


async def sync_in_steps(db: Database, settings: Settings, clock: Callable[[], dt.datetime], steps: int) -> bool:
    """The running bot's sync: at most `steps` short transactions of SYNC_BATCH rows, replies in between (after
    a 100k-row import the targets are added over a few minutes). True when nothing was left to do."""
    after = 0
    for _ in range(steps):
        step = await db.run(lambda s, after=after: sync_step(s, settings, clock(), SYNC_BATCH, after))
        if step.changed < SYNC_BATCH:
            return True
        after = step.last_domain
    return False


@dataclass(frozen=True)
class Claimed:
    id: int
    name: str
    domain_id: int | None
    last_good: dict | None


def claim_due(session: Session, worker: str, now: dt.datetime, limit: int) -> list[Claimed]:
    """Take due targets atomically (FOR UPDATE SKIP LOCKED on PostgreSQL, as the outbox does): two processes
    never check the same domain in the same round. A claim older than STALE_CLAIM is taken over."""
    due = and_(MonitorTarget.next_due_at <= now,
               or_(MonitorTarget.claimed_by == "", MonitorTarget.claimed_at < now - STALE_CLAIM))
    ids = sa_select(MonitorTarget.id).where(due).order_by(MonitorTarget.next_due_at, MonitorTarget.id).limit(limit)
    if session.execute(ids.limit(1)).first() is None:
        return []  # nothing due: a read only (on SQLite no write lock, so no wait behind an import)
    if session.get_bind().dialect.name == "postgresql":
        picked = ids.with_for_update(skip_locked=True).cte("picked")
        condition = MonitorTarget.id == picked.c.id
    else:
        condition = MonitorTarget.id.in_(ids.scalar_subquery())
    statement = (update(MonitorTarget).where(condition).values(claimed_by=worker, claimed_at=now)
                 .returning(MonitorTarget.id, MonitorTarget.name, MonitorTarget.domain_id, MonitorTarget.last_good))
    return [Claimed(i, n, d, json.loads(g) if g else None) for i, n, d, g in session.execute(statement).all()]


def target_for(session: Session, name: str) -> MonitorTarget:
    """The target of a domain checked by hand (not scheduled unless registered)."""
    row = session.exec(select(MonitorTarget).where(MonitorTarget.name == name)).first()
    if row is None:
        domain = session.exec(select(Domain).where(Domain.name == name, Domain.path == "")).first()
        queue.insert_ignore(session, [{"name": name, "domain_id": domain.id if domain else None, "next_due_at": None,
                                       "claimed_by": "", "last_good": ""}], model=MonitorTarget, conflict="name")
        row = session.exec(select(MonitorTarget).where(MonitorTarget.name == name)).one()
    return row


async def _registry_names(db: Database) -> tuple[frozenset[str], dict[str, str]]:
    """own_domains and unit_names, read again only after a registry change (any process's change writes an audit
    row): at 100k domains the two reads take ~0.1 s of the bot's CPU, and a run starts every minute."""
    from bot.registry.audit import last_change

    change = await db.run(last_change)
    held = db.memo.get("monitor_names")
    if held is None or held[0] != change:
        held = db.memo["monitor_names"] = (change, *await db.run(lambda s: (own_domains(s), unit_names(s))))
    return held[1], held[2]


def own_domains(session: Session) -> frozenset[str]:
    return frozenset(session.exec(select(Domain.name).where(Domain.path == "")).all())  # hosts the office holds


def unit_names(session: Session) -> dict[str, str]:
    """Registered domain → its unit's name (for the province/prefecture prefixes of look-alikes)."""
    return dict(session.exec(select(Domain.name, Unit.name).join(Unit, Unit.id == Domain.unit_id)
                             .where(Domain.path == "")).all())


# -- recording ---------------------------------------------------------------------------------------------
def _variant(check: Check, code: str) -> str:
    if code == "cert_expiring" and check.web and check.web.expires:
        step = cert_alert_step((dt.date.fromisoformat(check.web.expires) - check.at.date()).days)
        return str(step or "")
    return ""


HIJACK = frozenset({"answers_differ", "answer_changed", "ns_changed", "not_resolving"})


def record(session: Session, target_id: int, check: Check, settings: Settings, now: dt.datetime, worker: str = "",
           *, schedule: bool = True) -> list[MonitorFinding]:
    """Store one run (see record_batch); returns the findings it opened."""
    return record_batch(session, [(target_id, check, now)], settings, worker, schedule=schedule)


def record_batch(session: Session, batch: list[tuple[int, Check, dt.datetime]], settings: Settings, worker: str = "",
                 *, schedule: bool = True) -> list[MonitorFinding]:
    """Store runs: the run rows, the events, the new good state, findings opened and closed, and an alert for
    each finding opened. A few statements for the whole batch (executemany), not a few per domain.
    Returns the findings opened."""
    if not batch:
        return []
    ids = [target_id for target_id, _, _ in batch]
    targets = {t.id: t for t in session.exec(select(MonitorTarget).where(MonitorTarget.id.in_(ids))).all()}
    open_rows: dict[int, list[MonitorFinding]] = {}
    for row in session.exec(select(MonitorFinding).where(MonitorFinding.target_id.in_(ids), MonitorFinding.status == "open")).all():
        open_rows.setdefault(row.target_id, []).append(row)
    runs, events, target_updates, seen_updates, closed, opened = [], [], [], [], [], []
    for target_id, check, now in batch:
        target = targets[target_id]
        changes = _idle(target, check, settings, now)
        runs.append({"target_id": target_id, "at": now, "worker": worker, "resolves": check.resolves,
                     "codes": ",".join(f.code for f in check.findings)[:400],
                     "result": json.dumps(check.to_json(), ensure_ascii=False)})
        events += [{"target_id": target_id, "at": now, "kind": e["kind"], "before": json.dumps(e["before"], ensure_ascii=False),
                    "after": json.dumps(e["after"], ensure_ascii=False)} for e in check.events]
        changes |= {"id": target_id, "last_run_at": now}
        if check.resolves and not any(f.code in HIJACK for f in check.findings):
            changes["last_good"] = json.dumps(check.good_state(), ensure_ascii=False)
        if schedule:
            changes |= {"claimed_by": "", "claimed_at": None}
            if target.domain_id is not None:
                changes["next_due_at"] = next_due(target.name, now, settings, after_run=True)
        target_updates.append(changes)
        current = {(f.code, _variant(check, f.code)): f for f in check.findings}
        for row in open_rows.get(target_id, []):
            key = (row.code, row.variant)
            if key in current:
                seen_updates.append({"id": row.id, "last_seen": now, "message": current.pop(key).message})
            elif row.code in check.skipped:
                continue  # not examined this time (look-alikes on another day, no web probe): stays open
            else:
                closed.append({"id": row.id, "status": "closed", "closed_at": now})
                events.append({"target_id": target_id, "at": now, "kind": "resolved", "before": row.code, "after": ""})
        for (code, variant), finding in current.items():
            opened.append((target, check, MonitorFinding(target_id=target_id, code=code, variant=variant, message=finding.message,
                                                         basis=finding.basis, first_seen=now, last_seen=now)))
            events.append({"target_id": target_id, "at": now, "kind": "finding", "before": "", "after": code})
    session.execute(insert(MonitorRun), runs)
    if events:
        session.execute(insert(MonitorEvent), events)
    for fields in {tuple(sorted(u)) for u in target_updates}:  # executemany needs the same columns in each row
        session.execute(update(MonitorTarget), [u for u in target_updates if tuple(sorted(u)) == fields])
    for rows in (seen_updates, closed):
        if rows:
            session.execute(update(MonitorFinding), rows)
    if opened:
        session.add_all([row for _, _, row in opened])
        session.flush()
        for target, check, row in opened:
            if target.domain_id is not None:  # a domain outside the registry, checked by hand, alerts nobody
                _alert(session, target, check, [row], settings, check.at)
    session.expire_all()
    return [row for _, _, row in opened]


def _idle(target: MonitorTarget, check: Check, settings: Settings, now: dt.datetime) -> dict:
    """The target's answered/silent times after this run; a site silent for MONITOR_IDLE_DAYS is proposed as 闲置
    to the admins (never changed here)."""
    if check.unknown:
        return {}  # nothing known: neither answered nor silent
    web = check.web
    gone = not check.resolves and check.status in ("nxdomain", "noanswer", "servfail")  # a timeout may be ours
    if not gone and (web is None or web.https_ok is None):
        return {}  # not probed: nothing known
    if web is not None and (web.https_ok or web.http_ok):
        return {"last_answered_at": now, "silent_since": None}
    since = target.silent_since or now
    since = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
    if now - since >= dt.timedelta(days=settings.monitor_idle_days) and target.domain_id is not None:
        check.add("idle_suspected", f"自 {since.astimezone(settings.timezone).date().isoformat()} 起无法访问")
    return {"silent_since": since}


def _unit_chats(session: Session, domain_id: int | None) -> tuple[Unit | None, list[int]]:
    if domain_id is None:
        return None, []
    domain = session.get(Domain, domain_id)
    unit = session.get(Unit, domain.unit_id) if domain else None
    if unit is None:
        return None, []
    chats = [c for c in session.exec(select(Contact.telegram_id).where(Contact.unit_id == unit.id,
                                                                       Contact.telegram_id.is_not(None))).all()]
    chats += list(session.exec(select(Chat.id).where(Chat.unit_id == unit.id, Chat.active == True)).all())  # noqa: E712
    return unit, chats


def alert_text(name: str, unit: Unit | None, finding: MonitorFinding, office: str = "") -> str:
    """The alert; `office` is the deployment's office reports go to (恩施州政府办), else the plan's words."""
    who = f"（{html.escape(unit.name)}）" if unit else ""
    return (f"🛡 <b>域名监测发现问题</b>\n<code>{html.escape(name)}</code>{who}\n"
            f"{html.escape(finding.message)}\n依据：《通知》{html.escape(finding.basis)}\n"
            f"请处理：{html.escape(todo_text(finding.code, office))}")


def _alert(session: Session, target: MonitorTarget, check: Check, opened: list[MonitorFinding], settings: Settings,
           now: dt.datetime) -> int:
    unit, unit_chats = _unit_chats(session, target.domain_id)
    # the home office's admins, and those of the unit's office and the offices above it: never a sibling office's
    admins = admins_over(session, unit.office_id if unit else None, settings.bot_admin_ids)
    count = 0
    office = plan_office_words(home_region(session, settings.bot_region)) if opened else ""
    for finding in opened:
        text = alert_text(target.name, unit, finding, office)
        chats = list(admins) if finding.code in ADMIN_ONLY else [*unit_chats, *admins]
        if finding.code == "lookalike_registered":
            found = [(x["domain"], x["addresses"] or x["ns"], x.get("registrant", "")) for x in check.lookalikes]
            report = impersonation_report(unit.name if unit else "", target.name, found, office)
            text += (f"\n按要求应向{html.escape(office or REPORT_TO)}报告。报告文本如下，可直接复制：\n<pre>"
                     + html.escape(report) + "</pre>")
        if finding.code == "idle_suspected":
            text += f"\n确认后：<code>/setstatus {html.escape(target.name)} 闲置</code>（机器人不会自动修改状态）"
        for chat in dict.fromkeys(chats):
            count += queue.enqueue(session, f"monitor:{finding.id}:c{chat}", chat, text, now, "notice")  # split in parts by the queue
    return count


# -- running -----------------------------------------------------------------------------------------------
def record_many(session: Session, batch: list[tuple[Claimed, Check, dt.datetime]], settings: Settings, worker: str) -> int:
    """A batch from the scheduled run; should it fail as a whole, each run is stored on its own (in a savepoint)."""
    rows = [(item.id, check, now) for item, check, now in batch]
    # Write first: on SQLite this takes the write lock (waiting for it) before the reads; a read transaction
    # that later tries to write fails at once when another connection wrote in between.
    session.execute(update(MonitorTarget).where(MonitorTarget.id.in_([r[0] for r in rows])).values(last_run_at=rows[-1][2]))
    try:
        with session.begin_nested():
            record_batch(session, rows, settings, worker)
        return len(rows)
    except Exception:
        log.exception("monitoring: a batch of %d could not be recorded; one by one", len(rows))
    stored = 0
    for row in rows:
        try:
            with session.begin_nested():
                record_batch(session, [row], settings, worker)
            stored += 1
        except Exception:
            log.exception("monitoring: could not record target %s", row[0])
    return stored


async def run_due(db: Database, settings: Settings, worker: str, clock: Callable[[], dt.datetime],
                  config: MonitorConfig | None = None, *, lookalikes: bool | None = None, https: bool = True) -> int:
    """Check every due target with at most MONITOR_CONCURRENCY at a time, claiming more as slots free up.
    Results are written in batches by one writer at a time, so a slot is free as soon as its check is done.
    Returns how many were checked."""
    config = config or monitor_config(settings)
    lookalikes = settings.monitor_lookalikes if lookalikes is None else lookalikes
    limit = settings.monitor_concurrency
    first = await db.run(lambda s: claim_due(s, worker, clock(), limit))
    if not first:
        return 0  # most minutes: no registry read, no resolver set-up
    own, units = await _registry_names(db)
    shared = Resolvers(config)  # NS host addresses asked once per run
    label_cache: dict[tuple, asyncio.Future] = {}
    running: set[asyncio.Future] = set()
    pending: list[tuple[Claimed, Check, dt.datetime]] = []
    writer: asyncio.Future | None = None
    done = 0
    exhausted = False

    async def one(item: Claimed) -> tuple[Claimed, Check, dt.datetime]:
        try:
            check = await check_domain(item.name, config, previous=item.last_good, own=own, lookalikes=False,
                                       https=https, resolvers=shared)
        except ResolverUnavailable:
            health["broken"] = True
            return item, Check(domain=item.name, at=clock()).give_up(BROKEN_RESOLVER), clock()
        except Exception:  # whatever a site or resolver did, the run is recorded and the target scheduled again
            log.exception("monitoring check of %s failed", item.name)
            return item, Check(domain=item.name, at=clock()).give_up("检查出错"), clock()
        if check.unknown:
            return item, check, clock()
        today = clock().astimezone(settings.timezone).date()
        if lookalikes and item.domain_id is not None and lookalike_due(unit_label(item.name), today,
                                                                       settings.monitor_lookalike_days):
            check.skipped.discard("lookalike_registered")
            prefixes = region_prefixes(units.get(item.name, ""))
            key = (unit_label(item.name), prefixes)  # www.wuding.gov.cn and rsj.wuding.gov.cn share one search
            if key not in label_cache:
                label_cache[key] = asyncio.ensure_future(search_lookalikes(item.name, shared, config, own=own,
                                                                           prefixes=prefixes))
            found = await label_cache[key]
            if found is None:  # the search ran out of time: nothing concluded, what was open stays open
                check.skipped.add("lookalike_registered")
            else:
                check.lookalikes = found
                if found:
                    check.add("lookalike_registered", "、".join(readable(x["domain"]) for x in found[:10]))
        return item, check, clock()

    backlog: list[Claimed] = first
    health = {"broken": False, "resolved": 0}
    doubtful: list[tuple[Claimed, Check, dt.datetime]] = []  # failed to resolve: judged when the run is over
    flushed = asyncio.get_running_loop().time()
    try:
        while True:
            # Claims and writes are a transaction each: taken in batches of about MONITOR_CONCURRENCY, not per
            # freed slot, so their cost is shared by many domains. Claimed-but-waiting targets stay few (one
            # batch), so a second process still finds work.
            if not exhausted and len(backlog) < limit // 2:
                items = await db.run(lambda s, n=limit: claim_due(s, worker, clock(), n))
                exhausted = not items
                backlog += items
            while backlog and len(running) < limit:
                running.add(asyncio.ensure_future(one(backlog.pop(0))))
            now = asyncio.get_running_loop().time()
            ready = len(pending) >= limit or not running or now - flushed >= FLUSH_SECONDS
            if pending and ready and (writer is None or writer.done()):
                batch, pending, flushed = pending, [], now
                writer = asyncio.ensure_future(db.run(lambda s, b=batch: record_many(s, b, settings, worker)))
            if not running:
                if writer is not None:
                    await writer
                failing = await db.run(lambda s: already_failing(s, [item.id for item, _, _ in doubtful]))
                pending += _judge_failures(doubtful, failing, health)
                if pending:
                    await db.run(lambda s, b=pending: record_many(s, b, settings, worker))
                await db.run(lambda s: resolver_state(s, settings, health, clock()))
                return done
            finished, running = await asyncio.wait(running, timeout=FLUSH_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                done += 1
                if task.exception() is not None:
                    log.error("monitoring check failed: %r", task.exception())
                    continue
                item, check, at = task.result()
                health["resolved"] += check.resolves
                if not check.resolves and not check.unknown:
                    doubtful.append((item, check, at))  # a mass failure is the resolver's: see at the end
                else:
                    pending.append((item, check, at))
    finally:
        shared.close()


def already_failing(session: Session, target_ids: list[int]) -> set[int]:
    """Targets among these whose not_resolving finding is open: their failure is not news."""
    if not target_ids:
        return set()
    return set(session.exec(select(MonitorFinding.target_id).where(
        MonitorFinding.target_id.in_(target_ids), MonitorFinding.code == "not_resolving",
        MonitorFinding.status == "open")).all())


def _judge_failures(doubtful: list[tuple[Claimed, Check, dt.datetime]], failing: set[int], health: dict) -> list:
    """The run's domains that did not resolve, once the run is over: nothing is concluded about them when the
    resolver failed the control names, or when most domains that resolved before failed together."""
    fresh = sum(item.last_good is not None and item.id not in failing and check.status in ("servfail", "timeout")
                for item, check, _ in doubtful)
    if fresh >= MASS_MIN and fresh > MASS_SHARE * (fresh + health["resolved"]):
        health["broken"] = True
    if health["broken"]:
        for _, check, _ in doubtful:
            check.give_up(BROKEN_RESOLVER)
    return doubtful


def resolver_state(session: Session, settings: Settings, health: dict, now: dt.datetime) -> int:
    """Remember a broken resolver and tell the admins once per episode; a run where domains resolve and the
    resolver passed ends the episode. Returns the alerts queued."""
    row = session.get(Setting, RESOLVER_STATE)
    if not health["broken"]:
        if row is not None and health["resolved"]:
            session.delete(row)
        return 0
    if row is not None:
        return 0  # already told
    since = now.isoformat(timespec="seconds")
    queue.insert_ignore_uncounted(session, [{"key": RESOLVER_STATE, "value": since, "updated_by": "monitor",
                                             "updated_at": utcnow()}], Setting, "key")
    session.expire_all()
    if session.get(Setting, RESOLVER_STATE).value != since:
        return 0  # another process's run saw it first and told them
    log.warning("monitoring: the resolver fails known-good names or most domains at once; nothing concluded")
    return sum(queue.enqueue(session, f"monitor:resolver:{since}:c{chat}", chat, RESOLVER_UNHEALTHY, now, "notice")
               for chat in admins_over(session, None, settings.bot_admin_ids))  # the deployment's: the home admins


async def check_now(db: Database | None, settings: Settings, name: str, *, lookalikes: bool = True,
                    https: bool = True, clock: Callable[[], dt.datetime] | None = None) -> Check:
    """A check by hand (/monitor, `domainbot monitor`): compared with and recorded into the target's state when a
    database is given; alerts for its new findings go out like a scheduled run's."""
    config = monitor_config(settings)
    now = (clock or (lambda: dt.datetime.now(dt.UTC)))()
    if db is None:
        return await check_domain(name, config, lookalikes=lookalikes, https=https, now=now)
    target, own, unit = await db.run(lambda s: (target_for(s, name), own_domains(s), unit_names(s).get(name, "")))
    previous = json.loads(target.last_good) if target.last_good else None
    check = await check_domain(name, config, previous=previous, own=own, lookalikes=lookalikes, https=https, now=now,
                               prefixes=region_prefixes(unit))
    await db.run(lambda s: record(s, target.id, check, settings, now, "manual", schedule=False))
    return check
