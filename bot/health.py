"""`rights-bot health`: exit 0 when a running bot's heartbeat file (in the state directory, rewritten every 30 s
by `rights-bot run`: handlers/health.py) is fresh and says it runs; 1 otherwise. What the Docker image's HEALTHCHECK
runs; it needs no network and no Telegram."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

DEFAULT_MAX_AGE = 90.0  # three heartbeats missed


def check(path: Path, max_age: float = DEFAULT_MAX_AGE, now: float | None = None) -> tuple[int, str, dict[str, Any]]:
    """(exit status, one line for a person, the heartbeat's content)."""
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(beat, dict):
            raise ValueError("not an object")
        when = float(beat["time"])
    except FileNotFoundError:
        return 1, f"unhealthy: no heartbeat at {path} (is `rights-bot run` running with this state directory?)", {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return 1, f"unhealthy: the heartbeat at {path} cannot be read ({type(exc).__name__})", {}
    age = max(0.0, (time.time() if now is None else now) - when)
    if age > max_age:
        return 1, f"unhealthy: the last heartbeat is {age:.0f} s old (more than {max_age:.0f} s)", beat
    if not beat.get("ok"):
        return 1, f"unhealthy: the bot reports {beat.get('status', 'a problem')}", beat
    storage = (beat.get("storage") or {}).get("state", "unknown")
    reason = (beat.get("storage") or {}).get("reason")
    return (
        0,
        (
            f"healthy: {beat.get('mode', '?')}, heartbeat {age:.0f} s ago, storage {storage}"
            + (f" ({reason})" if reason else "")
        ),
        beat,
    )
