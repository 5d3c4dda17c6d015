"""One health check of one domain: DNS through every configured resolver (dnspython's async resolver), the
country of every address, the CDN from the CNAME chain, HTTP/HTTPS with the certificate (the `ssl` module),
look-alike registrations. No database here: `previous` (the last known good state) comes in, a `Check` goes out.

Probes (TCP connections to the site) go only to addresses inside MONITOR_PROBE_NETWORKS when that is set, and
otherwise only to public addresses (never loopback, private, link-local or reserved: a hostile A record must not
turn the monitor into a scanner of the office's own network). The tests set 127.0.0.0/8, so an A record of
8.8.8.8 is classified by country and never connected to.

What a hostile resolver or site can cost is bounded: a check as a whole (MonitorConfig.budget), the look-alike
search (its own budget), the generation of look-alike names (by construction, in a thread), each DNS reply (see
`wire`). A check that cannot conclude says so (`Check.unknown`) and judges nothing."""
from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import secrets
import socket
import ssl
import weakref
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import dns.exception
from aiolimiter import AsyncLimiter

from bot.monitoring import geo, wire
from knowledge.monitoring import (
    CONTROL_NAMES,
    FINDINGS,
    WEB_CODES,
    cdn_of,
    cert_alert_step,
    finding_message,
    is_abroad,
    is_domestic_provider,
    lookalike_candidates,
    ns_provider,
    readable,
    region_label,
    unit_label,
)


@dataclass(frozen=True)
class MonitorConfig:
    resolvers: tuple[tuple[str, int], ...] = ()  # empty: the system's resolver
    timeout: float = 2.0  # per query attempt
    retries: int = 1
    rate: float = 50.0  # queries per second per resolver
    https_port: int = 443
    http_port: int = 80
    probe_networks: tuple[str, ...] = ()  # empty: public addresses only
    ca_file: str = ""
    whois: bool = True
    whois_server: str = ""  # host:port for every look-up (tests); empty: the registry's server per TLD
    rdap_url: str = ""  # RDAP base for .com/.net ({tld}); empty: Verisign's, unless whois_server is set (tests)
    geoip_file: str = ""
    lookalike_limit: int = 120
    lookalike_concurrency: int = 20
    anchor: str = "cn"  # a name every working resolver answers (NS): asked when a domain does not resolve
    controls: tuple[str, ...] = CONTROL_NAMES  # known-good names (A), asked too: a resolver failing them is broken
    generation_seconds: float = 5.0  # the look-alike names of one label are made within this (in a thread)

    @property
    def budget(self) -> float:
        """Seconds one check may take, look-alikes apart: its DNS rounds (the domain, its NS hosts, the controls)
        and the two web probes, each at its own time-out, with room to spare."""
        return 6 * self.timeout * (self.retries + 1) + 10 * self.timeout + 5

    @property
    def lookalike_budget(self) -> float:
        """Seconds the look-alike search of one label may take: its names at the resolver rate, two questions
        each, plus a check's budget (the wildcard test, the registrants)."""
        return self.budget + 2 * self.lookalike_limit / max(self.rate, 1.0) + self.generation_seconds


class ResolverUnavailable(Exception):
    """Even the anchor or a control name does not resolve: no network or a broken resolver, so no finding can be
    trusted."""


# -- DNS -----------------------------------------------------------------------------------------------------
@dataclass
class Lookup:
    status: str  # ok | nxdomain | noanswer | servfail | timeout | unknown (an answer that could not be read)
    answers: list[str] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)  # CNAME targets, in order


_limiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop → {resolver: limiter}
ROTATE = 16  # queries per UDP socket before a fresh one (a fresh random source port)


def _system_servers() -> list[tuple[str, int]]:
    import dns.resolver

    try:
        system = dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration:
        return [("127.0.0.1", 53)]
    return [(str(ns), system.port) for ns in system.nameservers] or [("127.0.0.1", 53)]


