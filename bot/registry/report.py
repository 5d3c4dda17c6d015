"""The clean-up report moved to bot/reporting/ (it reads the registry and campaigns, and feeds /progress)."""
from bot.reporting.report import Report, build_report, write_report

__all__ = ["Report", "build_report", "write_report"]
