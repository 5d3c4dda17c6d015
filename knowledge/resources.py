"""Loads the data files that ship inside the package (never relative to the working directory)."""
from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any


def read_text(name: str) -> str:
    return resources.files("knowledge").joinpath("data", name).read_text(encoding="utf-8")


@cache
def load_yaml(name: str) -> Any:
    import yaml  # on first use (after the bot's first poll), not at start-up

    return yaml.load(read_text(name), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
