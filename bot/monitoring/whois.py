"""The registrant of a suspected look-alike, from the registry's WHOIS service (port 43). CNNIC (.cn, .com.cn)
shows the registrant; Verisign (.com, .net) answers without one (a thin registry): then nothing is shown.
MONITOR_WHOIS=off turns the look-ups off; host:port sends every look-up to that one server (tests)."""
from __future__ import annotations

import asyncio

SERVERS = {"cn": "whois.cnnic.cn", "com": "whois.verisign-grs.com", "net": "whois.verisign-grs.com", "org": "whois.pir.org"}
FIELDS = ("registrant:", "registrant organization:", "registrant name:", "registrant organisation:")
MAX_ANSWER = 64 * 1024


def server_for(domain: str, override: str = "") -> tuple[str, int] | None:
    if override:
        host, _, port = override.rpartition(":")
        return host, int(port)
    host = SERVERS.get(domain.rsplit(".", 1)[-1])
    return (host, 43) if host else None


def parse_registrant(text: str) -> str:
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep and f"{key.lower()}:" in FIELDS:
            value = value.strip()
            if value and "redacted" not in value.lower():
                return value[:200]
    return ""


async def registrant(domain: str, override: str = "", timeout: float = 5.0) -> str:
    server = server_for(domain, override)
    if server is None:
        return ""
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(*server), timeout)
        writer.write(f"{domain}\r\n".encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(MAX_ANSWER), timeout)
        return parse_registrant(data.decode("utf-8", "replace"))
    except (OSError, TimeoutError, UnicodeError):
        return ""
    finally:
        if writer is not None:
            writer.close()
