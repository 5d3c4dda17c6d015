"""Monitoring under attack, against servers on 127.0.0.1 only: a 63-character label, hostile DNS answers, a
resolver that answers only `cn.`, a wildcard resolver, a truncated answer with TCP blocked, a malformed redirect,
a domestic provider on an anycast address abroad, A records pointing inside the office's network."""
from __future__ import annotations

import asyncio
import datetime as dt
import time
import tracemalloc

import pytest

from bot.config.settings import load_settings
from tests.support.monitor_servers import HostileDNS, LocalDNS, LocalWeb, loopback_only, make_certificates, zone_lines
from tests.support.monitor_servers import monitor_cli as _cli
from tests.support.monitor_servers import register as _registered
from tests.support.monitor_servers import result_codes as _codes

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
LONG = ("wudingxianrenminzhengfu" * 3)[:63]  # the longest label a domain may have
MAX_GAP = 0.5  # seconds the event loop may be held by anything here (the bound: 1 s)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("certs")
    ca, certs = make_certificates(folder, {"good": (["www.wuding.gov.cn", "www.badredirect.gov.cn"], 90, False)})
    web = LocalWeb(certs, {}, {"www.badredirect.gov.cn": "http://[x]/"}).start()
    dns = LocalDNS().start()
    yield dns, web, ca
    dns.stop()
    web.stop()


@pytest.fixture
def guard(monkeypatch):
    refused = loopback_only(monkeypatch)
    yield refused
    assert not refused, f"a test tried to reach {refused}"


@pytest.fixture
def env(servers, guard, monkeypatch, tmp_path):
    dns, web, ca = servers
    dns.zones.records.clear()
    dns.zones.set(*zone_lines())
    dns.zones.truncate, dns.zones.tcp_broken, dns.zones.wildcard, dns.zones.only = set(), set(), "", None
    values = {"MONITOR_RESOLVERS": dns.address, "MONITOR_HTTPS_PORT": str(web.https_port),
              "MONITOR_HTTP_PORT": str(web.http_port), "MONITOR_PROBE_NETWORKS": "127.0.0.0/8",
              "MONITOR_CA_FILE": str(ca), "MONITOR_WHOIS": "off", "MONITOR_TIMEOUT": "0.5", "MONITOR_RETRIES": "0",
              "MONITOR_LOOKALIKE_LIMIT": "60", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}",
              "BOT_ADMIN_IDS": "42"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return dns