class Resolvers:
    """The configured resolvers (or the system's), each rate-limited, asked through `wire` (see there why not
    dnspython's Resolver). One object per run: names many domains share (NS hosts) are asked once."""

    def __init__(self, config: MonitorConfig) -> None:
        self.config = config
        # (label, also the rate limiter's key; the servers tried in turn, one per attempt)
        self.items: list[tuple[str, list[tuple[str, int]]]] = []
        if config.resolvers:
            self.items = [(f"{host}:{port}", [(host, port)]) for host, port in config.resolvers]
        else:
            self.items = [("system", _system_servers())]
        self.cache: dict[tuple[str, str], asyncio.Future] = {}
        self.wildcards: dict[str, asyncio.Future] = {}  # suffix → what names that cannot exist get
        self.endpoints: dict[int, tuple[wire.Endpoint, int]] = {}  # family → (endpoint, queries sent on it)
        self.active: dict[wire.Endpoint, int] = {}
        self.retired: set[wire.Endpoint] = set()
        self.opening = asyncio.Lock()

    def _limiter(self, label: str) -> AsyncLimiter:
        per_loop = _limiters.setdefault(asyncio.get_running_loop(), {})
        if label not in per_loop or per_loop[label].max_rate != self.config.rate:
            per_loop[label] = AsyncLimiter(self.config.rate, 1.0)
        return per_loop[label]

    async def _endpoint(self, family: int) -> wire.Endpoint:
        endpoint, used = self.endpoints.get(family, (None, 0))
        if endpoint is None or used >= ROTATE:
            async with self.opening:  # one new socket, not one per query waiting here
                endpoint, used = self.endpoints.get(family, (None, 0))
                if endpoint is None or used >= ROTATE:
                    if endpoint is not None:
                        self._release(endpoint, retire=True)
                    endpoint, used = await wire.Endpoint.open(family), 0
                    self.active[endpoint] = 0
                    self.endpoints[family] = (endpoint, 0)
        self.endpoints[family] = (endpoint, used + 1)
        self.active[endpoint] += 1
        return endpoint

    def _release(self, endpoint: wire.Endpoint, *, retire: bool = False) -> None:
        if retire:
            self.retired.add(endpoint)
        else:
            self.active[endpoint] -= 1
        if endpoint in self.retired and not self.active[endpoint]:
            self.retired.discard(endpoint)
            del self.active[endpoint]
            endpoint.close()

    def close(self) -> None:
        for endpoint in list(self.active):
            endpoint.close()
        self.endpoints.clear()
        self.active.clear()
        self.retired.clear()

    async def cached(self, name: str, rdtype: str) -> Lookup:
        """For names many domains share (NS hosts): asked once per Resolvers, i.e. once per run."""
        key = (name, rdtype)
        if key not in self.cache:
            self.cache[key] = asyncio.ensure_future(self.query(0, name, rdtype))
        return await self.cache[key]

    async def query(self, index: int, name: str, rdtype: str) -> Lookup:
        label, servers = self.items[index]
        try:
            asked = wire.question(name, rdtype)
        except dns.exception.DNSException:
            return Lookup("servfail")  # not a name DNS can carry
        timeout = self.config.timeout
        reply = None
        for attempt in range(self.config.retries + 1):
            server = servers[attempt % len(servers)]
            async with self._limiter(label):
                endpoint = await self._endpoint(socket.AF_INET6 if ":" in server[0] else socket.AF_INET)
                try:
                    reply = await endpoint.ask(server, asked, rdtype, timeout)
                except (TimeoutError, OSError):
                    continue
                except wire.Malformed:
                    return Lookup("unknown")  # only unreadable replies came back
                finally:
                    self._release(endpoint)
            if reply.truncated:
                try:
                    reply = await wire.ask_tcp(server, asked, rdtype, timeout)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, wire.Malformed):
                    return Lookup("unknown")  # truncated, and TCP blocked or broken: the answer is not known
            break
        if reply is None:
            return Lookup("timeout")
        if reply.rcode == wire.NXDOMAIN:
            return Lookup("nxdomain")
        if reply.rcode != wire.NOERROR:
            return Lookup("servfail")
        return Lookup("ok" if reply.answers else "noanswer", sorted(set(reply.answers)), reply.chain)


