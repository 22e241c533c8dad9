"""Webhook mode (`telegram.mode: webhook`): the bot's own tornado server, with two routes.

    POST /<webhook_path>   Telegram's updates (checked against the secret token), put on the Application's queue
    GET  /healthz          200 and the bot's state in JSON while it runs (storage included); 503 otherwise

python-telegram-bot's Updater.start_webhook serves only the webhook path, so this is its documented "custom
webhook" set-up (https://docs.python-telegram-bot.org/en/stable/examples.customwebhookbot.html) on the same tornado
PTB's webhooks extra brings: the Application is initialised, started and stopped here with its public methods, and
the webhook is set with Bot.set_webhook. Nothing about a request is logged but its outcome: not the path (it is a
secret), not the body (it holds the users' texts), not the client's address.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.error import BadRequest, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ExtBot
from tornado.httpserver import HTTPServer

from handlers.health import health_status
from handlers.telegram_retry import _seconds as retry_after_seconds

_LOGGER = logging.getLogger("rights_bot")

AnyApp = Application[Any, Any, Any, Any, Any, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _Quiet(tornado.web.RequestHandler):
    """No request line in the logs (tornado's would carry the secret path) and no traceback with the request."""

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            _LOGGER.error("webhook server: %s while answering a request", typ.__name__ if typ else "an error")


class UpdateHandler(_Quiet):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, app: AnyApp, secret_token: str) -> None:
        self.app, self.secret_token = app, secret_token

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if self.secret_token and not hmac.compare_digest(given.encode(), self.secret_token.encode()):
            _LOGGER.warning("webhook: a request without the right secret token was refused")
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.request.headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        try:
            update = Update.de_json(json.loads(self.request.body), self.app.bot)
        except Exception:  # whatever is wrong with it, its content is not logged
            _LOGGER.warning("webhook: an update that could not be read was skipped")
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if isinstance(self.app.bot, ExtBot):
            self.app.bot.insert_callback_data(update)
        await self.app.update_queue.put(update)
        self.set_status(HTTPStatus.OK)


class HealthHandler(_Quiet):
    SUPPORTED_METHODS = ("GET", "HEAD")

    def initialize(self, app: AnyApp) -> None:
        self.app = app

    def get(self) -> None:
        status = health_status(self.app, "webhook")
        self.set_status(HTTPStatus.OK if status["ok"] else HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(status))

    def head(self) -> None:
        self.set_status(HTTPStatus.OK if health_status(self.app, "webhook")["ok"] else HTTPStatus.SERVICE_UNAVAILABLE)


class _App(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Nothing: the path is a secret (see the module docstring)."""


def web_app(app: AnyApp, path: str, secret_token: str) -> tornado.web.Application:
    return _App(
        [
            (rf"/{path.strip('/')}/?", UpdateHandler, {"app": app, "secret_token": secret_token}),
            (r"/healthz", HealthHandler, {"app": app}),
        ]
    )


async def retrying(action: Callable[[], Awaitable[Any]], what: str, retries: int, stop: asyncio.Event) -> bool:
    """Run `action`, retrying Telegram and network failures (not a rejected token, not a request Telegram refused
    as wrong) up to `retries` times, -1 for ever, every 1 s growing to 30 s. False when stopped meanwhile."""
    delay, tries = 1.0, 0
    while not stop.is_set():
        try:
            await action()
            return True
        except (InvalidToken, BadRequest):
            raise
        except TelegramError as exc:
            tries += 1
            if 0 <= retries < tries:
                raise
            wait = retry_after_seconds(exc) + 0.5 if isinstance(exc, RetryAfter) else delay
            _LOGGER.warning("%s failed (%s); trying again in %.0f s", what, type(exc).__name__, wait)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            delay = min(delay * 2, 30.0)
    return False


async def serve_webhook(
    app: AnyApp,
    *,
    listen: str,
    port: int,
    path: str,
    webhook_url: str,
    secret_token: str,
    bootstrap_retries: int = -1,
    allowed_updates: list[str] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the bot by webhook until SIGTERM or SIGINT (or `stop` is set): initialise (retrying the network),
    post_init, listen, set the webhook, start; then stop, post_stop, shutdown, post_shutdown, as run_polling does."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    server: HTTPServer | None = None
    try:
        if not await retrying(app.initialize, "connecting to the Bot API", bootstrap_retries, stop):
            return
        if app.post_init:
            await app.post_init(app)
        server = HTTPServer(web_app(app, path, secret_token), xheaders=True)
        server.listen(port, address=listen)
        if not await retrying(
            lambda: app.bot.set_webhook(
                url=webhook_url, secret_token=secret_token, allowed_updates=allowed_updates or Update.ALL_TYPES
            ),
            "setting the webhook",
            bootstrap_retries,
            stop,
        ):
            return
        await app.start()
        _LOGGER.info("webhook: listening on %s:%d (GET /healthz for the bot's state)", listen, port)
        await stop.wait()
    finally:
        if server is not None:
            server.stop()
            with contextlib.suppress(Exception):
                await server.close_all_connections()
        if app.running:
            await app.stop()
            if app.post_stop:
                await app.post_stop(app)
        with contextlib.suppress(RuntimeError):
            await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
