"""Payment reminders of saved plans as JobQueue jobs: one job per stored reminder (bot/plan/store.py), restored
from the table at start-up (the JobQueue itself keeps nothing across restarts).

Job names carry no user id and no date (APScheduler logs them): an HMAC of the reminder under a key made at
start-up, so that scheduling the same reminder twice replaces it. A user's jobs are found by Job.user_id.
"""

from __future__ import annotations

import datetime as dtm
import hashlib
import hmac
import logging
import secrets
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext

from bot.plan import interview, store
from bot.storage import StorageError
from handlers.context import keyboard

_LOGGER = logging.getLogger("rights_bot.plan")
_NAME_KEY = secrets.token_bytes(16)
PREFIX = "plan-reminder-"


def job_name(r: store.Reminder) -> str:
    digest = hmac.new(_NAME_KEY, f"{r.user_id}:{r.plan_id}:{r.due.isoformat()}".encode(), hashlib.sha256)
    return PREFIX + digest.hexdigest()[:16]


def _storage(app: Application[Any, Any, Any, Any, Any, Any]) -> Any:
    services = app.bot_data.get("services")
    storage = getattr(services, "storage", None)
    return storage if storage is not None and storage.is_open else None


def schedule(app: Application[Any, Any, Any, Any, Any, Any], r: store.Reminder) -> None:
    jq = app.job_queue
    if jq is None:
        return
    name = job_name(r)
    for job in jq.get_jobs_by_name(name):
        job.schedule_removal()
    now = dtm.datetime.now(dtm.UTC)
    when = max(dtm.datetime.fromtimestamp(r.fire_at, dtm.UTC), now + dtm.timedelta(seconds=2))
    jq.run_once(
        reminder_job,
        when=when,
        name=name,
        chat_id=r.chat_id,
        user_id=r.user_id,
        data={"user_id": r.user_id, "plan_id": r.plan_id, "due": r.due.isoformat()},
    )


def jobs_of(app: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> list[Any]:
    jq = app.job_queue
    if jq is None:
        return []
    return [j for j in jq.jobs() if (j.name or "").startswith(PREFIX) and j.user_id == user_id and not j.removed]


def unschedule(app: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    for job in jobs_of(app, user_id):
        job.schedule_removal()


async def reminder_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    job = context.job
    storage = _storage(context.application)
    if job is None or not isinstance(job.data, dict) or storage is None:
        return
    try:
        r = await store.get_reminder(storage, job.data["user_id"], job.data["plan_id"], job.data["due"])
    except StorageError as exc:
        _LOGGER.warning("plan: could not read a reminder (%s)", exc.reason)
        return
    if r is None:  # cancelled, or deleted by /forget
        return
    reply = interview.reminder_message(r.lang, r.due, r.payload.get("lines", []))
    try:
        await context.bot.send_message(r.chat_id, reply.html, reply_markup=keyboard(reply))
    except TelegramError:
        _LOGGER.warning("could not send a plan reminder")
        return
    try:
        await store.delete_reminder(storage, r.user_id, r.plan_id, r.due.isoformat())
        await storage.note_activity(r.user_id)
    except StorageError as exc:
        _LOGGER.warning("plan: could not delete a sent reminder (%s)", exc.reason)


async def restore(app: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Schedule every stored reminder (at start-up). Idempotent."""
    storage = _storage(app)
    if storage is None or app.job_queue is None:
        return 0
    n = 0
    for r in await store.list_reminders(storage):
        if r.due < dtm.datetime.now(store.zone(r.zone)).date():  # the bot was down when it was due: too late
            await store.delete_reminder(storage, r.user_id, r.plan_id, r.due.isoformat())
            continue
        schedule(app, r)
        n += 1
    return n