# -- TLS and HTTP ------------------------------------------------------------------------------------------
@dataclass
class WebResult:
    https_ok: bool | None = None  # None: not probed (no allowed address)
    http_ok: bool | None = None
    probed: str = ""  # the address connected to
    names: list[str] = field(default_factory=list)
    expires: str = ""  # ISO date
    cert_error: str = ""
    redirect: str = ""  # Location of the first answer, when it names another host
    bad_redirect: str = ""  # a Location that is no URL (http://[x]/): shown as it came, cut short


def _allowed(ip: str, networks: tuple[str, ...]) -> bool:
    address = ipaddress.ip_address(ip)
    if not networks:
        return address.is_global
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


async def _head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, timeout: float) -> str:
    """Send HEAD / and return the Location header ('' when none)."""
    writer.write(f"HEAD / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: domainbot-monitor\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(8192), timeout)
    for line in data.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "location":
            return value.strip()
    return ""


def _close(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None:
        writer.close()


def _cert_fields(cert: dict) -> tuple[list[str], str]:
    names = [v for k, v in cert.get("subjectAltName", ()) if k == "DNS"]
    expires = ""
    if cert.get("notAfter"):
        expires = dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), dt.UTC).date().isoformat()
    return names, expires


async def probe_web(domain: str, addresses: list[str], config: MonitorConfig) -> WebResult:
    result = WebResult()
    targets = [ip for ip in addresses if _allowed(ip, config.probe_networks)]
    if not targets:
        return result
    ip = result.probed = targets[0]
    timeout = config.timeout * 2
    context = ssl.create_default_context(cafile=config.ca_file or None)
    location = ""
    writer = None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(ip, config.https_port, ssl=context, server_hostname=domain), timeout)
        result.https_ok = True
        result.names, result.expires = _cert_fields(writer.get_extra_info("peercert") or {})
        location = await _head(reader, writer, domain, timeout)
    except ssl.SSLCertVerificationError as exc:
        result.https_ok = True  # it answered; the certificate is the problem
        result.cert_error = exc.verify_message or str(exc)
        result.names, result.expires = await _unverified_fields(domain, ip, config, timeout, exc)
    except (OSError, TimeoutError, ssl.SSLError, asyncio.IncompleteReadError):
        result.https_ok = False
    finally:
        _close(writer)
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(ip, config.http_port), timeout)
        result.http_ok = True
        http_location = await _head(reader, writer, domain, timeout)
        location = location or (http_location if not http_location.startswith("https://" + domain) else "")
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        result.http_ok = False
    finally:
        _close(writer)
    try:
        host = (urlsplit(location).hostname or "").lower() if location else ""
    except ValueError:  # e.g. http://[x]/: the site's answer is recorded as it is, the rest of the check too
        result.bad_redirect = _printable(location)
        return result
    if host and host != domain and unit_label(host) != unit_label(domain):
        result.redirect = _printable(location)
    return result


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text[:300])


async def _unverified_fields(domain: str, ip: str, config: MonitorConfig, timeout: float,
                             exc: ssl.SSLCertVerificationError) -> tuple[list[str], str]:
    """A wrong name: connect again checking the chain but not the name, to report what the certificate covers."""
    if exc.verify_code != 62:  # X509_V_ERR_HOSTNAME_MISMATCH; for other errors the standard module cannot decode it
        return [], ""
    context = ssl.create_default_context(cafile=config.ca_file or None)
    context.check_hostname = False
    writer = None
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(ip, config.https_port, ssl=context,
                                                                   server_hostname=domain), timeout)
        return _cert_fields(writer.get_extra_info("peercert") or {})
    except (OSError, TimeoutError, ssl.SSLError):
        return [], ""
    finally:
        _close(writer)


