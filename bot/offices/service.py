"""Offices under the home office: added from chat or the CLI, listed with their admins and units, and the one
reading of which office a unit belongs to (by its place) and which offices an office's admins see."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, update
from sqlmodel import Session, select

from bot.db.models import Admin, Office, Unit, utcnow
from bot.registry.audit import Generation, audit
from bot.registry.lookup import UnitScope
from bot.registry.region import OfficeRegion
from knowledge.offices import DEPARTMENTS, encloses, group_title, office_code_for, office_title, place_of_unit, read_place
from knowledge.places import Place, divisions
from knowledge.units import find_department

if TYPE_CHECKING:
    from bot.registry.access import Role


class OfficeError(ValueError):
    """A request about offices that cannot be done (in Chinese, for the user): nothing was changed."""


@dataclass(frozen=True)
class OfficeView:
    id: int | None  # None: the home office
    title: str  # 武定县人民政府办公室, 楚雄州直部门
    region: str
    level: str
    parent_id: int | None
    admins: tuple[int, ...]
    units: int

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "region": self.region, "level": self.level,
                "parent": self.parent_id, "admins": list(self.admins), "units": self.units}


def place_of(office: Office) -> Place:
    return divisions().by_code[office.code]


def title_of(office: Office | None, home_region: str = "") -> str:
    if office is None:
        place = read_place(home_region)
        return office_title(place.name, place.level) if place else "本级人民政府办公室"
    place = place_of(office)
    return group_title(place) if office.group == DEPARTMENTS else office_title(place.name, place.level)


def all_offices(session: Session) -> list[Office]:
    return list(session.exec(select(Office).order_by(Office.code, Office.group)).all())


def office_codes(session: Session) -> dict[tuple[str, str], int]:
    return {(code, group): oid for oid, code, group in session.exec(select(Office.id, Office.code, Office.group)).all()}


def below(session: Session, office_id: int) -> frozenset[int]:
    """The office and every office under it (an office's admins see all of them)."""
    children: dict[int | None, list[int]] = {}
    for oid, parent in session.exec(select(Office.id, Office.parent_id)).all():
        children.setdefault(parent, []).append(oid)
    seen, todo = set(), [office_id]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += children.get(current, [])
    return frozenset(seen)


def office_for_name(session: Session, name: str, codes: dict[tuple[str, str], int] | None = None) -> int | None:
    """The office a unit of this name belongs to: its place's office, else the nearest enclosing one; None: the
    home office (and always None while the deployment has no office)."""
    codes = office_codes(session) if codes is None else codes
    if not codes:
        return None
    return office_code_for(place_of_unit(name), codes, _is_department(name))


def _is_department(name: str) -> bool:
    return find_department(name) is not None and not name.endswith(("人民政府", "政府"))


def find_office(session: Session, text: str) -> Office | None:
    """The office `text` names: its region (武定县, 楚雄州直部门), its title, or its number in `office list`."""
    text = (text or "").strip()
    if text.isdigit():
        return session.get(Office, int(text))
    group = DEPARTMENTS if text.endswith("直部门") else ""
    place = read_place(text.removesuffix("直部门").removesuffix("人民政府办公室").removesuffix("人民政府办公厅"))
    if place is None:
        return None
    return session.exec(select(Office).where(Office.code == place.code, Office.group == group)).first()


def require_office(session: Session, text: str) -> Office:
    office = find_office(session, text)
    if office is None:
        raise OfficeError(f"没有“{text[:40]}”这个下级办公室。用 office list（聊天中 /office）查看已有的办公室。")
    return office


def add_office(session: Session, region: str, home_region: str, actor: str, admins: tuple[int, ...] = (),
               departments: bool = False) -> Office:
    """An office for `region` under the home office (and under any office already added above it), with its admins.
    Offices already added inside it move under it, and so do the units of its place held by the office above.
    Adding an office that exists only adds the admins given."""
    place = read_place(region)
    if place is None:
        raise OfficeError(f"没有认出“{(region or '')[:40]}”这个地方，请写完整，例如 武定县、禄丰市、恩施州。")
    home = read_place(home_region)
    if home is not None and not encloses(home, place):
        raise OfficeError(f"{place.name}不在本部署的地区（{home.name}）之内。")
    if home is not None and home.code == place.code and not departments:
        raise OfficeError(f"{place.name}就是本级办公室，不用再添加；可以添加下级县（市、区），或用“直部门”添加本级部门组。")
    if departments and place.level == "county":
        raise OfficeError("县级的部门直接属于县办公室，不需要单独分组。")
    group = DEPARTMENTS if departments else ""
    office = session.exec(select(Office).where(Office.code == place.code, Office.group == group)).first()
    if office is None:
        offices = all_offices(session)
        parent = _nearest_above(place, offices, departments)
        office = Office(code=place.code, region=region.strip()[:200], group=group,
                        parent_id=parent.id if parent else None, created_by=actor)
        session.add(office)
        session.flush()
        for other in offices:  # offices already added inside the new one now hang under it
            if not departments and other.id != office.id and encloses(place, place_of(other)) and \
                    other.parent_id == office.parent_id and place_of(other).code != place.code:
                other.parent_id = office.id
                session.add(other)
        _move_units(session, office, parent)
        audit(session, actor, "create", "office", office.id, title_of(office), None,
              {"code": office.code, "group": group, "parent": office.parent_id})
    for user_id in admins:
        grant_office_admin(session, office, user_id, actor)
    Generation.bump()
    session.flush()
    return office


def _nearest_above(place: Place, offices: list[Office], departments: bool) -> Office | None:
    """The deepest office already added that encloses `place` (a departments group hangs under its level's office)."""
    candidates = [o for o in offices if o.group == "" and encloses(place_of(o), place)
                  and (place_of(o).code != place.code or departments)]
    return max(candidates, key=lambda o: ("province", "prefecture", "county").index(place_of(o).level), default=None)


def _move_units(session: Session, office: Office, parent: Office | None) -> None:
    """Units the office above held that now read into the new office."""
    codes = office_codes(session)
    held = session.exec(select(Unit.id, Unit.name).where(
        Unit.office_id.is_(None) if parent is None else Unit.office_id == parent.id)).all()
    moving = [uid for uid, name in held if office_for_name(session, name, codes) == office.id]
    for start in range(0, len(moving), 500):
        session.execute(update(Unit).where(Unit.id.in_(moving[start:start + 500]))
                        .values(office_id=office.id, updated_at=utcnow()))  # the name index reads offices too


def grant_office_admin(session: Session, office: Office | None, user_id: int, actor: str) -> None:
    """`user_id` becomes an admin of `office` (None: the home office). An admin belongs to one office."""
    row = session.get(Admin, user_id)
    before = {"office": row.office_id} if row else None
    if row is None:
        row = Admin(telegram_id=user_id, granted_by=actor)
    row.office_id = office.id if office else None
    session.add(row)
    audit(session, actor, "grant", "admin", user_id, str(user_id), before, {"admin": True, "office": row.office_id})


def office_views(session: Session, home_region: str) -> list[OfficeView]:
    """The home office first, then each office under it in the order of the tree."""
    offices = all_offices(session)
    admins: dict[int | None, list[int]] = {}
    for uid, oid in session.exec(select(Admin.telegram_id, Admin.office_id).order_by(Admin.telegram_id)).all():
        admins.setdefault(oid, []).append(uid)
    counts = dict(session.exec(select(Unit.office_id, func.count()).group_by(Unit.office_id)).all())
    home = read_place(home_region)
    views = [OfficeView(None, title_of(None, home_region), home.name if home else home_region,
                        home.level if home else "", None, tuple(admins.get(None, ())), counts.get(None, 0))]
    children: dict[int | None, list[Office]] = {}
    for office in offices:
        children.setdefault(office.parent_id, []).append(office)

    def walk(parent: int | None) -> None:
        for office in children.get(parent, []):
            place = place_of(office)
            views.append(OfficeView(office.id, title_of(office), place.name, place.level, office.parent_id,
                                    tuple(admins.get(office.id, ())), counts.get(office.id, 0)))
            walk(office.id)

    walk(None)
    return views


def office_title_by_id(session: Session, office_id: int | None, home_region: str = "") -> str:
    return title_of(session.get(Office, office_id) if office_id is not None else None, home_region)


def office_region(session: Session, office_id: int | None, home_region: str) -> str:
    """The region an office's people mean when they write a name without a place (教育局 in 禄丰市's office is
    禄丰市教育局): its place (an OfficeRegion: the home office's /region does not override it); the home office's
    is the deployment's region."""
    office = session.get(Office, office_id) if office_id is not None else None
    return OfficeRegion(place_of(office).name) if office is not None else home_region


def role_region(session: Session, role: Role, configured: str | None) -> str | None:
    """The region a person's names without a place are read in: an office admin's office's; everyone else's the
    deployment's (`configured`, BOT_REGION: the /region set in chat still comes first where it is read)."""
    if role.admin or not role.offices or role.office is None:
        return configured
    return office_region(session, role.office, configured or "")


def offices_seen(session: Session, role: Role, home_region: str) -> list[OfficeView]:
    """/office: the tree a person may see: a home admin all of it, an office admin their office and those under
    it; anyone else nothing."""
    views = office_views(session, home_region)
    if role.admin:
        return views
    return [view for view in views if view.id is not None and view.id in role.offices]


def admins_over(session: Session, office_id: int | None, configured: frozenset[int]) -> list[int]:
    """The admins who see a unit of office `office_id` (None: the home office): the home office's (BOT_ADMIN_IDS
    and those granted without an office) and those of the office and of every office above it. Never a
    sibling's: an alert about 禄丰市's site is not for 武定县's admins."""
    chain: set[int | None] = {None}
    parents = dict(session.exec(select(Office.id, Office.parent_id)).all()) if office_id is not None else {}
    current = office_id
    while current is not None and current not in chain:
        chain.add(current)
        current = parents.get(current)
    rows = session.exec(select(Admin.telegram_id, Admin.office_id)).all()
    return sorted(set(configured) | {uid for uid, office in rows if office in chain})


@dataclass(frozen=True)
class ChosenOffice:
    """An office named on the command line (`--office 武定县`): what its commands are limited to."""
    id: int
    region: str  # its place: names without a place are read in it
    place: Place
    scope: UnitScope


def chosen_office(session: Session, text: str | None) -> ChosenOffice | None:
    if not text:
        return None
    office = require_office(session, text)
    return ChosenOffice(office.id, OfficeRegion(place_of(office).name), place_of(office),
                        UnitScope(below(session, office.id)))


def office_upload(session: Session, role: Role, home_region: str) -> tuple[str, object | None]:
    """An upload in chat: (the region its names are read in, the ImportTarget). A home admin's sheet reads in the
    home region and its units join the offices of their places; an office admin's joins their office, names
    without a place read in its region, and a unit out of their scope or place refuses the whole file."""
    from bot.registry.import_writer import ImportTarget

    if role.admin or role.office is None:
        return home_region, None
    office = session.get(Office, role.office)
    place = place_of(office)
    return OfficeRegion(place.name), ImportTarget(office.id, place, role.scope)


def office_names_of(session: Session, entries: list, home_region: str) -> dict[int | None, str]:
    """The titles of the offices audit entries name (a unit moved between offices: "office" in its snapshots), so
    /history shows 武定县人民政府办公室, not a row id."""
    import json

    ids = {v for e in entries for snap in (e.before, e.after) if snap
           for k, v in json.loads(snap).items() if k == "office" and (v is None or isinstance(v, int))}
    return {oid: office_title_by_id(session, oid, home_region) for oid in ids}
