"""Every request to the Bot API goes through `PatientRateLimiter`: the optional throttle of python-telegram-bot
(AIORateLimiter: Telegram's 30 messages a second) plus retries with backoff, within a bound.

- 429 Too Many Requests: wait `retry_after`, for that request only (other chats are not held up), and retry;
- 500, 502, a dropped connection or another transport error: retry after 0.5 s, 1 s, 2 s …;
- either way at most MAX_ATTEMPTS tries and MAX_WAIT seconds of waiting, then the error is raised (and the
  user told once, by handlers.app.on_error);
- a 400/403/401, or a timed-out read (the request may have reached Telegram: sending it again could deliver the
  reply twice), is raised at once. Reads wait READ_TIMEOUT seconds, so a slow answer is still an answer.
getUpdates is not retried here: the Updater has its own loop for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import AIORateLimiter, BaseRateLimiter

_LOGGER = logging.getLogger("rights_bot")

# Opt in to python-telegram-bot 23's time periods (timedelta): without it, PTB warns inside RetryAfter itself
# on every 429, and a warning turned into an error would lose the retry.
os.environ.setdefault("PTB_TIMEDELTA", "1")

MAX_ATTEMPTS = 6
MAX_WAIT = 60.0
FIRST_BACKOFF = 0.5
READ_TIMEOUT = 30.0


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns that retry_after will become a timedelta: either is read
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class PatientRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        throttle: AIORateLimiter | None = None,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        max_wait: float = MAX_WAIT,
        first_backoff: float = FIRST_BACKOFF,
    ):
        self.throttle = throttle
        self.max_attempts, self.max_wait, self.first_backoff = max_attempts, max_wait, first_backoff

    async def initialize(self) -> None:
        if self.throttle is not None:
            await self.throttle.initialize()

    async def shutdown(self) -> None:
        if self.throttle is not None:
            await self.throttle.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint == "getUpdates":
            return await callback(*args, **kwargs)
        waited, backoff = 0.0, self.first_backoff
        for attempt in range(1, self.max_attempts + 1):
            try:
                if self.throttle is not None:
                    return await self.throttle.process_request(callback, args, kwargs, endpoint, data, None)
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                error: Exception = exc
                wait = _seconds(exc) + 0.1
            except (BadRequest, Forbidden, InvalidToken, ChatMigrated, Conflict, TimedOut):
                raise
            except NetworkError as exc:
                error = exc
                wait, backoff = backoff, backoff * 2
            if attempt == self.max_attempts or waited + wait > self.max_wait:
                _LOGGER.warning("%s failed %d time(s); giving up", endpoint, attempt)
                raise error
            _LOGGER.info("%s failed; retrying in %.1f s", endpoint, wait)
            await asyncio.sleep(wait)
            waited += wait
        raise AssertionError("unreachable")  # pragma: no cover