# -- the check -----------------------------------------------------------------------------------------------
@dataclass
class Finding:
    code: str
    message: str
    basis: str
    detail: str = ""

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, "basis": self.basis}


@dataclass
class Check:
    domain: str
    at: dt.datetime
    resolves: bool = False
    status: str = ""  # of the address lookup through the first resolver
    ns: list[dict] = field(default_factory=list)  # host, provider, country, addresses
    ns_networks: int = 0
    addresses: list[dict] = field(default_factory=list)  # ip, country, network, cdn
    chain: list[str] = field(default_factory=list)
    cdn: str = ""
    per_resolver: dict[str, list[str]] = field(default_factory=dict)
    web: WebResult | None = None
    lookalikes: list[dict] = field(default_factory=list)  # domain, addresses, ns, registrant
    findings: list[Finding] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)  # codes this run did not examine: their open findings stay
    events: list[dict] = field(default_factory=list)  # kind, before, after
    unknown: str = ""  # why this check concludes nothing (an unreadable answer, a broken resolver, out of time)

    def give_up(self, why: str) -> Check:
        """Nothing is known: no finding, none closed, no good state, no idle count."""
        self.unknown, self.resolves, self.findings, self.events, self.web = why, False, [], [], None
        self.skipped = set(FINDINGS)
        return self

    def add(self, code: str, detail: str = "") -> None:
        self.findings.append(Finding(code, finding_message(code, detail), FINDINGS[code].basis, detail))

    def good_state(self) -> dict:
        """What a later run compares with: NS hosts, addresses, their countries and networks."""
        return {"ns": sorted(n["host"] for n in self.ns), "addresses": sorted(a["ip"] for a in self.addresses),
                "countries": sorted({a["country"] for a in self.addresses}),
                "networks": sorted({a["network"] for a in self.addresses}), "cdn": self.cdn}

    def to_json(self) -> dict:
        web = self.web
        https = {"ok": web.https_ok if web else None, "expires": web.expires if web else "",
                 "names": web.names if web else []}
        if web is not None:
            https.update({"http_ok": web.http_ok, "error": web.cert_error, "redirect": web.redirect or web.bad_redirect,
                          "probed": web.probed})
        return {"domain": self.domain, "resolves": self.resolves, "unknown": self.unknown,
                "ns": [{"host": n["host"], "provider": n["provider"], "country": n["country"]} for n in self.ns],
                "addresses": [{"ip": a["ip"], "country": a["country"], "cdn": a["cdn"]} for a in self.addresses],
                "https": https,
                "lookalikes": [{"domain": x["domain"], "addresses": x["addresses"], "ns": x["ns"],
                                "registrant": x.get("registrant", "")} for x in self.lookalikes],
                "findings": [f.to_json() for f in self.findings]}


def _zone_walk(domain: str) -> list[str]:
    """Names to ask for NS, from the domain up to the unit's registrable domain (never gov.cn or cn)."""
    labels = domain.split(".")
    label = unit_label(domain)
    stop = labels.index(label) if label in labels else max(len(labels) - 2, 0)
    return [".".join(labels[i:]) for i in range(0, stop + 1)]


async def _ns(check: Check, resolvers: Resolvers, config: MonitorConfig) -> None:
    """The NS of the zone the domain sits in: every level from the domain up to the unit's registrable domain is
    asked at once, the nearest answer wins; the NS hosts' addresses are shared across checks of one run."""
    names = _zone_walk(check.domain)
    found = await asyncio.gather(*(resolvers.query(0, name, "NS") for name in names))
    hosts = next((f.answers for f in found if f.status == "ok"), [])
    lookups = await asyncio.gather(*(resolvers.cached(host, "A") for host in hosts))
    networks: set[str] = set()
    for host, lookup in zip(hosts, lookups):
        places = [(ip, geo.locate(ip, config.geoip_file)) for ip in lookup.answers]
        networks |= {p.network for _, p in places}
        countries = sorted({p.country for _, p in places if p.country})
        check.ns.append({"host": host, "provider": ns_provider(host), "country": ",".join(countries),
                         "addresses": [ip for ip, _ in places]})
    check.ns_networks = len(networks)


