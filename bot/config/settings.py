"""Settings from the environment and `.env`; a bad value fails at start-up with one clear line."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"


class SettingsError(RuntimeError):
    """Raised with a one-line, human-readable reason."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = ""
    telegram_api_base_url: str = DEFAULT_API_BASE_URL
    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path('data') / 'domainbot.sqlite3'}")
    bot_admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    bot_timezone: str = "Asia/Shanghai"
    # The office's region, e.g. 云南省楚雄彝族自治州武定县: names without a place are read as its units, and it titles
    # the report; empty: the place most registered units share.
    bot_region: str = Field(default="", max_length=50)
    log_level: str = "INFO"
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    reminder_time: str = "09:00"
    reminder_offsets: str = "5,2,1,0"
    # Chats answered side by side (one chat's messages always in order); see bot/runtime/update_order.py.
    update_concurrency: int = Field(default=4, ge=1, le=64)
    # Replies paced against Telegram's limits (bot/delivery/pacing.ReplyPacer); off only for a Bot API server
    # without them (the throughput benchmark's fake).
    reply_pacing: bool = True
    # Seconds without a heartbeat after which a stopped process's unhandled updates are handled by another.
    inbox_takeover_seconds: float = Field(default=30.0, ge=2, le=3600)
    # Seconds `domainbot run` keeps trying a database that does not answer yet (issue 17).
    database_start_wait: float = Field(default=60.0, ge=0, le=3600)
    # /apply: an unanswered application conversation ends after this many minutes; a step held this many
    # working days brings a reminder (bot/applications).
    application_timeout_minutes: float = Field(default=30, gt=0, le=7 * 24 * 60)
    application_reminder_days: int = Field(default=5, ge=1, le=60)
    # Working day of the week (1 = Monday … 5 = Friday) the weekly digest goes out.
    digest_weekday: int = Field(default=1, ge=1, le=7)
    # Domain monitoring (bot/monitoring): resolvers "host[:port],…" (empty: the system's), probes, schedule.
    monitor_resolvers: str = ""
    monitor_timeout: float = Field(default=2.0, gt=0, le=30)
    monitor_retries: int = Field(default=1, ge=0, le=5)
    monitor_resolver_rate: float = Field(default=50.0, gt=0)  # queries per second per resolver
    monitor_concurrency: int = Field(default=20, ge=1, le=500)  # domains checked side by side
    monitor_enabled: bool = True  # the scheduled run
    monitor_interval_hours: int = Field(default=24, ge=1, le=24 * 30)
    monitor_hours: str = "09:00-17:30"  # local working hours the scheduled checks are spread over
    monitor_https_port: int = Field(default=443, ge=1, le=65535)
    monitor_http_port: int = Field(default=80, ge=1, le=65535)
    monitor_probe_networks: str = ""  # e.g. 127.0.0.0/8: connect only to addresses inside these networks
    monitor_ca_file: str = ""  # extra trusted certificates (PEM) for the HTTPS check
    monitor_idle_days: int = Field(default=30, ge=1, le=365)
    monitor_whois: str = "on"
    monitor_geoip_file: str = ""
    monitor_lookalikes: bool = True
    monitor_lookalike_limit: int = Field(default=120, ge=0, le=5000)
    monitor_lookalike_days: int = Field(default=7, ge=1, le=90)  # the look-alike search, every N days per label
    monitor_rdap_url: str = ""  # RDAP base for .com/.net registrants; empty: the registry's (rdap.verisign.com)

    @field_validator("monitor_resolvers")
    @classmethod
    def _check_resolvers(cls, value: str) -> str:
        from knowledge.monitoring import parse_resolvers

        try:
            parse_resolvers(value)
        except ValueError as exc:
            raise ValueError("must be comma-separated resolver addresses host[:port], e.g. 223.5.5.5,119.29.29.29:53") from exc
        return value

    @field_validator("monitor_whois")
    @classmethod
    def _check_whois(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if value.lower() in ("on", "off") or (sep and host and port.isdigit() and 0 < int(port) < 65536):
            return value
        raise ValueError("must be on, off, or host:port of one WHOIS server")

    @field_validator("monitor_hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        try:
            start, end = (dt.time.fromisoformat(p.strip()) for p in value.split("-"))
        except ValueError as exc:
            raise ValueError("must be a range of local times such as 09:00-17:30") from exc
        if end <= start:
            raise ValueError("must be a range of local times such as 09:00-17:30")
        return value

    @field_validator("monitor_probe_networks")
    @classmethod
    def _check_networks(cls, value: str) -> str:
        import ipaddress

        try:
            [ipaddress.ip_network(p.strip(), strict=False) for p in value.split(",") if p.strip()]
        except ValueError as exc:
            raise ValueError("must be comma-separated networks, e.g. 127.0.0.0/8") from exc
        return value

    @field_validator("bot_admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> frozenset[int]:
        if value is None or value == "":
            return frozenset()
        if isinstance(value, (set, frozenset, list, tuple)):
            return frozenset(int(v) for v in value)
        try:
            return frozenset(int(part) for part in str(value).replace(" ", "").split(",") if part)
        except ValueError as exc:
            raise ValueError("must be comma-separated Telegram user ids, e.g. 12345,67890") from exc

    @field_validator("bot_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("telegram_api_base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _check_token(cls, value: str) -> str:
        value = value.strip()
        if value and (":" not in value or any(ch.isspace() for ch in value)):
            raise ValueError("does not look like a bot token (expected '123456:ABC...')")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: str) -> str:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -.
        if value and (len(value) > 256 or not all(ch.isalnum() or ch in "_-" for ch in value)):
            raise ValueError("may contain only A-Z, a-z, 0-9, _ and - (at most 256 characters)")
        return value

    @field_validator("reminder_time")
    @classmethod
    def _check_time(cls, value: str) -> str:
        try:
            dt.time.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be a time such as 09:00") from exc
        return value

    @field_validator("reminder_offsets")
    @classmethod
    def _check_offsets(cls, value: str) -> str:
        parts = [p for p in value.replace(" ", "").split(",") if p]
        if not parts or not all(p.isdigit() and int(p) <= 60 for p in parts):
            raise ValueError("must be comma-separated working days before the due date, e.g. 5,2,1,0")
        return value

    @property
    def offsets(self) -> tuple[int, ...]:
        return tuple(sorted({int(p) for p in self.reminder_offsets.replace(" ", "").split(",") if p}, reverse=True))

    @property
    def send_time(self) -> dt.time:
        return dt.time.fromisoformat(self.reminder_time)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def has_token(self) -> bool:
        return bool(self.telegram_bot_token)


_office_zone = [ZoneInfo("Asia/Shanghai")]  # BOT_TIMEZONE's default, until settings are loaded


def office_today() -> dt.date:
    """Today where the office is (BOT_TIMEZONE of the settings last loaded), not where the server's clock is
    set: an edit at 07:00 in 武定 on a server running UTC is dated that day, not the day before."""
    return dt.datetime.now(_office_zone[0]).date()


def office_time(moment: dt.datetime) -> dt.datetime:
    """A stored moment (UTC; naive when the database drops the zone) as the office's clock shows it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_office_zone[0])


def load_settings(**overrides: object) -> Settings:
    """Read settings; turn a validation error into one line naming the variable."""
    try:
        settings = Settings(**overrides)
        _office_zone[0] = settings.timezone
        return settings
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first.get("loc") else "setting"
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        raise SettingsError(f"配置错误 {name}: {message}") from None
