"""Applications in the database: created from a validated spec, advanced step by step along their route,
rejected or completed; the registry follows the outcome (bot/applications/followup.py).

Blocking functions on a Session; `now` is passed in so tests control the clock."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from bot.db.models import Application, ApplicationEvent, Contact, Domain, Unit
from bot.deadlines.calendar import work_calendar
from bot.registry.access import Role, check_unit
from bot.registry.lookup import RegistryError, find_unit_id, registry_advice
from knowledge.applications import (
    ACTIONS,
    STATUS_CANCELLED,
    STATUS_IDLE,
    STATUS_TO_CANCEL,
    ContactInfo,
    Context,
    Spec,
    Step,
    route,
)
from knowledge.domains import parse_domain, site_text
from knowledge.registry_model import STATUSES
from knowledge.rules import check


@dataclass
class Progress:
    application: Application
    spec: Spec
    steps: list[Step]
    events: list[ApplicationEvent]

    @property
    def number(self) -> str:
        return number_of(self.application)

    @property
    def current(self) -> Step | None:
        a = self.application
        return self.steps[a.step] if a.status == "open" and a.step < len(self.steps) else None


def number_of(application: Application) -> str:
    return f"{application.created_at:%Y}-{application.id:04d}"


def spec_of(application: Application) -> Spec:
    data = json.loads(application.spec)
    return Spec(data["action"], data["unit"], list(data["domains"]), data.get("years"),
                ContactInfo(**data["contact"]), data.get("reason", ""), data.get("kind"), bool(data.get("legacy")),
                list(data.get("replaces") or []))


def steps_of(application: Application) -> list[Step]:
    return [Step(**s) for s in json.loads(application.route)]


# -- what the rules need from the registry ---------------------------------------------------------------------
def registry_context(session: Session, unit_name: str, domains: list[str] = ()) -> Context:
    portal, _ = registry_advice(session, unit_name, [])
    context = Context(portal=portal)
    names = [parse_domain(d).ascii for d in domains if parse_domain(d).valid]
    if names:
        rows = session.exec(select(Domain.name, Unit.name, Domain.registered_on).join(Unit, Unit.id == Domain.unit_id)
                            .where(Domain.name.in_(names), Domain.path == "")).all()  # the hosts' holders
        for name, holder, registered in rows:
            context.holders[name] = holder
            if registered:
                context.registered_on[name] = registered
    return context


def cancel_candidates(session: Session, unit_name: str, flagged_only: bool = False) -> list[str]:
    """The unit's domains worth cancelling (or replacing), first: non-compliant, idle, marked for cancellation;
    then, unless `flagged_only`, its other domains in use."""
    unit_id = find_unit_id(session, unit_name)
    if unit_id is None:
        return []
    unit = session.get(Unit, unit_id)
    rows = session.exec(select(Domain).where(Domain.unit_id == unit_id).order_by(Domain.name)).all()
    portal = None if unit.kind == "portal" else registry_advice(session, unit.name, [])[0]
    flagged, rest = [], []
    for d in rows:
        name = site_text(d)
        if d.status == STATUS_CANCELLED:
            continue
        result = check(name, unit.name, unit.kind, portal)
        if result.foreign:
            continue  # under another region's portal (a neighbour's swj…): not this unit's to cancel
        if d.status in (STATUS_IDLE, STATUS_TO_CANCEL) or not result.compliant:
            flagged.append(name)
        else:
            rest.append(name)
    return flagged if flagged_only else flagged + rest


ACTIVE_STATUSES = tuple(s for s in STATUSES if s != STATUS_CANCELLED)


# -- the life of an application -----------------------------------------------------------------------------
def check_may_apply(session: Session, role: Role, unit_name: str, domains: list[str] = ()) -> int | None:
    """The registered unit (its id; None: a unit not yet registered, for an admin only) an application names,
    and the registered domains it names, are ones the user may act for; a domain already in an open application
    is refused, naming that application. RegistryError in Chinese otherwise."""
    unit_id = find_unit_id(session, unit_name)
    check_unit(session, role, unit_id, unit_name)
    names = [parse_domain(d).ascii for d in domains if parse_domain(d).valid]
    if names:
        for domain in session.exec(select(Domain).where(Domain.name.in_(names), Domain.path == "")).all():
            check_unit(session, role, domain.unit_id, site_text(domain))
        busy = open_for_domains(session, names)
        if busy:
            raise RegistryError("；".join(f"{name} 已在办理中的申请 {number}（{ACTIONS[action]}）中" for name, number, action in busy)
                                + "。请在 /applications 中跟进那份申请，不要重复申请。")
    return unit_id


def open_for_domains(session: Session, names: list[str]) -> list[tuple[str, str, str]]:
    """(domain, application number, action) for each of the ASCII domain `names` that an open application names."""
    wanted = set(names)
    found = []
    for application in session.exec(select(Application).where(Application.status == "open").order_by(Application.id)).all():
        spec = json.loads(application.spec)
        for name in [*spec.get("domains", []), *(spec.get("replaces") or [])]:
            parsed = parse_domain(name)
            if parsed.valid and parsed.ascii in wanted:
                found.append((name, number_of(application), application.action))
    return found


def create(session: Session, spec: Spec, actor: str, role: Role, now: dt.datetime) -> Progress:
    """A new application, from a user who may act for its unit and domains (checked here, whatever the caller).
    Two created at once for one domain: the lock makes the second wait and then see the first, and refuse."""
    from bot.db.locks import LockBusy, hold

    try:
        hold(session, "application-create")
    except LockBusy:
        raise RegistryError("数据库繁忙，申请没有登记，请稍后再提交。") from None
    unit_id = check_may_apply(session, role, spec.unit, [*spec.domains, *spec.replaces])
    steps, basis = route(spec.action, spec.unit, spec.kind, spec.legacy)
    application = Application(action=spec.action, unit_id=unit_id, unit_name=spec.unit,
                              spec=json.dumps(spec.to_json(), ensure_ascii=False),
                              route=json.dumps([s.to_json() for s in steps], ensure_ascii=False), basis=basis,
                              step=0, step_since=now, status="open", created_by=actor[:100], created_at=now)
    session.add(application)
    session.flush()
    event = _event(session, application, actor, "created", now, f"{ACTIONS[spec.action]}：{'、'.join(spec.domains)}")
    from bot.applications.followup import on_created

    on_created(session, application, spec, now)
    return Progress(application, spec, steps, [event])


def _event(session: Session, application: Application, actor: str, kind: str, now: dt.datetime, note: str = "",
           file_id: str = "", file_name: str = "", step: int | None = None) -> ApplicationEvent:
    event = ApplicationEvent(application_id=application.id, at=now, actor=actor[:100], kind=kind,
                             step=application.step if step is None else step,
                             note=note[:400], file_id=file_id[:200], file_name=file_name[:200])
    session.add(event)
    return event


def progress(session: Session, application_id: int) -> Progress | None:
    application = session.get(Application, application_id)
    if application is None:
        return None
    events = list(session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application_id)
                               .order_by(ApplicationEvent.id)).all())
    return Progress(application, spec_of(application), steps_of(application), events)


def open_applications(session: Session, role: Role, limit: int = 30) -> list[Progress]:
    """Open applications the user may see: all for admins, their units' for contacts."""
    query = select(Application).where(Application.status == "open")
    if not role.admin:
        query = query.where(Application.unit_id.in_(role.units or (-1,)))
    rows = session.exec(query.order_by(Application.id).limit(limit)).all()
    return [Progress(a, spec_of(a), steps_of(a), []) for a in rows]