async def check_domain(domain: str, config: MonitorConfig, *, previous: dict | None = None, own: frozenset[str] = frozenset(),
                       lookalikes: bool = True, https: bool = True, prefixes: tuple[str, ...] = (),
                       now: dt.datetime | None = None, resolvers: Resolvers | None = None) -> Check:
    """`previous`: the last known good state (Check.good_state of an earlier run), or None.
    `own`: registered domains, never reported as look-alikes. Takes at most config.budget seconds (and the
    look-alike search at most config.lookalike_budget more); a check out of time concludes nothing."""
    if resolvers is None:
        own_resolvers = Resolvers(config)
        try:
            return await check_domain(domain, config, previous=previous, own=own, lookalikes=lookalikes, https=https,
                                      prefixes=prefixes, now=now, resolvers=own_resolvers)
        finally:
            own_resolvers.close()
    check = Check(domain=domain, at=now or dt.datetime.now(dt.UTC))
    try:
        await asyncio.wait_for(_examine(check, resolvers, config, previous, https), config.budget)
    except TimeoutError:
        return check.give_up(f"检查超过 {config.budget:.0f} 秒仍未完成")
    if check.unknown:
        return check
    if not lookalikes:
        check.skipped.add("lookalike_registered")
    else:
        found = await search_lookalikes(domain, resolvers, config, own=own, prefixes=prefixes)
        if found is None:
            check.skipped.add("lookalike_registered")  # not concluded this time: what was open stays open
        else:
            check.lookalikes = found
            if found:
                check.add("lookalike_registered", "、".join(readable(x["domain"]) for x in found[:10]))
    return check


async def resolver_works(resolvers: Resolvers, config: MonitorConfig) -> bool:
    """The anchor's NS and every control name's address resolve (asked once per Resolvers, i.e. per run)."""
    asked = [(config.anchor, "NS")] if config.anchor else []
    asked += [(name, "A") for name in config.controls]
    found = await asyncio.gather(*(resolvers.cached(name, rdtype) for name, rdtype in asked))
    return all(f.status == "ok" for f in found)


async def _examine(check: Check, resolvers: Resolvers, config: MonitorConfig, previous: dict | None, https: bool) -> None:
    domain = check.domain
    *per, v6, _ = await asyncio.gather(*(resolvers.query(i, domain, "A") for i in range(len(resolvers.items))),
                                      resolvers.query(0, domain, "AAAA"), _ns(check, resolvers, config))
    first = per[0]
    check.status = first.status
    check.chain = first.chain or v6.chain
    check.cdn = cdn_of(check.chain)
    ips = sorted(set(first.answers) | (set(v6.answers) if v6.status == "ok" else set()))
    check.resolves = bool(ips)
    for ip in ips:
        place = geo.locate(ip, config.geoip_file)
        check.addresses.append({"ip": ip, "country": place.country, "network": place.network, "cdn": check.cdn})
    for (label, _), found in zip(resolvers.items, per):
        check.per_resolver[label] = found.answers if found.status == "ok" else [found.status]

    if not check.resolves:
        if "unknown" in (first.status, v6.status):
            check.give_up("解析应答无法读取（应答被截断而 TCP 查询失败，或应答格式错误）")
            return
        if not await resolver_works(resolvers, config):
            raise ResolverUnavailable(config.anchor)
    _dns_findings(check, per, previous, config)
    if https and check.resolves:
        check.web = await probe_web(domain, [a["ip"] for a in check.addresses if ":" not in a["ip"]] or ips, config)
        _web_findings(check, check.at)
    elif not https:
        check.skipped |= WEB_CODES


