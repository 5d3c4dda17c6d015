"""Applications in the database: created from a validated spec, advanced step by step along their route,
rejected or completed; the registry follows the outcome (bot/applications/followup.py).

Blocking functions on a Session; `now` is passed in so tests control the clock."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape

from sqlalchemy import update
from sqlmodel import Session, select

from bot.applications.holders import (
    Holder,
    applicant_recipients,
    holder_of,
    may_record,
    may_see,
    office_title,
    step_recipients,
    unit_contacts,
    who_records,
)
from bot.db.models import Application, ApplicationEvent, Domain, Unit
from bot.deadlines.calendar import work_calendar
from bot.offices.service import office_codes
from bot.registry.access import NotAllowed, Role, check_unit
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
    # Read for the person looking (annotate): the office recording the current step, and what they may do.
    holder: Holder | None = None
    recorder: str = ""  # that office's title (楚雄彝族自治州人民政府办公室)
    may_record: bool = True
    may_reject: bool = True
    waiting_here: bool = False  # the current step is held by the looker's own office

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
    return [Step.from_json(s) for s in json.loads(application.route)]


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
    return annotate(session, Progress(application, spec, steps, [event]), role)


def _event(session: Session, application: Application, actor: str, kind: str, now: dt.datetime, note: str = "",
           file_id: str = "", file_name: str = "", step: int | None = None) -> ApplicationEvent:
    event = ApplicationEvent(application_id=application.id, at=now, actor=actor[:100], kind=kind,
                             step=application.step if step is None else step,
                             note=note[:400], file_id=file_id[:200], file_name=file_name[:200])
    session.add(event)
    return event


def progress(session: Session, application_id: int, role: Role | None = None) -> Progress | None:
    application = session.get(Application, application_id)
    if application is None:
        return None
    events = list(session.exec(select(ApplicationEvent).where(ApplicationEvent.application_id == application_id)
                               .order_by(ApplicationEvent.id)).all())
    found = Progress(application, spec_of(application), steps_of(application), events)
    return annotate(session, found, role) if role is not None else found


def annotate(session: Session, found: Progress, role: Role, holder: Holder | None = None,
             titles: dict[int | None, str] | None = None) -> Progress:
    """Who records the current step (the deployment's office), and whether `role` may record or reject it."""
    step = found.current
    if step is None:
        found.may_record = found.may_reject = False
        return found
    holder = holder or holder_of(session, found.application, step)
    titles = {} if titles is None else titles
    if holder.office_id not in titles:
        titles[holder.office_id] = office_title(session, holder.office_id)
    found.holder, found.recorder = holder, titles[holder.office_id]
    found.may_record = may_record(role, found.application, holder)
    found.may_reject = role.any_admin and role.manages(holder.office_id)
    found.waiting_here = _waits_on(role, holder)
    return found


def _waits_on(role: Role, holder: Holder | None) -> bool:
    """The step is held by the admin's own office (a home admin's: the home office)."""
    return holder is not None and role.any_admin and not holder.own_unit \
        and holder.office_id == (None if role.admin else role.office)


def open_applications(session: Session, role: Role, limit: int = 30) -> list[Progress]:
    """Open applications the user may see, those waiting on the user's own office first: all for home admins;
    for an office's admins those of their units (their office and below) and those whose current step their
    office holds, never a sibling's; their units' for contacts. One query (the applicant's office read with
    each application); only the `limit` shown are annotated."""
    query = select(Application, Unit.office_id).outerjoin(Unit, Unit.id == Application.unit_id) \
        .where(Application.status == "open")
    if not role.admin:
        units = Application.unit_id.in_(role.units or (-1,))
        if role.offices:  # a new unit's application (no unit row yet) may still wait on this office
            units = units | role.scope.clause() | Application.unit_id.is_(None)
        query = query.where(units)
    codes, visible = office_codes(session), []
    for application, applicant in session.exec(query.order_by(Application.id)).all():
        steps = steps_of(application)
        current = steps[application.step] if application.step < len(steps) else None
        holder = holder_of(session, application, current, codes, applicant) if current is not None else None
        if may_see(session, role, application, holder, applicant):
            visible.append((application, steps, holder))
    visible.sort(key=lambda found: not _waits_on(role, found[2]))  # stable: by number within each part
    titles: dict[int | None, str] = {}
    return [annotate(session, Progress(application, spec_of(application), steps, []), role, holder, titles)
            for application, steps, holder in visible[:limit]]


def _check_sees(session: Session, application: Application, role: Role, holder: Holder | None) -> None:
    """Refused in the words of the scope check, naming nothing the user may not see."""
    if not may_see(session, role, application, holder):
        check_unit(session, role, application.unit_id)
        raise NotAllowed("没有这份申请，或它不在您的办理范围内。")


def _current(session: Session, application: Application) -> tuple[list[Step], Holder | None]:
    steps = steps_of(application)
    step = steps[application.step] if application.step < len(steps) else None
    return steps, holder_of(session, application, step) if step is not None else None


def _check_records(session: Session, application: Application, role: Role) -> None:
    """The user may record the current step: its office's admins, or for the unit's own step its contacts."""
    steps, holder = _current(session, application)
    _check_sees(session, application, role, holder)
    if holder is not None and not may_record(role, application, holder):
        step = steps[application.step]
        raise NotAllowed(f"这一步（{step.holder}：{step.task}）由{who_records(session, step, holder, application)}"
                         "登记，您不能登记，请等待其办理。")


def _open(session: Session, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None:
        raise RegistryError("没有这份申请。")
    if application.status != "open":
        raise RegistryError("这份申请已办结，不能再修改。")
    return application


def advance(session: Session, application_id: int, step: int, actor: str, role: Role, now: dt.datetime,
            note: str = "", home_admins: frozenset[int] = frozenset()) -> Progress:
    """Step `step` (the one the button was sent for) is done: move to the next; after the last, the application
    is approved and the registry follows. One compare-and-set UPDATE (… WHERE step = :step AND status = 'open'):
    a replayed or stale button, or a second admin pressing at the same moment (PostgreSQL or SQLite), changes
    nothing and is told where the application stands; so each step is passed once and the follow-up runs once.
    Only the step's office records it (holders.may_record); whoever holds the next step is told, in the same
    transaction, through the outbox (`home_admins`: BOT_ADMIN_IDS, the home office's configured admins)."""
    application = _open(session, application_id)
    steps = steps_of(application)
    if step == application.step:  # a stale button is told where the application stands, whoever pressed it
        _check_records(session, application, role)
    else:
        _check_sees(session, application, role, _current(session, application)[1])
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
    _notify(session, application, steps, step, actor, now, home_admins)
    session.flush()
    return progress(session, application_id, role)


def _moved_on(application: Application, steps: list[Step]) -> str:
    where = f"现在在“{steps[application.step].holder}”" if application.step < len(steps) else "已办结"
    return f"这一步已经登记过了（按钮已过期），申请{where}。请用 /applications 查看最新进度。"


def check_may_reject(session: Session, application_id: int, role: Role) -> None:
    """A rejection comes from the office holding the current step (its admins; a home admin any)."""
    application = _open(session, application_id)
    steps, holder = _current(session, application)
    _check_sees(session, application, role, holder)
    if not role.any_admin:
        raise NotAllowed("只有管理员可以登记退回。")
    if holder is not None and not role.manages(holder.office_id):
        step = steps[application.step]
        who = f"{office_title(session, holder.office_id)}的管理员"
        raise NotAllowed(f"申请现在在“{step.holder}：{step.task}”，退回由{who}登记，您不能登记。")


def reject(session: Session, application_id: int, actor: str, role: Role, now: dt.datetime, reason: str,
           home_admins: frozenset[int] = frozenset()) -> Progress:
    check_may_reject(session, application_id, role)
    application = _open(session, application_id)
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
    text = (f"↩️ 申请 {_title(application)} 被“{escape(steps[step].holder)}”退回：{escape(reason)}。"
            "如需重新申请，请发送 /apply。")
    _enqueue_all(session, f"application:{application.id}:rejected", applicant_recipients(session, application, home_admins),
                 actor, text, now)
    session.flush()
    return progress(session, application_id, role)


def attach(session: Session, application_id: int, actor: str, role: Role, now: dt.datetime, file_id: str,
           file_name: str) -> Progress:
    application = session.get(Application, application_id)
    if application is None:
        raise RegistryError("没有这份申请。")
    _check_sees(session, application, role, _current(session, application)[1])
    _event(session, application, actor, "attached", now, f"附件：{file_name}", file_id=file_id, file_name=file_name)
    return progress(session, application_id, role)


# -- who hears of a step --------------------------------------------------------------------------------------
def _title(application: Application) -> str:
    spec = json.loads(application.spec)
    return (f"{number_of(application)}（{escape(application.unit_name)}，{ACTIONS.get(application.action, '')}："
            f"{escape('、'.join(spec.get('domains', [])))}）")


def _actor_id(actor: str) -> int | None:
    head, _, tail = actor.partition(":")
    return int(tail) if head == "telegram" and tail.lstrip("-").isdigit() else None


def _enqueue_all(session: Session, key: str, chats: set[int], actor: str, text: str, now: dt.datetime) -> int:
    """One message to each chat (never to the person who acted), once per key and chat (the outbox key)."""
    from bot.delivery.queue import enqueue

    skip = _actor_id(actor)
    return sum(enqueue(session, f"{key}:c{chat}", chat, text, now, "notice") for chat in sorted(chats) if chat != skip)


def _notify(session: Session, application: Application, steps: list[Step], done: int, actor: str, now: dt.datetime,
            home_admins: frozenset[int]) -> None:
    """The step `done` was recorded: when the next one passes to another office (or to or from the applying
    unit), whoever holds it is told it is now theirs; after the last, the applying unit's contacts and its
    office's admins are told it is approved."""
    key = f"application:{application.id}:step:{done + 1}"
    if done + 1 >= len(steps):
        text = f"🎉 申请 {_title(application)} 审批完成，登记册已更新。"
        _enqueue_all(session, key, applicant_recipients(session, application, home_admins), actor, text, now)
        return
    nxt = steps[done + 1]
    codes = office_codes(session)
    holder, before = holder_of(session, application, nxt, codes), holder_of(session, application, steps[done], codes)
    if holder == before and not holder.own_unit:
        return  # the same office goes on (a single-office deployment's steps above it): nobody new to tell
    recorder = office_title(session, holder.office_id)
    by = "" if holder.own_unit or recorder == nxt.holder else f"（本部署由{escape(recorder)}登记）"
    text = (f"📥 申请 {_title(application)} 已完成“{escape(steps[done].holder)}：{escape(steps[done].task)}”，"
            f"现在到“{escape(nxt.holder)}：{escape(nxt.task)}”{by}，请办理。发送 /applications 查看并登记。")
    _enqueue_all(session, key, step_recipients(session, application, holder, home_admins), actor, text, now)


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
        out.append((Progress(application, spec_of(application), steps_of(application), []),
                    sorted(unit_contacts(session, application))))
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
    """A reminder, once a day, for each step held too long: to the applying unit's contacts (who chase it) and to
    whoever holds the step in this deployment (its office's admins and groups; never another office's)."""
    from bot.delivery.queue import enqueue

    codes = office_codes(session)
    count = 0
    for p, contacts in stalled(session, today, working_days):
        step = p.current
        if step is None:
            continue
        holders = step_recipients(session, p.application, holder_of(session, p.application, step, codes), admin_ids)
        text = (f"⏰ 申请 {p.number}（{escape(p.application.unit_name)}，{ACTIONS[p.spec.action]}）在"
                f"“{escape(step.holder)}”（{escape(step.task)}）已停留 {working_days} 个工作日以上，请跟进。/applications")
        for chat in sorted(set(contacts) | holders):
            key = f"application:{p.application.id}:step:{p.application.step}:{today.isoformat()}:c{chat}"
            count += enqueue(session, key, chat, text, now, "notice")
    return count


def reading_region(session: Session, role: Role, configured: str) -> str:
    """The region a unit name without a place is read in: an office admin's office's place, else the home's."""
    if role.admin or not role.offices:
        return configured
    from bot.offices.service import office_region
    from bot.registry.region import home_region

    return office_region(session, role.office, home_region(session, configured))


def unit_names(session: Session, unit_ids: tuple[int, ...] | list[int]) -> list[str]:
    if not unit_ids:
        return []
    return list(session.exec(select(Unit.name).where(Unit.id.in_(list(unit_ids))).order_by(Unit.name)).all())


def may_attach(session: Session, application_id: int, role: Role) -> bool:
    """Whether the user may attach a returned document to the application (its unit's contacts, admins)."""
    application = session.get(Application, application_id)
    if application is None:
        return False
    return may_see(session, role, application, _current(session, application)[1])