def _check_may(session: Session, application: Application, role: Role, *, own_step_only: bool) -> None:
    check_unit(session, role, application.unit_id, application.unit_name)
    if own_step_only and not role.admin:
        steps = steps_of(application)
        if application.step >= len(steps) or not steps[application.step].own_unit:
            raise RegistryError("这一步由上级机关办理，请由管理员登记。")


def _open(session: Session, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None:
        raise RegistryError("没有这份申请。")
    if application.status != "open":
        raise RegistryError("这份申请已办结，不能再修改。")
    return application


def advance(session: Session, application_id: int, step: int, actor: str, role: Role, now: dt.datetime,
            note: str = "") -> Progress:
    """Step `step` (the one the button was sent for) is done: move to the next; after the last, the application
    is approved and the registry follows. One compare-and-set UPDATE (… WHERE step = :step AND status = 'open'):
    a replayed or stale button, or a second admin pressing at the same moment (PostgreSQL or SQLite), changes
    nothing and is told where the application stands; so each step is passed once and the follow-up runs once."""
    application = _open(session, application_id)
    _check_may(session, application, role, own_step_only=True)
    steps = steps_of(application)
    if step != application.step or step >= len(steps):
        raise RegistryError(_moved_on(application, steps))
    last = step + 1 >= len(steps)
    values: dict = {"step": step + 1, "step_since": now}
    if last:
        values |= {"status": "approved", "closed_at": now}
    moved = session.execute(update(Application).where(Application.id == application_id, Application.step == step,
                                                      Application.status == "open").values(**values))
    if moved.rowcount != 1:
        session.refresh(application)
        raise RegistryError(_moved_on(application, steps) if application.status == "open" else "这份申请已办结，不能再修改。")
    session.refresh(application)
    done = steps[step]
    _event(session, application, actor, "advanced", now, note or f"{done.holder}：{done.task}", step=step)
    if last:
        _event(session, application, actor, "completed", now, "审批完成")
        from bot.applications.followup import on_approved

        on_approved(session, application, spec_of(application), actor, now)
        session.add(application)
    session.flush()
    return progress(session, application_id)


def _moved_on(application: Application, steps: list[Step]) -> str:
    where = f"现在在“{steps[application.step].holder}”" if application.step < len(steps) else "已办结"
    return f"这一步已经登记过了（按钮已过期），申请{where}。请用 /applications 查看最新进度。"


def reject(session: Session, application_id: int, actor: str, role: Role, now: dt.datetime, reason: str) -> Progress:
    application = _open(session, application_id)
    if not role.admin:
        raise RegistryError("只有管理员可以登记退回。")
    reason = reason.strip()
    if not reason:
        raise RegistryError("请写明退回原因。")
    steps, step = steps_of(application), application.step
    # Compare-and-set like advance: a step completed meanwhile (or another rejection) is not overwritten.
    closed = session.execute(update(Application).where(Application.id == application_id, Application.step == step,
                                                       Application.status == "open")
                             .values(status="rejected", closed_at=now))
    session.refresh(application)
    if closed.rowcount != 1:
        raise RegistryError(_moved_on(application, steps) if application.status == "open" else "这份申请已办结，不能再修改。")
    _event(session, application, actor, "rejected", now, f"{steps[step].holder}退回：{reason}")
    session.flush()
    return progress(session, application_id)


def attach(session: Session, application_id: int, actor: str, role: Role, now: dt.datetime, file_id: str,
           file_name: str) -> Progress:
    application = session.get(Application, application_id)
    if application is None:
        raise RegistryError("没有这份申请。")
    _check_may(session, application, role, own_step_only=False)
    _event(session, application, actor, "attached", now, f"附件：{file_name}", file_id=file_id, file_name=file_name)
    return progress(session, application_id)


# -- reminders to whoever holds a step too long ------------------------------------------------------------------
def stalled(session: Session, today: dt.date, working_days: int) -> list[tuple[Progress, list[int]]]:
    """Open applications whose step has been in hand `working_days` or more, with the Telegram ids of the
    applying unit's linked contacts (who chase the step)."""
    calendar = work_calendar(session)
    out = []
    for application in session.exec(select(Application).where(Application.status == "open")).all():
        due, _ = calendar.add_working_days(application.step_since.date(), working_days)
        if due > today:
            continue
        chats = []
        if application.unit_id is not None:
            chats = [c for c in session.exec(select(Contact.telegram_id).where(
                Contact.unit_id == application.unit_id, Contact.telegram_id.is_not(None))).all()]
        out.append((Progress(application, spec_of(application), steps_of(application), []), chats))
    return out


def reason_needed(session: Session, action: str, unit_name: str, domains: list[str]) -> str:
    """Why the rules ask for a reason here ('' when they do not)."""
    if action == "change_holder":
        return "持有者变更须写明原因和变更后的持有单位"
    if action == "cancel":
        context = registry_context(session, unit_name, domains)
        others = sorted({h for h in context.holders.values() if h != unit_name})
        if others:
            return f"所注销域名登记在{'、'.join(others)}名下，须说明原因"
    return ""


def unit_domains(session: Session, unit_name: str) -> list[str]:
    unit_id = find_unit_id(session, unit_name)
    if unit_id is None:
        return []
    return [site_text(d) for d in session.exec(select(Domain).where(
        Domain.unit_id == unit_id, Domain.status.in_(ACTIVE_STATUSES)).order_by(Domain.name)).all()]


def enqueue_stall_reminders(session: Session, now: dt.datetime, today: dt.date, working_days: int,
                            admin_ids: frozenset[int]) -> int:
    """A reminder, once a day, to the applying unit's contacts and the admins for each step held too long."""
    from html import escape

    from bot.db.models import Admin
    from bot.delivery.queue import enqueue

    admins = set(admin_ids) | set(session.exec(select(Admin.telegram_id)).all())
    count = 0
    for p, contacts in stalled(session, today, working_days):
        step = p.current
        if step is None:
            continue
        text = (f"⏰ 申请 {p.number}（{escape(p.application.unit_name)}，{ACTIONS[p.spec.action]}）在"
                f"“{escape(step.holder)}”（{escape(step.task)}）已停留 {working_days} 个工作日以上，请跟进。/applications")
        for chat in sorted(set(contacts) | admins):
            key = f"application:{p.application.id}:step:{p.application.step}:{today.isoformat()}:c{chat}"
            count += enqueue(session, key, chat, text, now, "notice")
    return count


def unit_names(session: Session, unit_ids: tuple[int, ...] | list[int]) -> list[str]:
    if not unit_ids:
        return []
    return list(session.exec(select(Unit.name).where(Unit.id.in_(list(unit_ids))).order_by(Unit.name)).all())


def may_attach(session: Session, application_id: int, role: Role) -> bool:
    """Whether the user may attach a returned document to the application (its unit's contacts, admins)."""
    application = session.get(Application, application_id)
    if application is None:
        return False
    try:
        _check_may(session, application, role, own_step_only=False)
    except RegistryError:
        return False
    return True
