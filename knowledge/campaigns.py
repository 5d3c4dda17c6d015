"""Campaigns: dated steps and report deadlines, one data file each in data/campaigns/ (no code per campaign)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Milestone:
    key: str
    date: dt.date
    what: str
    who: str
    clause: str


@dataclass(frozen=True)
class Campaign:
    id: str
    title: str
    source: str
    audience: str
    milestones: tuple[Milestone, ...]


def parse_campaign(text: str) -> Campaign:
    import yaml

    raw = yaml.safe_load(text)
    milestones = tuple(
        Milestone(f"{raw['id']}:{m['id']}", m["date"], m["what"], m.get("who", ""), m.get("clause", ""))
        for m in raw["deadlines"]
    )
    return Campaign(raw["id"], raw["title"], raw.get("source", ""), raw.get("audience", "groups"), milestones)


@lru_cache(maxsize=1)
def load_campaigns() -> tuple[Campaign, ...]:
    folder = resources.files("knowledge").joinpath("data", "campaigns")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return tuple(parse_campaign(f.read_text(encoding="utf-8")) for f in files)
