"""`domainbot monitor DOMAIN [--json] [--no-lookalikes] [--no-https]`: one health check of a domain (plan
五（三）（四）). Exit 0 without findings, 1 with findings, 2 on bad input, 3 when
nothing could be concluded (no working resolver, an answer that cannot be read, out of time). The run is recorded in the database, so
a later run reports answers that changed against the last known good state."""
from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.output import EXIT_FAIL, EXIT_OK, EXIT_USAGE, emit
from bot.cli.parser import Subcommands

EXIT_NO_RESOLVER = 3  # the check could not run: no answer about the domain either way


def cmd_monitor(args: argparse.Namespace) -> int:
    from knowledge.monitoring import validate_target

    name, error = validate_target(" ".join(args.domain))
    if error:
        if args.json:
            emit({"error": error})
        print(error, file=sys.stderr)
        return EXIT_USAGE
    from bot.cli.registry import open_database
    from bot.config.settings import load_settings
    from bot.monitoring.probe import ResolverUnavailable
    from bot.monitoring.service import check_now
    from knowledge.monitoring import NO_RESOLVER

    settings = load_settings()
    db = open_database()
    try:
        check = asyncio.run(check_now(db, settings, name, lookalikes=not args.no_lookalikes, https=not args.no_https))
    except ResolverUnavailable:
        if args.json:
            emit({"error": NO_RESOLVER})
        print(NO_RESOLVER, file=sys.stderr)
        return EXIT_NO_RESOLVER
    finally:
        db.dispose()
    if args.json:
        emit(check.to_json())
    else:
        print(render(check.to_json()))
    if check.unknown:
        return EXIT_NO_RESOLVER
    return EXIT_FAIL if check.findings else EXIT_OK


def render(result: dict) -> str:
    lines = [f"{result['domain']}：{'能解析' if result['resolves'] else '不能解析'}"]
    for ns in result["ns"]:
        lines.append(f"  NS {ns['host']}（{ns['provider']}，{ns['country'] or '未知'}）")
    for a in result["addresses"]:
        lines.append(f"  地址 {a['ip']}（{a['country'] or '未知'}{'，' + a['cdn'] if a['cdn'] else ''}）")
    https = result["https"]
    if https.get("ok") is not None:
        lines.append(f"  HTTPS {'可访问' if https['ok'] else '不可访问'}"
                     + (f"，证书到期 {https['expires']}" if https.get("expires") else ""))
    for x in result["lookalikes"]:
        lines.append(f"  相似域名 {x['domain']} {', '.join(x['addresses'])}")
    if result.get("unknown"):
        lines.append(f"  本次没有得出结论：{result['unknown']}")
    else:
        lines += [f"  ⚠ {f['message']}（{f['basis']}）" for f in result["findings"]] or ["  未发现问题"]
    return "\n".join(lines)


def add_commands(sub: Subcommands) -> None:
    monitor = sub.add_parser("monitor", help="域名安全监测：解析、境内外、CDN、劫持、证书、冒名注册")
    monitor.add_argument("domain", nargs="+")
    monitor.add_argument("--json", action="store_true")
    monitor.add_argument("--no-lookalikes", action="store_true", help="不检查相似域名")
    monitor.add_argument("--no-https", action="store_true", help="不检查 HTTP/HTTPS")
    monitor.set_defaults(func=cmd_monitor)
    add_geoip_command(sub)


def cmd_geoip(args: argparse.Namespace) -> int:
    """Show the IP → country database in use; with --update, download the newest one (the project's GitHub
    releases, via geoip2fast) into data/ (or MONITOR_GEOIP_FILE) and say how to use it."""
    from bot.config.settings import load_settings
    from bot.monitoring.geo import database_info, refresh

    settings = load_settings()
    if args.update:
        ok, where = refresh(settings.monitor_geoip_file)
        if not ok:
            print(f"{where}，仍使用原数据库。", file=sys.stderr)
            return EXIT_FAIL
        print(f"已下载到 {where}")
        if not settings.monitor_geoip_file:
            print(f"请设置 MONITOR_GEOIP_FILE={where} 后重启机器人。")
    info = database_info(settings.monitor_geoip_file)
    print(f"IP 数据库：{info.get('source_info', '?')}（{info.get('database_fullpath', '?')}）")
    return EXIT_OK


def add_geoip_command(sub: Subcommands) -> None:
    geoip = sub.add_parser("monitor-geoip", help="（管理员）查看或更新 IP 归属地数据库")
    geoip.add_argument("--update", action="store_true", help="下载最新数据库（需要联网）")
    geoip.set_defaults(func=cmd_geoip)
