"""A province in one deployment, on PostgreSQL (issue 26, Scale; the figures: benchmarks/bench_offices.py): every
query a scoped /status runs can read unit, domain and contact through an index, and an office's admin never
sees, by any search or forged button, a unit of an office that is not theirs or under theirs."""
from __future__ import annotations

import os
import random

import pytest

from bot.db.models import Domain, Unit
from bot.registry.access import NotAllowed, domain_by_id, role_of, unit_by_id, unit_for, views_for
from bot.registry.lookup import RegistryError
from tests.support.plans import captured_statements, explain, scans, sequential
from tests.support.processes import fresh_postgres
from tests.support.province import PROVINCE, build, generate

COUNTY, PREFECTURE = "武定县", "楚雄彝族自治州"


@pytest.fixture(scope="module")
def province():
    """云南省 with its 146 offices and about 1,000 units, built once for the module."""
    from bot.registry.audit import Generation

    db = fresh_postgres()
    Generation.bump()
    generated = generate(1000)
    deployment = build(db.call, generated)
    db.call(lambda s: s.connection().exec_driver_sql("ANALYZE"))
    yield db, generated, deployment
    db.dispose()


def _regions(generated, who: str) -> list[str]:
    """The offices `who`'s admin may see: theirs and those under it (by the divisions, not the database)."""
    from knowledge.offices import encloses, read_place

    if who.endswith("直部门"):
        return [who]
    return [r for r in generated.units if encloses(read_place(who), read_place(r.removesuffix("直部门")))]


def _own(generated, who: str) -> list[str]:
    return [u for region in _regions(generated, who) for u in generated.units[region]]


def _queries(generated, rng: random.Random, count: int) -> list[str]:
    """What people type into /status, drawn from the whole province: full and short names, misspelt names,
    sites, phones, towns."""
    names = [u for units in generated.units.values() for u in units]
    sites = [s for v in generated.sites.values() for s in v]
    phones = [p for v in generated.phones.values() for p in v]
    out = []
    for _ in range(count):
        name = rng.choice(names)
        place = next((p.name for p in generated.counties + generated.prefectures if name.startswith(p.name)), "")
        out.append(rng.choice([name, name.removeprefix(place), name[:-1], name[:3] + name[4:], rng.choice(sites),
                               rng.choice(phones), rng.choice(phones)[:8], "财政局", "人民政府", "镇人民政府"]))
    return out


@pytest.mark.parametrize("who", [COUNTY, PREFECTURE, "楚雄彝族自治州直部门"])
def test_an_office_admin_sees_nothing_outside_their_offices(province, who):
    db, generated, deployment = province
    rng = random.Random(int(os.environ.get("SCALE_SEED", "0")) + sum(map(ord, who)))  # SCALE_SEED=n: other draws
    own = set(_own(generated, who))
    assert own, who
    with db.session() as session:
        role = role_of(session, deployment.admins[who], frozenset())
        assert not role.admin and role.offices
        shown = 0
        for query in _queries(generated, rng, 400):
            try:  # a command naming a unit (/invite, /setcontact, a conversation step)
                named = unit_for(session, role, query, region=PROVINCE, admin_only=True)
                assert named.name in own, (who, query, named.name)
                shown += 1
            except RegistryError:
                pass
            try:
                found = views_for(session, role, query, region=PROVINCE)
            except RegistryError:  # NotAllowed too: refused in the same words whether or not it exists
                continue
            names = [v.unit.name for v in found]
            assert set(names) <= own, (who, query, set(names) - own)
            shown += len(names)
        assert shown, "no search found anything in scope: the test would pass by refusing everything"
        # buttons carry row ids (forgeable): every id out of scope is refused, every id in scope is served
        units = session.exec(Unit.__table__.select().with_only_columns(Unit.id, Unit.name)).all()
        for unit_id, name in rng.sample(units, 300):
            if name in own:
                assert unit_by_id(session, role, unit_id).name == name
            else:
                with pytest.raises(NotAllowed):
                    unit_by_id(session, role, unit_id)
        domains = session.exec(Domain.__table__.select().with_only_columns(Domain.id, Domain.unit_id)).all()
        names = dict(units)
        for domain_id, unit_id in rng.sample(domains, 300):
            if names[unit_id] in own:
                assert domain_by_id(session, role, domain_id).unit_id == unit_id
            else:
                with pytest.raises(NotAllowed):
                    domain_by_id(session, role, domain_id)


def test_a_county_admin_finds_their_units_by_the_names_they_use(province):
    """教育局 from 武定县's admin is 武定县教育局, not the deployment's (云南省) reading of it."""
    db, generated, deployment = province
    with db.session() as session:
        role = role_of(session, deployment.admins[COUNTY], frozenset())
        for name in generated.units[COUNTY]:
            found = views_for(session, role, name.removeprefix(COUNTY), region=PROVINCE)
            assert [v.unit.name for v in found][:1] == [name], name


HOME_ADMIN = 42  # BOT_ADMIN_IDS: the province's own admins see everything (no scope narrows their searches)


@pytest.mark.parametrize("who", [COUNTY, PREFECTURE, PROVINCE])
def test_every_query_of_a_status_can_use_an_index(province, who):
    """With sequential scans priced out, a table read whole is one no index can serve: at a province's size
    PostgreSQL would read it whole on every /status (at this test's size it may rightly prefer to anyway).
    A home admin's search has no scope to narrow it: their phone, e-mail and site searches still go by index
    (a name found anywhere in other names cannot: that one is left to the scoped admins)."""
    db, generated, deployment = province
    regions = list(generated.units) if who == PROVINCE else _regions(generated, who)
    own = [u for r in regions for u in generated.units[r]]
    rng = random.Random(7)
    queries = {"domain": rng.choice([s for r in regions for s in generated.sites[r]]),
               "phone": rng.choice([p for r in regions for p in generated.phones[r]]),
               "email": rng.choice([e for r in regions for e in generated.emails[r]]).upper(),
               "latin": "Wuding" + rng.choice(own)[-4:]}  # a name with Latin letters: compared in lower case
    if who != PROVINCE:
        queries |= {"short": rng.choice([u for u in own if u.startswith(who)]).removeprefix(who),
                    "fuzzy": (lambda n: n[:-2] + n[-1])(rng.choice(own)), "town": "镇人民政府"}
    user = HOME_ADMIN if who == PROVINCE else deployment.admins[who]
    with db.session() as session:
        role = role_of(session, user, frozenset({HOME_ADMIN}))
        assert role.admin == (who == PROVINCE)
        checked = 0
        for kind, query in queries.items():
            try:
                views_for(session, role, query, region=PROVINCE)  # first use (the name index is read whole)
            except RegistryError:
                pass
            with captured_statements(db.engine) as statements:
                try:
                    found = views_for(session, role, query, region=PROVINCE)
                except RegistryError:
                    found = []
            if kind in ("domain", "phone", "email"):
                assert found and found[0].unit.name in own, (kind, query)
            session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
            for statement, params in statements:
                plan = explain(session, statement, params)
                assert not sequential(plan), (kind, query, scans(plan), statement)
                checked += 1
            session.connection().exec_driver_sql("SET LOCAL enable_seqscan = on")
        assert checked > 10
