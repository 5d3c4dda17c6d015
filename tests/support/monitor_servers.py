"""Real servers on 127.0.0.1 for the monitoring tests and benchmark: a DNS server (dnslib) answering from zones the
test writes, with NXDOMAIN, SERVFAIL, time-outs, truncation and added latency; a TLS+HTTP server choosing a
certificate by SNI, with certificates made here (a test CA, expiring, wrong name, self-signed)."""
from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from pathlib import Path

from dnslib import QTYPE, RCODE, RR, DNSError
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from knowledge.monitoring import CONTROL_NAMES


class Zones(BaseResolver):
    """Records as zone lines ("name. 300 IN A 1.2.3.4"); `servfail`, `silent` (never answers), `truncate` (UDP
    answer truncated, full over TCP) and `tcp_broken` (the TCP connection closed without an answer) are sets of
    names; `delay` seconds per answer; `wildcard`: the address every name without records gets (as resolvers
    that rewrite NXDOMAIN do; "rotate": another each time); `only`: when set, every other name gets SERVFAIL (a resolver that answers only a
    few names)."""

    def __init__(self) -> None:
        self.records: dict[str, list[RR]] = {}
        self.servfail: set[str] = set()
        self.silent: set[str] = set()
        self.truncate: set[str] = set()
        self.tcp_broken: set[str] = set()
        self.wildcard = ""
        self.only: set[str] | None = None
        self.delay = 0.0
        self.queries = 0
        self.lock = threading.Lock()

    def set(self, *lines: str) -> None:
        """Replace the records of every name the lines mention."""
        fresh: dict[str, list[RR]] = {}
        for line in lines:
            for rr in RR.fromZone(line):
                fresh.setdefault(str(rr.rname).lower().rstrip("."), []).append(rr)
        self.records.update(fresh)

    def resolve(self, request, handler):
        with self.lock:
            self.queries += 1
        if self.delay:
            time.sleep(self.delay)
        name = str(request.q.qname).lower().rstrip(".")
        qtype = QTYPE[request.q.qtype]
        reply = request.reply()
        if name in self.silent:
            time.sleep(5)
            return reply
        if name in self.servfail or (self.only is not None and name not in self.only):
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        if name in self.tcp_broken and handler.protocol == "tcp":
            raise DNSError("closed without an answer")
        if name in self.truncate and handler.protocol == "udp":
            reply.header.tc = 1
            return reply
        if name not in self.records and self.wildcard:
            if qtype == "A":  # "rotate": a different address each time
                address = f"127.0.1.{self.queries % 250}" if self.wildcard == "rotate" else self.wildcard
                reply.add_answer(*RR.fromZone(f"{name}. 300 IN A {address}"))
            return reply
        if name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        seen = 0
        while name in self.records and seen < 8:
            seen += 1
            rrs = self.records[name]
            cname = [r for r in rrs if QTYPE[r.rtype] == "CNAME"]
            if cname and qtype != "CNAME":
                reply.add_answer(*cname)
                name = str(cname[0].rdata).lower().rstrip(".")
                continue
            for rr in rrs:
                if QTYPE[rr.rtype] == qtype:
                    reply.add_answer(rr)
            break
        return reply


class LocalDNS:
    def __init__(self) -> None:
        self.zones = Zones()
        port = _free_port()
        quiet = DNSLogger("-recv,-send,-request,-reply,-truncated,-error,-data", prefix=False)
        self.udp = DNSServer(self.zones, address="127.0.0.1", port=port, logger=quiet)
        self.tcp = DNSServer(self.zones, address="127.0.0.1", port=port, tcp=True, logger=quiet)
        self.port = port

    def start(self) -> LocalDNS:
        self.udp.start_thread()
        self.tcp.start_thread()
        return self

    def stop(self) -> None:
        self.udp.stop()
        self.tcp.stop()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