def _dns_findings(check: Check, per: list[Lookup], previous: dict | None, config: MonitorConfig) -> None:
    if not check.resolves:
        why = {"nxdomain": "域名不存在（NXDOMAIN）", "servfail": "解析服务器返回错误（SERVFAIL）", "timeout": "解析超时",
               "noanswer": "没有 A/AAAA 记录"}.get(check.status, check.status)
        check.add("not_resolving", why)
    if check.ns and (len(check.ns) < 2 or check.ns_networks < 2):
        check.add("ns_single", f"{len(check.ns)} 台服务器，{check.ns_networks} 个网络")
    # A known domestic provider is judged by who it is (its NS host names), not by where one anycast address
    # geolocates (DNSPod's 119.29.29.29 reads as SG).
    abroad_ns = [n for n in check.ns if not is_domestic_provider(n["provider"])
                 and any(is_abroad(c) for c in n["country"].split(","))]
    if abroad_ns:
        check.add("ns_abroad", "、".join(f"{n['host']}（{region_label(n['country'].split(',')[0])}）" for n in abroad_ns))
    abroad = [a for a in check.addresses if is_abroad(a["country"])]
    if abroad:
        where = "、".join(f"{a['ip']}（{region_label(a['country'])}）" for a in abroad)
        check.add("cdn_abroad" if check.cdn else "host_abroad",
                  f"{check.cdn}：{where}" if check.cdn else where + "（香港、澳门、台湾按境外计）")
    answered = [set(p.answers) for p in per if p.status == "ok"]
    if len(answered) > 1 and any(a != answered[0] for a in answered[1:]):
        if not check.cdn or len({frozenset(geo.locate(ip, config.geoip_file).country for ip in a) for a in answered}) > 1:
            check.add("answers_differ", "；".join(f"{k}: {', '.join(v)}" for k, v in check.per_resolver.items()))
            check.events.append({"kind": "answers_differ", "before": "", "after": check.per_resolver})
    if previous and check.resolves:
        state = check.good_state()
        new_countries = set(state["countries"]) - set(previous.get("countries", []))
        new_networks = set(state["networks"]) - set(previous.get("networks", []))
        moved = bool(new_countries) or (not check.cdn and bool(new_networks) and not (set(state["networks"]) & set(previous.get("networks", []))))
        if moved:
            check.add("answer_changed", f"{', '.join(previous.get('addresses', []))} → {', '.join(state['addresses'])}")
            check.events.append({"kind": "answer_changed", "before": previous.get("addresses", []), "after": state["addresses"]})
        if previous.get("ns") and state["ns"] and previous["ns"] != state["ns"]:
            check.add("ns_changed", f"{', '.join(previous['ns'])} → {', '.join(state['ns'])}")
            check.events.append({"kind": "ns_changed", "before": previous["ns"], "after": state["ns"]})


def _web_findings(check: Check, now: dt.datetime) -> None:
    web = check.web
    if web is None or web.https_ok is None:
        return
    if not web.https_ok and not web.http_ok:
        check.add("unreachable", f"{web.probed} 的 80 和 443 端口都没有应答")
        return
    if web.cert_error:
        check.add("cert_invalid", web.cert_error)
    elif web.expires:
        days = (dt.date.fromisoformat(web.expires) - now.date()).days
        if cert_alert_step(days) is not None:
            check.add("cert_expiring", f"{web.expires} 到期，还有 {days} 天")
    if web.redirect:
        check.add("redirect_offsite", web.redirect)
    if web.bad_redirect:
        check.add("redirect_malformed", web.bad_redirect)


async def search_lookalikes(domain: str, resolvers: Resolvers, config: MonitorConfig, *,
                            own: frozenset[str] = frozenset(), prefixes: tuple[str, ...] = ()) -> list[dict] | None:
    """find_lookalikes within config.lookalike_budget; None when it could not finish (nothing is concluded)."""
    try:
        return await asyncio.wait_for(find_lookalikes(domain, resolvers, config, own=own, prefixes=prefixes),
                                      config.lookalike_budget)
    except TimeoutError:
        return None


