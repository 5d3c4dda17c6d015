"""JSON output shared by the scriptable commands: one object per line, and the JSON Lines batch loop."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def batch(handle: Callable[[dict], dict]) -> int:
    """JSON Lines in, one JSON result per line out, same order; a bad line yields an error object."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            result = handle(item)
        except (ValueError, TypeError, KeyError) as exc:
            result = {"error": f"输入无效：{exc}"}
        emit(result)
        sys.stdout.flush()
    return EXIT_OK