class LoopWatch:
    """A ticker on the event loop: the longest time it waited for its turn is how long anything held the loop."""

    def __init__(self) -> None:
        self.gap = 0.0

    async def __aenter__(self) -> LoopWatch:
        async def tick() -> None:
            last = time.perf_counter()
            while True:
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                self.gap, last = max(self.gap, now - last - 0.01), now

        self.task = asyncio.ensure_future(tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()


# -- item 3: bounded look-alike generation and DNS answers ---------------------------------------------------
def test_lookalike_names_are_made_one_at_a_time_and_include_homographs():
    import idna

    from knowledge.monitoring import lookalike_candidates

    started = time.perf_counter()
    names = lookalike_candidates(LONG, ("yunnan", "cx"), 5000)
    assert time.perf_counter() - started < 0.5  # dnstwist's own fuzzer: 87 s for 63 characters
    assert len(names) == len(set(names)) <= 5000
    assert all(len(n.split(".")[0]) <= 63 for n in names)
    names = lookalike_candidates("wuding", (), 120)
    assert len(names) == 120 and "wudnig.com" in names and "wudinq.com" in names  # a typo; g → q
    homographs = {idna.decode(n) for n in names if n.startswith("xn--")}
    assert "ᴡuding.com" in homographs and "wudɩng.com" in homographs
    assert not any(n.startswith("xn--") and n.endswith(".cn") for n in names)  # .cn takes no Latin look-alikes
    assert lookalike_candidates("wuding", (), 0) == []


async def test_a_63_character_label_never_holds_the_event_loop(env, tmp_path):
    """/monitor (check_now) and the scheduled look-alike search on the longest label: the loop stays free."""
    from bot.db.storage import Database
    from bot.monitoring import service

    env.zones.set(f"www.{LONG}.gov.cn. 300 IN A 127.0.0.1", f"{LONG}.com. 300 IN A 8.8.8.8")
    settings = load_settings(monitor_lookalike_limit=120, monitor_lookalike_days=1)
    db = Database(settings.database_url)
    db.upgrade()
    try:
        async with LoopWatch() as watch:
            started = time.perf_counter()
            check = await service.check_now(db, settings, f"www.{LONG}.gov.cn", https=False)
            took = time.perf_counter() - started
        assert watch.gap < MAX_GAP and took < 10, (watch.gap, took)
        assert [x["domain"] for x in check.lookalikes] == [f"{LONG}.com"]

        _registered(db, "武定县人民政府", "portal", [f"www.{LONG}.gov.cn"])
        now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
        await db.run(lambda s: service.sync_targets(s, settings, now - dt.timedelta(days=1)))
        async with LoopWatch() as watch:
            assert await service.run_due(db, settings, "a", lambda: now, lookalikes=True, https=False) == 1
        assert watch.gap < MAX_GAP, watch.gap
    finally:
        db.dispose()


@pytest.mark.parametrize("mode", ["bomb", "flood", "chain"])
async def test_hostile_dns_answers_cost_a_bounded_time_and_memory(guard, mode):
    """Every question answered with a compression bomb (4 KB names from 2 bytes, thousands of records), a
    flood of unreadable replies, or a thousand CNAMEs: the check ends within its budget, holds the loop for
    no more than MAX_GAP, and reads a few MB at most."""
    from bot.monitoring.probe import MonitorConfig, check_domain
    from knowledge.monitoring import CONTROL_NAMES

    server = HostileDNS(mode, CONTROL_NAMES).start()
    host, port = server.address.split(":")
    config = MonitorConfig(resolvers=((host, int(port)),), timeout=0.5, retries=0, whois=False, lookalike_limit=60,
                           probe_networks=("127.0.0.0/8",))
    tracemalloc.start()
    try:
        async with LoopWatch() as watch:
            started = time.perf_counter()
            check = await check_domain("www.hostile.gov.cn", config)
            took = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        server.stop()
    assert server.queries > 10 or (mode == "flood" and check.unknown)  # the look-alikes were asked too
    assert watch.gap < MAX_GAP and took < config.budget + config.lookalike_budget, (watch.gap, took)
    assert peak < 20 * 2**20, peak
    assert check.lookalikes == [] and "lookalike_registered" not in _codes(check.to_json())


def test_a_reply_is_read_within_its_bounds():
    import struct

    from bot.monitoring import wire

    asked = wire.question("www.x.gov.cn", "A")
    many = struct.pack("!HHHHHH", 7, 0x8180, 1, 300, 0, 0) + asked + b"".join(
        b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 0, i // 256, i % 256]) for i in range(300))
    assert len(wire.parse(many, 7, asked, "A").answers) == wire.MAX_RECORDS
    cnames = struct.pack("!HHHHHH", 7, 0x8180, 1, 40, 0, 0) + asked + b"".join(
        b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, 2) + b"\xc0\x0c" for _ in range(40))
    assert len(wire.parse(cnames, 7, asked, "A").chain) == wire.MAX_CHAIN
    long_name = struct.pack("!HHHHHH", 7, 0x8180, 1, 1, 0, 0) + asked + b"\xc0\x0c" + struct.pack(
        "!HHIH", 5, 1, 60, 5 * 64 + 1) + (b"\x3f" + b"a" * 63) * 5 + b"\0"
    with pytest.raises(wire.Malformed):  # 320 bytes: longer than a name may be
        wire.parse(long_name, 7, asked, "A")
    with pytest.raises(wire.Malformed):
        wire.parse(many + b"\0" * wire.MAX_REPLY, 7, asked, "A")


# -- item 7: no false findings ---------------------------------------------------------------------------------
def _findings(db) -> set[tuple[str, str]]:
    from sqlmodel import select

    from bot.db.models import MonitorFinding, MonitorTarget

    return set(db.call(lambda s: s.exec(select(MonitorTarget.name, MonitorFinding.code).join(
        MonitorTarget, MonitorTarget.id == MonitorFinding.target_id).where(MonitorFinding.status == "open")).all()))


def _alerts(db) -> list[tuple[int, str]]:
    from sqlmodel import select

    from bot.db.models import Delivery

    return list(db.call(lambda s: s.exec(select(Delivery.chat_id, Delivery.text).order_by(Delivery.id)).all()))


def _run(db, settings, when: dt.datetime) -> int:
    from sqlalchemy import update

    from bot.db.models import MonitorTarget
    from bot.monitoring import service

    db.call(lambda s: s.execute(update(MonitorTarget).values(next_due_at=when - dt.timedelta(minutes=1))))
    return asyncio.run(service.run_due(db, settings, "a", lambda: when, lookalikes=False))


def test_a_resolver_that_answers_only_cn_concludes_nothing_and_tells_the_admins_once(env, db):
    from bot.monitoring import service

    settings = load_settings(database_url=db.url, monitor_idle_days=1)
    names = ["www.wuding.gov.cn", "www.single.gov.cn", "www.moving.gov.cn"]
    _registered(db, "武定县人民政府", "portal", names, 777)
    day = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    db.call(lambda s: service.sync_targets(s, settings, day - dt.timedelta(days=1)))
    assert _run(db, settings, day) == 3
    before = _alerts(db)
    env.zones.only = {"cn"}  # NS of cn. answered, everything else SERVFAIL
    for n in range(1, 4):
        assert _run(db, settings, day + dt.timedelta(days=n)) == 3
    assert not {code for _, code in _findings(db)} & {"not_resolving", "idle_suspected"}
    told = _alerts(db)[len(before):]
    assert sorted(chat for chat, _ in told) == [42] and "解析服务器" in told[0][1]  # the admins, once
    from sqlmodel import select

    from bot.db.models import MonitorRun

    runs = db.call(lambda s: s.exec(select(MonitorRun.codes, MonitorRun.result).where(MonitorRun.resolves == False)  # noqa: E712
                                    ).all())
    assert len(runs) == 9 and all(codes == "" and "解析服务器" in result for codes, result in runs)
    env.zones.only = None  # the resolver is mended: the episode ends, a later failure is told again
    assert _run(db, settings, day + dt.timedelta(days=4)) == 3
    env.zones.only = {"cn"}
    _run(db, settings, day + dt.timedelta(days=5))
    assert sorted(chat for chat, _ in _alerts(db)[len(before):]) == [42, 42]


def test_most_domains_failing_at_once_is_the_resolvers_fault_but_one_failing_is_reported(env, db):
    """SERVFAIL for four of five domains that resolved the day before: the resolver's fault. One domain gone, or
    many with NXDOMAIN: reported."""
    from bot.monitoring import service

    settings = load_settings(database_url=db.url)
    names = [f"www.m{i}.gov.cn" for i in range(5)]
    env.zones.set(*(f"{n}. 300 IN A 127.0.0.1" for n in names))
    _registered(db, "武定县某局", "department", names)
    day = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    db.call(lambda s: service.sync_targets(s, settings, day - dt.timedelta(days=1)))
    assert _run(db, settings, day) == 5
    env.zones.records.pop("www.m0.gov.cn")  # one domain gone: reported
    _run(db, settings, day + dt.timedelta(days=1))
    assert ("www.m0.gov.cn", "not_resolving") in _findings(db)
    for name in names[1:]:  # the controls still answer, but four of five fail together: the resolver's fault
        env.zones.servfail.add(name)
    try:
        _run(db, settings, day + dt.timedelta(days=2))
    finally:
        env.zones.servfail.clear()
    assert {n for n, code in _findings(db) if code == "not_resolving"} == {"www.m0.gov.cn"}
    assert any("解析服务器" in text for chat, text in _alerts(db) if chat == 42)
    from sqlmodel import select

    from bot.db.models import MonitorTarget

    silent = db.call(lambda s: s.exec(select(MonitorTarget.name).where(MonitorTarget.silent_since.is_not(None))).all())
    assert silent == ["www.m0.gov.cn"]  # the others are not counted towards 闲置
    for name in names[1:]:  # NXDOMAIN is the registry's word, not a resolver that could not answer: reported
        env.zones.records.pop(name)
    _run(db, settings, day + dt.timedelta(days=3))
    assert {n for n, code in _findings(db) if code == "not_resolving"} == set(names)


def test_a_wildcard_resolver_gives_no_false_lookalikes(env, capsys):
    env.zones.wildcard = "127.0.0.99"  # every name that does not exist gets this address
    code, result = _cli(capsys, "www.wuding.gov.cn", "--no-https")
    found = {x["domain"]: x["addresses"] or x["ns"] for x in result["lookalikes"]}
    assert found == {"wuding.com": ["8.8.8.8"], "wudnig.com": ["ns1.dnspod.net"]}, found
    assert code == 1
    env.zones.wildcard = "rotate"  # random names get differing answers: no answer under .com/.cn can be judged
    code, result = _cli(capsys, "www.wuding.gov.cn", "--no-https")
    assert result["lookalikes"] == [] and code == 0, result


def test_a_truncated_answer_with_tcp_blocked_is_unknown_not_a_finding(env, capsys):
    from sqlmodel import select

    from bot.db.models import MonitorFinding, MonitorRun
    from bot.db.storage import Database

    env.zones.truncate = env.zones.tcp_broken = {"www.big.gov.cn"}
    code, result = _cli(capsys, "www.big.gov.cn", "--no-lookalikes")
    assert code == 3 and result["findings"] == [] and "截断" in result["unknown"], result
    db = Database(load_settings().database_url)
    try:
        assert db.call(lambda s: s.exec(select(MonitorFinding)).all()) == []
        assert db.call(lambda s: s.exec(select(MonitorRun.codes)).all()) == [""]  # the run is recorded
    finally:
        db.dispose()


def test_a_malformed_redirect_is_its_own_finding_and_the_check_is_recorded(env, capsys):
    env.zones.set("www.badredirect.gov.cn. 300 IN A 127.0.0.1", "badredirect.gov.cn. 300 IN NS ns1.dnspod.net.",
                  "badredirect.gov.cn. 300 IN NS ns2.dnspod.net.")
    code, result = _cli(capsys, "www.badredirect.gov.cn", "--no-lookalikes")
    assert code == 1 and _codes(result) == {"redirect_malformed"}, result
    assert result["https"]["ok"] is True and result["https"]["redirect"] == "http://[x]/"
    assert "http://[x]/" in result["findings"][0]["message"]


def test_a_check_that_concludes_nothing_says_so_in_chat():
    from handlers.monitoring import result_blocks

    result = {"domain": "www.big.gov.cn", "resolves": False, "unknown": "解析应答无法读取", "ns": [], "addresses": [],
              "https": {"ok": None}, "lookalikes": [{"domain": "xn--uding-o59a.com"}], "findings": []}
    text = "\n".join(result_blocks(result))
    assert "没有得出结论" in text and "未发现问题" not in text and "ᴡuding.com" in text


def test_a_domestic_provider_on_an_anycast_address_abroad_is_not_ns_abroad(env, capsys):
    env.zones.set("www.anycast.gov.cn. 300 IN A 127.0.0.1", "anycast.gov.cn. 300 IN NS ns3.dnspod.net.",
                  "anycast.gov.cn. 300 IN NS ns4.dnspod.net.", "ns3.dnspod.net. 300 IN A 119.29.29.29",
                  "ns4.dnspod.net. 300 IN A 119.28.28.28",
                  "www.outside.gov.cn. 300 IN A 127.0.0.1", "outside.gov.cn. 300 IN NS ns1.foreign-dns.com.",
                  "outside.gov.cn. 300 IN NS ns2.foreign-dns.com.", "ns1.foreign-dns.com. 300 IN A 8.8.8.8",
                  "ns2.foreign-dns.com. 300 IN A 1.1.1.1")
    _, result = _cli(capsys, "www.anycast.gov.cn", "--no-lookalikes", "--no-https")
    assert {n["country"] for n in result["ns"]} == {"SG", "HK"}  # where the addresses geolocate
    assert "ns_abroad" not in _codes(result), result
    _, result = _cli(capsys, "www.outside.gov.cn", "--no-lookalikes", "--no-https")
    assert "ns_abroad" in _codes(result), result


# -- item 10: no probes inside the office's network by default ------------------------------------------------
async def test_probes_go_only_to_public_addresses_unless_networks_are_allowed(servers, guard):
    from bot.monitoring.probe import MonitorConfig, probe_web

    _, web, ca = servers
    ports = {"https_port": web.https_port, "http_port": web.http_port, "ca_file": str(ca), "timeout": 0.5}
    for inside in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "169.254.169.254", "172.16.0.1", "100.64.0.1", "::1",
                   "fe80::1", "fd00::1", "0.0.0.0", "240.0.0.1"):
        result = await probe_web("www.wuding.gov.cn", [inside], MonitorConfig(**ports))
        assert result.https_ok is None and result.probed == "", inside
    allowed = await probe_web("www.wuding.gov.cn", ["127.0.0.1"], MonitorConfig(probe_networks=("127.0.0.0/8",), **ports))
    assert allowed.https_ok is True and allowed.probed == "127.0.0.1"
    from bot.monitoring.probe import _allowed

    assert _allowed("8.8.8.8", ()) and not _allowed("8.8.8.8", ("127.0.0.0/8",))


def test_every_monitoring_test_and_benchmark_allows_only_the_loopback_explicitly():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in ("tests/test_monitoring.py", "tests/test_monitoring_attack.py", "tests/support/netns_monitor.py",
                 "benchmarks/common.py", "benchmarks/bench_monitoring.py"):
        assert "127.0.0.0/8" in (root / path).read_text(encoding="utf-8"), path