WILDCARD_PROBES = 2  # random names asked under each suffix


async def wildcard_answers(resolvers: Resolvers, suffix: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """What the resolver answers for names that cannot exist under `suffix` (random labels): (addresses, NS
    hosts), both empty when it says NXDOMAIN as it should; None when random names get different answers (then
    no answer under the suffix can be told from the wildcard). Asked once per suffix per Resolvers."""
    if suffix not in resolvers.wildcards:
        async def probe() -> tuple[frozenset[str], frozenset[str]] | None:
            names = [f"{secrets.token_hex(8)}-nx.{suffix}" for _ in range(WILDCARD_PROBES)]
            found = await asyncio.gather(*(resolvers.query(0, name, rdtype) for name in names for rdtype in ("A", "NS")))
            addresses = [frozenset(f.answers) for f in found[0::2]]
            hosts = [frozenset(f.answers) for f in found[1::2]]
            if len(set(addresses)) > 1 or len(set(hosts)) > 1:
                return None
            return addresses[0], hosts[0]
        resolvers.wildcards[suffix] = asyncio.ensure_future(probe())
    return await resolvers.wildcards[suffix]


async def find_lookalikes(domain: str, resolvers: Resolvers, config: MonitorConfig, *, own: frozenset[str] = frozenset(),
                          prefixes: tuple[str, ...] = ()) -> list[dict] | None:
    """Look-alike names that resolve or hold NS (None: nothing can be concluded). The names are made in a thread
    within generation_seconds (bounded by construction too: lookalike_limit names, a few milliseconds even for 63
    characters). Before
    any is judged, random names under each suffix are asked: a resolver that answers names that do not exist
    (a wildcard) would make every candidate look registered, so an answer equal to the wildcard's counts for
    nothing; when random names get differing answers no answer can be told from the wildcard's, so the search
    concludes nothing (None)."""
    label = unit_label(domain)
    names = await asyncio.wait_for(asyncio.to_thread(lookalike_candidates, label, prefixes, config.lookalike_limit),
                                   config.generation_seconds)
    candidates = [c for c in names if c != domain and c not in own]
    suffixes = sorted({c.split(".", 1)[1] for c in candidates})
    wildcards = dict(zip(suffixes, await asyncio.gather(*(wildcard_answers(resolvers, s) for s in suffixes))))
    if any(w is None for w in wildcards.values()):
        return None
    gate = asyncio.Semaphore(config.lookalike_concurrency)

    async def one(name: str) -> dict | None:
        addresses, hosts = wildcards[name.split(".", 1)[1]]
        async with gate:
            found = await resolvers.query(0, name, "A")
            if found.status == "ok":
                if not set(found.answers) <= addresses:
                    return {"domain": name, "addresses": found.answers, "ns": [], "registrant": ""}
                if not hosts:
                    return None
            elif found.status != "noanswer":
                return None
            ns = await resolvers.query(0, name, "NS")
            if ns.status == "ok" and not set(ns.answers) <= hosts:
                return {"domain": name, "addresses": [], "ns": ns.answers, "registrant": ""}
            return None

    found = [r for r in await asyncio.gather(*(one(c) for c in candidates)) if r]
    if config.whois and found:
        from bot.monitoring import rdap, whois

        gate = asyncio.Semaphore(4)  # registries limit WHOIS queries per client

        async def who(item: dict) -> None:
            name, timeout = item["domain"], config.timeout * 2
            # .com/.net: RDAP (Verisign's WHOIS names no registrant); a test's WHOIS server stands for all TLDs
            use_rdap = rdap.url_for(name) is not None and (config.rdap_url or not config.whois_server)
            async with gate:
                item["registrant"] = (await rdap.registrant(name, config.rdap_url, timeout) if use_rdap
                                      else await whois.registrant(name, config.whois_server, timeout))

        await asyncio.gather(*(who(item) for item in found))
    return found