class HostileDNS:
    """A resolver on 127.0.0.1 that answers every question, over UDP and TCP, with what costs a careless reader
    most: `bomb` — as many records as fit in 65,000 bytes, each a CNAME whose name and target are compression
    pointers into a chain of 64 pointers to 63-byte labels (4 KB of text per name, from 2 bytes); `flood` —
    hundreds of unreadable replies carrying the query's ID and question, then silence; `chain` — a thousand
    CNAMEs one after another. `controls`: names answered properly (127.0.0.1, and NS for `cn`), so the check
    goes on to judge the domain."""

    def __init__(self, mode: str, controls: tuple[str, ...] = ()) -> None:
        self.mode = mode
        self.controls = {c.lower() for c in controls}
        self.port = _free_port()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp = socket.socket()
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", self.port))
        self.tcp.listen(64)
        self.stopped = threading.Event()
        self.queries = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> HostileDNS:
        threading.Thread(target=self._serve_udp, daemon=True).start()
        threading.Thread(target=self._serve_tcp, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.udp.close()
        self.tcp.close()

    def _question(self, query: bytes) -> tuple[bytes, bytes, str, int]:
        end = 12
        while query[end]:
            end += query[end] + 1
        question = query[12:end + 5]
        labels, offset = [], 12
        while query[offset]:
            labels.append(query[offset + 1:offset + 1 + query[offset]].decode("latin-1"))
            offset += query[offset] + 1
        qtype = int.from_bytes(query[end + 1:end + 3], "big")
        return query[:2], question, ".".join(labels).lower(), qtype

    def _proper(self, qid: bytes, question: bytes, name: str, qtype: int) -> bytes:
        import struct

        if qtype == 1:
            record = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
        elif qtype == 2:
            target = b"\x01a\x03dns\x02cn\x00"
            record = b"\xc0\x0c" + struct.pack("!HHIH", 2, 1, 60, len(target)) + target
        else:
            return qid + struct.pack("!HHHHH", 0x8180, 1, 0, 0, 0) + question
        return qid + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + question + record

    def _bomb(self, qid: bytes, question: bytes, size: int) -> bytes:
        import struct

        start = 12 + len(question) + 12  # the chain: the data of a first record of a type nobody reads
        chain = b""
        for i in range(64):  # segment i: a 63-byte label, then a pointer to segment i+1 (the last ends the name)
            chain += b"\x3f" + b"a" * 63 + (struct.pack("!H", 0xC000 | (start + (i + 1) * 66)) if i < 63 else b"\x00")
        holder = b"\xc0\x0c" + struct.pack("!HHIH", 0xFF00, 1, 60, len(chain)) + chain
        pointer = struct.pack("!H", 0xC000 | start)
        record = pointer + struct.pack("!HHIH", 5, 1, 60, 2) + pointer
        count = min((size - start - len(chain)) // len(record), 65534)
        return qid + struct.pack("!HHHHH", 0x8180, 1, count + 1, 0, 0) + question + holder + record * count

    def _chain(self, qid: bytes, question: bytes, name: str) -> bytes:
        import struct

        records = b""
        count = 1000
        for i in range(count):
            target = b"".join(bytes([len(p)]) + p.encode() for p in f"c{i}.{name}".split(".")) + b"\x00"
            records += b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, len(target)) + target
        return qid + struct.pack("!HHHHH", 0x8180, 1, count, 0, 0) + question + records

    def _answers(self, query: bytes, limit: int) -> list[bytes]:
        qid, question, name, qtype = self._question(query)
        self.queries += 1
        if name in self.controls or name.removeprefix("www.") == "" or name == "cn":
            return [self._proper(qid, question, name, qtype)]
        if self.mode == "bomb":
            return [self._bomb(qid, question, limit)]
        if self.mode == "chain":
            return [self._chain(qid, question, name)]
        if self.mode == "flood":
            garbage = qid + b"\x81\x80\x00\x01\xff\xff\x00\x00\x00\x00" + question + b"\xc0"
            return [garbage] * 500
        return []

    def _serve_udp(self) -> None:
        while not self.stopped.is_set():
            try:
                query, peer = self.udp.recvfrom(4096)
                for answer in self._answers(query, 65000):
                    self.udp.sendto(answer, peer)
            except OSError:
                return
            except Exception:  # a query this server cannot read: ignored
                continue

    def _serve_tcp(self) -> None:
        import struct

        while not self.stopped.is_set():
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            try:
                conn.settimeout(2)
                size = struct.unpack("!H", conn.recv(2))[0]
                query = b""
                while len(query) < size:
                    query += conn.recv(size - len(query))
                for answer in self._answers(query, 65535)[:1]:
                    conn.sendall(struct.pack("!H", len(answer)) + answer)
            except Exception:
                pass
            finally:
                conn.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, socket.socket() as tcp:
        for _ in range(50):
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            try:
                tcp.bind(("127.0.0.1", port))
                return port
            except OSError:
                udp.close()
                udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    raise RuntimeError("no free port")


# -- certificates ------------------------------------------------------------------------------------------
def _key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _name(common: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certificates(folder: Path, sites: dict[str, tuple[list[str], int, bool]]) -> tuple[Path, dict[str, tuple[Path, Path]]]:
    """A CA (its PEM returned for MONITOR_CA_FILE) and, per site label: (DNS names, days valid, self-signed?)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    ca_key = _key()
    ca = (x509.CertificateBuilder().subject_name(_name("domainbot test CA")).issuer_name(_name("domainbot test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(now + dt.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    ca_path = folder / "ca.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out = {}
    for label, (names, days, self_signed) in sites.items():
        key = _key()
        issuer, signer = (_name(names[0]), key) if self_signed else (ca.subject, ca_key)
        cert = (x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(issuer)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + dt.timedelta(days=days, hours=2))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
                .sign(signer, hashes.SHA256()))
        cert_path, key_path = folder / f"{label}.pem", folder / f"{label}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        out[label] = (cert_path, key_path)
    return ca_path, out


class LocalWeb:
    """HTTPS on one port (certificate by SNI: `by_name` maps a server name to a site label) and HTTP on another,
    both answering any request with 200, or a redirect where `redirects` says so."""

    def __init__(self, certs: dict[str, tuple[Path, Path]], by_name: dict[str, str], redirects: dict[str, str] | None = None):
        self.contexts = {}
        for label, (cert, key) in certs.items():
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.contexts[label] = context
        self.by_name = by_name
        self.redirects = redirects or {}
        first = next(iter(self.contexts.values()))
        first.sni_callback = self._sni
        self.main = first
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.https_port = self.http_port = 0

    def _sni(self, sock, server_name, _context):
        label = self.by_name.get((server_name or "").lower())
        if label:
            sock.context = self.contexts[label]

    async def _answer(self, reader, writer):
        try:
            head = await asyncio.wait_for(reader.read(4096), 5)
            host = ""
            for line in head.decode("latin-1").split("\r\n"):
                if line.lower().startswith("host:"):
                    host = line.split(":", 1)[1].strip().lower()
            target = self.redirects.get(host)
            status = f"HTTP/1.1 301 Moved\r\nLocation: {target}\r\n" if target else "HTTP/1.1 200 OK\r\n"
            writer.write((status + "Content-Length: 0\r\nConnection: close\r\n\r\n").encode())
            await writer.drain()
        except Exception:
            pass
        finally:
            writer.close()

    def start(self) -> LocalWeb:
        self.thread.start()

        async def serve():
            https = await asyncio.start_server(self._answer, "127.0.0.1", 0, ssl=self.main)
            http = await asyncio.start_server(self._answer, "127.0.0.1", 0)
            return https, http

        self.servers = asyncio.run_coroutine_threadsafe(serve(), self.loop).result(5)
        self.https_port = self.servers[0].sockets[0].getsockname()[1]
        self.http_port = self.servers[1].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        for server in self.servers:
            self.loop.call_soon_threadsafe(server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


def loopback_only(monkeypatch) -> list[str]:
    """Make any connection or datagram to an address outside 127.0.0.0/8 fail loudly; returns the refused ones."""
    refused: list[str] = []
    original_connect, original_sendto = socket.socket.connect, socket.socket.sendto
    original_connect_ex = socket.socket.connect_ex

    def check(address) -> None:
        if isinstance(address, tuple) and address:
            try:
                ip = ipaddress.ip_address(address[0])
            except ValueError:
                return
            if ip not in LOOPBACK and not (ip.version == 6 and ip.is_loopback):
                refused.append(str(ip))
                raise OSError(f"test guard: connection to {ip} refused (only 127.0.0.0/8 allowed)")

    def connect(self, address):
        check(address)
        return original_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return original_connect_ex(self, address)

    def sendto(self, data, *args):
        check(args[-1])
        return original_sendto(self, data, *args)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    return refused


# -- the zones the monitoring tests serve: one domain per case the issue lists ---------------------------------
NS_OK = ("wuding.gov.cn. 300 IN NS ns1.dnspod.net.", "wuding.gov.cn. 300 IN NS ns2.dnspod.net.",
         "ns1.dnspod.net. 300 IN A 114.114.114.114", "ns2.dnspod.net. 300 IN A 223.5.5.5")


def zone_lines() -> list[str]:
    lines = list(NS_OK) + ["cn. 300 IN NS a.dns.cn."]  # what every working resolver answers (the monitor's anchor)
    lines += [f"{name}. 300 IN A 127.0.0.1" for name in CONTROL_NAMES]  # and its known-good control names
    lines += ["www.wuding.gov.cn. 300 IN A 127.0.0.1", "wuding.gov.cn. 300 IN A 127.0.0.1",
              "single.gov.cn. 300 IN NS ns1.single.gov.cn.", "ns1.single.gov.cn. 300 IN A 114.114.114.114",
              "www.single.gov.cn. 300 IN A 127.0.0.1",
              "www.abroad.gov.cn. 300 IN A 8.8.8.8",
              "www.cdnsite.gov.cn. 300 IN CNAME www.cdnsite.gov.cn.w.kunlunca.com.",
              "www.cdnsite.gov.cn.w.kunlunca.com. 300 IN A 8.8.4.4",
              "www.moving.gov.cn. 300 IN A 127.0.0.1",
              "wuding.com. 300 IN A 8.8.8.8", "wudnig.com. 300 IN NS ns1.dnspod.net.",
              "cxwuding.com. 300 IN A 127.0.0.7",
              "www.big.gov.cn. 300 IN A 127.0.0.1", "www.big.gov.cn. 300 IN A 127.0.0.3",
              "www.expiring.gov.cn. 300 IN A 127.0.0.1", "www.wrongname.gov.cn. 300 IN A 127.0.0.1",
              "www.selfsigned.gov.cn. 300 IN A 127.0.0.1", "www.redirected.gov.cn. 300 IN A 127.0.0.1"]
    for zone in ("abroad", "cdnsite", "moving", "big", "expiring", "wrongname", "selfsigned", "redirected"):
        lines += [f"{zone}.gov.cn. 300 IN NS ns1.dnspod.net.", f"{zone}.gov.cn. 300 IN NS ns2.dnspod.net."]
    return lines


# -- what the monitoring tests share -----------------------------------------------------------------------
def monitor_cli(capsys, *args: str) -> tuple[int, dict]:
    import json

    from bot.cli import main

    code = main(["monitor", *args, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out else {}


def register(db, unit_name: str, kind: str, domains: list[str], contact: int | None = None, **status) -> None:
    """A unit with its domains (status per domain by keyword: gone='已注销' → www.gone.gov.cn), and a linked contact."""
    from bot.db.models import Contact, Domain, Unit

    def seed(session):
        unit = Unit(name=unit_name, kind=kind)
        session.add(unit)
        session.flush()
        if contact:
            session.add(Contact(unit_id=unit.id, name="张三", telegram_id=contact))
        for name in domains:
            session.add(Domain(unit_id=unit.id, name=name, unicode=name))
        for label, value in status.items():
            session.add(Domain(unit_id=unit.id, name=f"www.{label}.gov.cn", unicode=f"www.{label}.gov.cn", status=value))

    db.call(seed)


def result_codes(result: dict) -> set[str]:
    return {f["code"] for f in result["findings"]}
