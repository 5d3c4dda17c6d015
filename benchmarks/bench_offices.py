"""A province in one deployment (issue 26, Scale), on PostgreSQL: 云南省 at home, its 16 prefectures and 129
counties as offices (and 楚雄州直部门), 20,000 units and 40,000 sites imported through the real import path; then
what an office admin waits for on /status (role_of and the scoped lookup: by short name, domain, contact phone,
misspelt name), the same from two bot processes at once, and the plan of every query a scoped lookup makes
(a sequential scan of unit, domain or contact fails the bench).

    BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/bench_scale python -m benchmarks.bench_offices all

Each stage runs in its own process, as in bench_registry: the lookups are those of a process that only serves
lookups over the filled registry."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, percentile, summary

URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/bench_scale")
COUNTY, PREFECTURE = "武定县", "昆明市"  # the county admin and the prefecture admin whose /status is measured
KINDS = ("short", "domain", "phone", "email", "fuzzy")
TARGET_MS = 20.0


def unavailable() -> str | None:
    """Why the bench cannot run here (no PostgreSQL server answering at BENCH_POSTGRES_URL's), or None."""
    try:
        import psycopg

        with psycopg.connect(URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=2):
            return None
    except Exception as exc:
        return f"{exc.__class__.__name__}: {str(exc)[:120]}"


def _database(url: str, fresh: bool = False):
    from sqlalchemy import text

    from bot.db.storage import Database

    server, name = url.rsplit("/", 1)
    if fresh:
        import psycopg

        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(url)
    if fresh:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.upgrade()
    return db


def _stage_build(url: str, units: int, query_file: str) -> dict:
    """The province added and imported; the queries each admin will ask, from what their offices hold."""
    from tests.support.province import PROVINCE, build, generate

    province = generate(units)
    db = _database(url, fresh=True)
    started = time.perf_counter()
    deployment = build(db.call, province)
    seconds = time.perf_counter() - started
    db.call(lambda s: s.connection().exec_driver_sql("ANALYZE"))  # as autovacuum would have by the time it is used
    rng = random.Random(5)
    queries = {}
    for who in (COUNTY, PREFECTURE):
        regions = [r for r in province.units if _under(r, who)]
        units_in = [u for r in regions for u in province.units[r]]
        own = province.units[who]
        queries[who] = {
            "user": deployment.admins[who], "office": deployment.offices[who],
            # a name as the office writes it: without its own place (财政局, 狮山镇人民政府)
            "short": [u.removeprefix(who) for u in rng.sample(own, min(40, len(own)))],
            "domain": rng.sample([s for r in regions for s in province.sites[r]], 60),
            "phone": rng.sample([p for r in regions for p in province.phones[r]], 60),
            "email": rng.sample([e for r in regions for e in province.emails[r]], 40),
            "fuzzy": [_misspell(u, rng) for u in rng.sample(units_in, 40)],
        }
    Path(query_file).write_text(json.dumps({"province": PROVINCE, "queries": queries}, ensure_ascii=False),
                                encoding="utf-8")
    counts = db.call(lambda s: [s.connection().exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                                for t in ("office", "unit", "domain", "contact")])
    return {"seconds": seconds, "offices": counts[0], "units": counts[1], "domains": counts[2], "contacts": counts[3]}


def _under(region: str, who: str) -> bool:
    """Whether the office of `region` is `who`'s or lies under it (by the divisions, not by the database)."""
    from knowledge.offices import encloses, read_place

    return encloses(read_place(who), read_place(region.removesuffix("直部门")))


def _misspell(name: str, rng: random.Random) -> str:
    i = rng.randrange(max(1, len(name) - 5), len(name) - 1)
    return name[:i] + name[i + 1:]


def _stage_lookup(url: str, query_file: str, rounds: int, start_at: float = 0.0) -> dict:
    """role_of and /status (role_of + views_for, one session as handlers/records.py reads them) for each admin
    and kind of query, in wall ms; every unit shown checked against the admin's scope."""
    from bot.registry.access import role_of, views_for
    from bot.registry.lookup import RegistryError

    spec = json.loads(Path(query_file).read_text(encoding="utf-8"))
    region, queries = spec["province"], spec["queries"]
    db = _database(url)
    out: dict = {"leaks": [], "refused": {}}
    with db.session() as session:
        for q in queries.values():  # warm-up: the name index, the region, the calendar
            try:
                views_for(session, role_of(session, q["user"], frozenset()), q["fuzzy"][0], region=region)
            except RegistryError:
                pass
        session.rollback()
    if start_at:
        time.sleep(max(0.0, start_at - time.time()))
    for who, q in queries.items():
        user = q["user"]
        with db.session() as session:
            role = role_of(session, user, frozenset())
            allowed = role.offices
            out[f"{who}/role"] = _timed(lambda _, u=user: role_of(session, u, frozenset()), range(rounds * 20))
            for kind in KINDS:
                samples, refused = [], 0
                for _ in range(rounds):
                    for text in q[kind]:
                        started = time.perf_counter()
                        try:
                            found = views_for(session, role_of(session, user, frozenset()), text, region=region)
                        except RegistryError:
                            found, refused = [], refused + 1
                        samples.append(time.perf_counter() - started)
                        out["leaks"] += [f"{who} {text} → {v.unit.name}" for v in found
                                         if v.unit.office_id not in allowed]
                        session.rollback()  # each /status is its own transaction
                out[f"{who}/{kind}"] = samples
                out["refused"][f"{who}/{kind}"] = refused
    return out


def _timed(fn, items) -> list[float]:
    samples = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        samples.append(time.perf_counter() - started)
    return samples


def _stage_explain(url: str, query_file: str) -> dict:
    """EXPLAIN of every statement one scoped /status of each kind runs, for each admin."""
    from bot.registry.access import role_of, views_for
    from bot.registry.lookup import RegistryError
    from tests.support.plans import captured_statements, explain, scans, sequential

    spec = json.loads(Path(query_file).read_text(encoding="utf-8"))
    db = _database(url)
    plans = []
    for who, q in spec["queries"].items():
        for kind in KINDS:
            with db.session() as session:
                role = role_of(session, q["user"], frozenset())
                with captured_statements(db.engine) as statements:
                    for text in (q[kind][0], None, q[kind][1]):  # the first: the first use (the name index read)
                        if text is None:
                            statements.clear()
                            continue
                        try:
                            views_for(session, role, text, region=spec["province"])
                        except RegistryError:
                            pass
                for statement, params in statements:
                    plan = explain(session, statement, params)
                    plans.append({"who": who, "kind": kind, "sql": " ".join(statement.split())[:160],
                                  "scans": scans(plan), "seq": sequential(plan)})
    return {"plans": plans}


def _stage_report(url: str, path: str) -> dict:
    """The home office's report: the whole province, with its by-office roll-up above the detail."""
    import datetime as dt

    from bot.reporting.report import write_report

    db = _database(url)
    started = time.perf_counter()
    report = db.call(lambda s: write_report(s, Path(path), dt.date(2026, 11, 28)))
    seconds = time.perf_counter() - started
    rows = len(report.registry.by_office.rows) if report.registry.by_office else 0
    return {"seconds": seconds, "office_rows": rows, "units": report.registry.units}


def _run(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_offices", *args], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"stage {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _ms(samples: list[float]) -> list[float]:
    return [s * 1000 for s in samples]


def office_rows(units: int = 20_000, rounds: int = 3, report: bool = True, verbose: bool = True) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        query_file = str(Path(tmp) / "queries.json")
        built = _run("build", URL, str(units), query_file)
        if verbose:
            print(f"offices: {built['offices']} offices, {built['units']} units, {built['domains']} sites, "
                  f"{built['contacts']} contacts added and imported in {built['seconds']:.1f}s ({URL})")
        load = os.getloadavg()[0]
        alone = _run("lookup", URL, query_file, str(rounds))
        start_at = time.time() + 3  # both processes begin their timed lookups together, after their warm-up
        both = [subprocess.Popen([sys.executable, "-m", "benchmarks.bench_offices", "lookup", URL, query_file,
                                  str(rounds), str(start_at)], stdout=subprocess.PIPE, text=True) for _ in range(2)]
        pair = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in both]
        plans = _run("explain", URL, query_file)["plans"]
        reported = _run("report", URL, str(Path(tmp) / "report.xlsx")) if report else None
    leaks = alone["leaks"] + [leak for p in pair for leak in p["leaks"]]
    if verbose:
        print(f"offices: load average {load:.2f} before the lookups, {os.getloadavg()[0]:.2f} after, "
              f"{os.cpu_count()} cores (wall times include waiting for a busy machine)")
    for who in (COUNTY, PREFECTURE):
        role = _ms(alone[f"{who}/role"])
        if verbose:
            print(f"offices: role_of for the {who} admin {summary(alone[f'{who}/role'])}")
        rows.append(Row(f"role_of, {who} office admin, p95", percentile(role, 95), "ms", "< 2 ms",
                        percentile(role, 95) < 2))
        for kind in KINDS:
            one = _ms(alone[f"{who}/{kind}"])
            two = _ms([s for p in pair for s in p[f"{who}/{kind}"]])
            if verbose:
                print(f"offices: /status by {kind}, {who} admin: one process {summary(alone[f'{who}/{kind}'])}; "
                      f"two processes p50={percentile(two, 50):.2f}ms p95={percentile(two, 95):.2f}ms "
                      f"(refused {alone['refused'][f'{who}/{kind}']} of {len(one)})")
            rows.append(Row(f"scoped /status by {kind}, {who} admin, p95", percentile(one, 95), "ms",
                            f"< {TARGET_MS:g} ms", percentile(one, 95) < TARGET_MS))
            rows.append(Row("  same, two bot processes at once, p95", percentile(two, 95), "ms",
                            f"< {TARGET_MS:g} ms", percentile(two, 95) < TARGET_MS))
    seq = [p for p in plans if p["seq"]]
    if verbose:
        for p in plans:
            print(f"offices: plan {p['who']} {p['kind']}: {', '.join(p['scans']) or '-'}  ← {p['sql']}")
        for p in seq:
            print(f"offices: SEQUENTIAL SCAN of {', '.join(p['seq'])} in a scoped query ({p['who']}, {p['kind']}): "
                  f"{p['sql']}")
        for leak in leaks[:10]:
            print(f"offices: OUT OF SCOPE shown: {leak}")
        if reported is not None:
            print(f"offices: home report {reported['seconds']:.1f}s, {reported['units']} units, "
                  f"{reported['office_rows']} rows in its by-office table")
    rows.append(Row("scope queries planned with a sequential scan of unit/domain/contact", len(seq), "", "0",
                    not seq))
    rows.append(Row("units shown outside the asker's offices", len(leaks), "", "0", not leaks))
    if reported is not None:
        rows.append(Row("province roll-up report (home, by-office table + detail)", reported["seconds"], "s", "< 30 s",
                        reported["seconds"] < 30 and reported["office_rows"] > 0))
    return rows


if __name__ == "__main__":
    stage = sys.argv[1]
    if stage == "all":
        from benchmarks.common import print_table

        table = office_rows(int(sys.argv[2]) if len(sys.argv) > 2 else 20_000)
        print()
        print_table(table)
        sys.exit(0 if all(r.ok for r in table) else 1)
    if stage == "build":
        result = _stage_build(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif stage == "lookup":
        result = _stage_lookup(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]) if len(sys.argv) > 5 else 0)
    elif stage == "explain":
        result = _stage_explain(sys.argv[2], sys.argv[3])
    elif stage == "report":
        result = _stage_report(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown stage {stage}")
    print(json.dumps(result, ensure_ascii=False))
