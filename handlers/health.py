"""The bot's health, for a supervisor: the state in one dict (GET /healthz in webhook mode), and a heartbeat file in
the state directory, rewritten every HEARTBEAT_SECONDS while the bot runs (`rights-bot health` reads it; the
Docker image's HEALTHCHECK runs that).

A fresh heartbeat says the process is alive, its event loop turns and the Application (and, polling, the Updater)
is running; it does not say that Telegram is reachable: a network failure is retried inside, and a restart would not
mend it. Neither carries a path, a user id or a text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from telegram.ext import Application

_LOGGER = logging.getLogger("rights_bot")

HEARTBEAT_SECONDS = 30
_STARTED = time.time()


def health_status(app: Application[Any, Any, Any, Any, Any, Any], mode: str) -> dict[str, Any]:
    """ok: the Application runs (and, polling, so does the Updater); storage: open / unavailable (reason) / closed."""
    services = app.bot_data.get("services")
    running = bool(app.running)
    if mode == "polling":
        running = running and app.updater is not None and app.updater.running
    storage = services.storage.state() if services is not None else {"state": "closed"}
    return {
        "ok": running,
        "status": "running" if running else "stopped",
        "mode": mode,
        "storage": storage,
        "pid": os.getpid(),
        "uptime_s": round(time.time() - _STARTED),
        "time": time.time(),
    }


def enable_heartbeat(app: Application[Any, Any, Any, Any, Any, Any], path: Path, mode: str) -> None:
    """Write `path` every HEARTBEAT_SECONDS while the bot runs (the loop starts in post_init); removed at
    shutdown."""
    app.bot_data["heartbeat"] = (path, mode)


def schedule_heartbeat(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """From post_init, on the loop the bot will run on. A task of its own rather than a job: the job queue cannot
    run a job at once, and the first heartbeat should be there as soon as the bot runs."""
    if app.bot_data.get("heartbeat") and "heartbeat_task" not in app.bot_data:
        app.bot_data["heartbeat_task"] = asyncio.get_running_loop().create_task(_beat(app), name="heartbeat")


async def _beat(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    path, mode = app.bot_data["heartbeat"]
    while True:
        status = health_status(app, mode)
        if status["ok"]:
            write_heartbeat(path, status)
        await asyncio.sleep(HEARTBEAT_SECONDS if status["ok"] else 0.5)


def write_heartbeat(path: Path, status: dict[str, Any]) -> None:
    """Atomically (a reader never sees half a file); a failure is logged, never raised."""
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(status), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        _LOGGER.warning("could not write the heartbeat file (%s)", type(exc).__name__)


async def remove_heartbeat(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    task = app.bot_data.pop("heartbeat_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    beat = app.bot_data.get("heartbeat")
    if beat:
        try:
            beat[0].unlink(missing_ok=True)
        except OSError:
            pass
