"""The Telegram bot: composition root (build_application, run_bot) and the thin handlers.

Everything the bot says is decided in bot.dialogue (no Telegram there); this module only turns updates into
calls and replies into messages. Handler groups, in order (an update goes through every group, at most one
handler per group, until a handler raises ApplicationHandlerStop):

    -20  guard: per-user inbound limit; records that the user was seen (private chats)
    -15  pictures: photos, image files, albums, stickers, PDFs (handlers/photos.py)
    -10  crisis: crisis language in a private text gets support first, before /plan or anything else
      0  /plan (handlers.plan, when present), commands, buttons, texts
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dtm
import logging
import os
import secrets
import sys
from dataclasses import dataclass
from typing import Any, Awaitable, Iterable

from telegram import (BotCommand, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions,
                      Message, TelegramObject, Update)
from telegram.constants import ChatType, MessageEntityType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, ApplicationHandlerStop,
                          BaseRateLimiter, BaseUpdateProcessor, CallbackContext, CallbackQueryHandler, CommandHandler,
                          ContextTypes, ConversationHandler, Defaults, ExtBot, MessageHandler, TypeHandler, filters)
from telegram.request import BaseRequest

from bot.config import LANGUAGES, Settings, load_settings
from bot.dialogue import PLAN_CALLBACK, Analysis, Dialogue, InboundLimiter, Outcome, PendingTexts, Reply, \
    classify, split_reply
from bot.engine import Engine, detect_language
from bot.i18n import gettext_for, normalise_language_code
from bot.redact import SecretFormatter, add_arg_sanitizer, add_secret, install_log_redaction
from bot.storage import Storage
from handlers.persistence import SQLitePersistence

_LOGGER = logging.getLogger("rights_bot")


def N_(message: str) -> str:
    """Mark a string for the catalogue; translated later, in the user's language."""
    return message


COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Start and main menu")),
    ("check", N_("Check a collection message")),
    ("ask", N_("Ask a question")),
    ("rights", N_("Browse your rights")),
    ("region", N_("Choose which law applies")),
    ("lang", N_("Change the language")),
    ("privacy", N_("What I store and how to delete it")),
    ("forget", N_("Delete everything about you")),
    ("help", N_("What I can do")),
    ("cancel", N_("Stop what we are doing")),
]
# language_code of set_my_commands (two-letter ISO 639-1; "" = everyone else) -> our language
COMMAND_MENUS = {"": "zh-Hans", "zh": "zh-Hans", "en": "en"}


# -- the plan feature (issue 4), when present -----------------------------------------------------------------

def _plan_module() -> Any:
    try:
        import handlers.plan as plan  # noqa: PLC0415
    except ImportError:
        return None
    return plan if hasattr(plan, "build_plan_handler") else None


def plan_commands(plan: Any, lang: str) -> list[BotCommand]:
    """handlers.plan.PLAN_COMMANDS as BotCommands in a language. Accepted forms: BotCommand objects, (command,
    English description) pairs (translated with the "plan" catalogue), a {lang: [...]} mapping, or a callable
    taking the language."""
    raw = getattr(plan, "PLAN_COMMANDS", None) if plan else None
    if raw is None:
        return []
    if callable(raw):
        raw = raw(lang)
    if isinstance(raw, dict):
        raw = raw.get(lang) or raw.get("en") or []
    out = []
    _ = gettext_for(lang, "plan")
    for item in raw:
        if isinstance(item, BotCommand):
            out.append(item)
        else:
            command, description = item
            out.append(BotCommand(str(command).lstrip("/"), _(str(description))))
    return out


# -- services shared by the handlers --------------------------------------------------------------------------

@dataclass
class Services:
    engine: Engine
    dialogue: Dialogue
    storage: Storage
    settings: Settings
    limiter: InboundLimiter
    pending: PendingTexts
    persistence: SQLitePersistence | None


class RightsContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context of one update; shared by the handlers of every group that handles that update."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], chat_id: int | None = None,
                 user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.analysis: Analysis | None = None
        self.crisis_sent = False
        self.prefs: tuple[str, str] | None = None

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]  # type: ignore[no-any-return]


class FlushingUpdateProcessor(BaseUpdateProcessor):
    """Processes updates one user at a time (several users at once when max_concurrent_updates > 1) and
    writes the persistence right after each update, so that state survives a crash (`kill -9`)."""

    def __init__(self, max_concurrent_updates: int = 1):
        super().__init__(max_concurrent_updates)
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _update_key(update)
        lock, n = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, n + 1)
        try:
            async with lock:
                await coroutine
                app = self.application
                if app is not None and app.persistence is not None and app.running:
                    await app.update_persistence()
        finally:
            lock, n = self._locks[key]
            if n <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, n - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _update_key(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_user:
            return update.effective_user.id
        if update.effective_chat:
            return update.effective_chat.id
    return 0


# -- building the application ---------------------------------------------------------------------------------

def build_application(*, token: str, engine: Engine, settings: Settings | None = None,
                      storage: Storage | None = None, base_url: str | None = None,
                      request: BaseRequest | None = None, get_updates_request: BaseRequest | None = None,
                      rate_limiter: BaseRateLimiter[Any] | bool = True, persistence: bool = True,
                      job_queue: bool = True, updater: bool = True, concurrent_updates: int | None = None
                      ) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot's Application, fully wired. Tests, the local chat and the benchmark use exactly this."""
    settings = settings or load_settings()
    storage = storage or Storage(settings.database)
    plan = _plan_module()
    dialogue = Dialogue(engine, retention_days=settings.retention_days, plan_available=plan is not None,
                        plan_callback=getattr(plan, "PLAN_START_CALLBACK", PLAN_CALLBACK) if plan else PLAN_CALLBACK)
    tg = settings.telegram
    processor = FlushingUpdateProcessor(concurrent_updates or int(tg.get("concurrent_updates", 1) or 1))
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(token)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=RightsContext))
        .concurrent_updates(processor)
        .post_init(_post_init).post_shutdown(_post_shutdown))
    if base_url:
        api, files = api_urls(base_url)
        builder = builder.base_url(api).base_file_url(files)
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if rate_limiter is True:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    elif rate_limiter:
        builder = builder.rate_limiter(rate_limiter)
    pers = SQLitePersistence(storage) if persistence else None
    if pers is not None:
        builder = builder.persistence(pers)
    if not job_queue:
        builder = builder.job_queue(None)
    if not updater:
        builder = builder.updater(None)
    app = builder.build()
    processor.application = app
    app.bot_data["services"] = Services(engine, dialogue, storage, settings,
                                        InboundLimiter(int(tg.get("user_messages_per_minute", 20))),
                                        PendingTexts(), pers)
    add_handlers(app, plan)
    return app


def api_urls(base: str) -> tuple[str, str]:
    """TELEGRAM_BASE_URL (e.g. http://127.0.0.1:8081 for a self-hosted Bot API server) -> (api, file) bases."""
    base = base.rstrip("/")
    if base.endswith("/bot"):
        base = base[: -len("/bot")]
    return f"{base}/bot", f"{base}/file/bot"


def add_handlers(app: Application[Any, Any, Any, Any, Any, Any], plan: Any = None) -> None:
    # Order matters: see the module docstring.
    app.add_handler(TypeHandler(Update, guard), group=-20)
    from handlers.photos import add_photo_handlers  # noqa: PLC0415  (pictures, group -15: handlers/photos.py)
    add_photo_handlers(app)
    private_text = filters.ChatType.PRIVATE & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
    app.add_handler(MessageHandler(private_text & ~filters.FORWARDED & filters.UpdateType.MESSAGE, crisis_guard),
                    group=-10)
    if plan is not None:
        app.add_handler(plan.build_plan_handler())
    for name, callback in (("start", cmd_start), ("help", cmd_help), ("lang", cmd_lang), ("region", cmd_region),
                           ("privacy", cmd_privacy), ("forget", cmd_forget), ("cancel", cmd_cancel),
                           ("check", cmd_check), ("ask", cmd_ask), ("rights", cmd_rights)):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(private_text & filters.UpdateType.MESSAGE, on_text))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.TEXT & filters.Entity(MessageEntityType.MENTION)
                                   & filters.UpdateType.MESSAGE, on_group_mention))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND & filters.UpdateType.MESSAGE,
                                   on_unknown_command))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.TEXT
                                   & ~filters.CAPTION & ~filters.StatusUpdate.ALL, on_other))
    app.add_error_handler(on_error)


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services: Services = app.bot_data["services"]
    await services.storage.open()
    await set_command_menus(app)
    purged = await services.storage.purge_inactive(services.settings.retention_days)
    _drop_in_memory(app, purged)
    if app.job_queue is not None:
        app.job_queue.run_repeating(retention_job, interval=dtm.timedelta(days=1), first=dtm.timedelta(hours=1),
                                    name="retention")


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await app.bot_data["services"].storage.close()


async def set_command_menus(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    plan = _plan_module()
    for code, lang in COMMAND_MENUS.items():
        _ = gettext_for(lang)
        commands = [BotCommand(c, _(d)) for c, d in COMMANDS]
        extra = plan_commands(plan, lang)
        known = {c.command for c in commands}
        commands[3:3] = [c for c in extra if c.command not in known]
        await app.bot.set_my_commands(commands, language_code=code or None)


async def retention_job(context: RightsContext) -> None:
    """Daily: delete the data of users inactive for `storage.retention_days` days."""
    services = context.services
    purged = await services.storage.purge_inactive(services.settings.retention_days)
    _drop_in_memory(context.application, purged)
    if purged:
        _LOGGER.info("retention: deleted the data of %d inactive user(s)", len(purged))


def _drop_in_memory(app: Application[Any, Any, Any, Any, Any, Any], user_ids: Iterable[int]) -> None:
    services: Services = app.bot_data["services"]
    for uid in user_ids:
        services.pending.forget_user(uid)
        if services.persistence is not None:
            services.persistence.forget_cache(uid)
        if uid in app.user_data:
            app.drop_user_data(uid)
        if uid in app.chat_data:
            app.drop_chat_data(uid)
        for handlers in app.handlers.values():
            for h in handlers:
                if isinstance(h, ConversationHandler):
                    _drop_conversations(h, uid)


def _drop_conversations(handler: ConversationHandler[Any], user_id: int) -> None:
    # PTB has no public call to end one user's conversation; the state lives in this (tracking) dict, and
    # deleting a key there also deletes it from the persistence at the next flush.
    conversations = getattr(handler, "_conversations", None)
    if conversations is None:
        return
    for key in [k for k in list(conversations) if user_id in k]:
        del conversations[key]
    for states in handler.states.values():
        for h in states:
            if isinstance(h, ConversationHandler):
                _drop_conversations(h, user_id)


# -- helpers --------------------------------------------------------------------------------------------------

async def prefs(update: Update, context: RightsContext) -> tuple[str, str]:
    """(language, jurisdiction) of the user: their choice, else Telegram's language_code, else the text."""
    if context.prefs is not None:
        return context.prefs
    services = context.services
    settings = services.settings
    user = update.effective_user
    row = await services.storage.get_user(user.id) if user and services.storage.is_open else None
    lang = (row or {}).get("language")
    if lang not in LANGUAGES:
        lang = normalise_language_code(user.language_code if user else None, default="")
        if not lang:
            msg = update.effective_message
            text = (msg.text or msg.caption or "") if msg else ""
            text = "" if text.startswith("/") else text
            lang = detect_language(services.engine.normaliser.normalise(text[:500]), settings.default_language) \
                if text else settings.default_language
    jur = (row or {}).get("jurisdiction") or settings.default_jurisdiction
    if jur not in services.dialogue.jurisdictions:
        jur = settings.default_jurisdiction
    context.prefs = (lang, jur)
    return context.prefs


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) if b.data is not None
                                  else InlineKeyboardButton(b.label, url=b.url) for b in row]
                                 for row in reply.buttons])


async def send(update: Update, context: RightsContext, replies: Iterable[Reply],
               query: CallbackQuery | None = None) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    for reply in replies:
        for part in split_reply(reply):
            markup = keyboard(part)
            if part.edit and query is not None and isinstance(query.message, Message):
                try:
                    await query.message.edit_text(part.html, reply_markup=markup)
                    continue
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        continue
            await context.bot.send_message(chat.id, part.html, reply_markup=markup)


def _private(update: Update) -> bool:
    return bool(update.effective_chat and update.effective_chat.type == ChatType.PRIVATE)


# -- group -20 and -10 ----------------------------------------------------------------------------------------

async def guard(update: Update, context: RightsContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        return
    services = context.services
    if update.message or update.callback_query:
        allowed, warn = services.limiter.allow(user.id)
        if not allowed:
            if update.callback_query:
                await update.callback_query.answer()
            elif warn and _private(update):
                lang, _ = await prefs(update, context)
                await send(update, context, [services.dialogue.slow_down(lang)])
            raise ApplicationHandlerStop
    if _private(update) or update.callback_query:
        await services.storage.touch(user.id)


async def crisis_guard(update: Update, context: RightsContext) -> None:
    msg = update.effective_message
    if msg is None:
        return
    text = msg.text or msg.caption or ""
    lang, jur = await prefs(update, context)
    context.analysis = analysis = context.services.dialogue.analyse(text, lang, jur)
    if not analysis.crisis:
        return
    await send(update, context, [context.services.dialogue.crisis(lang, jur)])
    context.crisis_sent = True
    mode = context.user_data.get("mode") if context.user_data is not None else None
    if classify(analysis, mode=mode) != "message":
        context.user_data.pop("mode", None)  # type: ignore[union-attr]
        raise ApplicationHandlerStop


# -- commands -------------------------------------------------------------------------------------------------

async def cmd_start(update: Update, context: RightsContext) -> None:
    lang, jur = await prefs(update, context)
    await send(update, context, [context.services.dialogue.start(lang, jur)])


async def cmd_help(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    await send(update, context, [context.services.dialogue.help(lang)])


async def cmd_privacy(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    await send(update, context, [context.services.dialogue.privacy(lang)])


async def cmd_lang(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    await send(update, context, [context.services.dialogue.lang_menu(lang)])


async def cmd_region(update: Update, context: RightsContext) -> None:
    lang, jur = await prefs(update, context)
    await send(update, context, [context.services.dialogue.region_menu(lang, jur)])


async def cmd_rights(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    await send(update, context, [context.services.dialogue.rights_page(lang, 0)])


async def cmd_forget(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    if not _private(update):
        await send(update, context, [context.services.dialogue.group_redirect(lang, context.bot.username)])
        return
    await send(update, context, [context.services.dialogue.forget_confirm(lang)])


async def cmd_cancel(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    if context.user_data is not None:
        context.user_data.pop("mode", None)
    await send(update, context, [context.services.dialogue.cancelled(lang)])


async def cmd_check(update: Update, context: RightsContext) -> None:
    await _mode_command(update, context, "check")


async def cmd_ask(update: Update, context: RightsContext) -> None:
    await _mode_command(update, context, "ask")


async def _mode_command(update: Update, context: RightsContext, mode: str) -> None:
    lang, jur = await prefs(update, context)
    dialogue = context.services.dialogue
    if not _private(update):
        if mode == "check":
            await send(update, context, [dialogue.group_redirect(lang, context.bot.username)])
            return
    text = " ".join(context.args or []).strip()
    msg = update.effective_message
    if text and msg is not None and msg.text:
        # keep the user's own line breaks: everything after the command itself
        entity_end = next((e.offset + e.length for e in msg.entities if e.type == MessageEntityType.BOT_COMMAND
                           and e.offset == 0), 0)
        text = msg.text[entity_end:].strip() or text
    if not text:
        if _private(update) and context.user_data is not None:
            context.user_data["mode"] = mode
        await send(update, context, [dialogue.prompt_check(lang) if mode == "check" else dialogue.prompt_ask(lang)])
        return
    analysis = dialogue.analyse(text, lang, jur)
    await send(update, context, dialogue.respond(analysis, lang, jur, kind="message" if mode == "check" else
                                                 "question"))


async def on_unknown_command(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    await send(update, context, [context.services.dialogue.unknown_command(lang)])


# -- texts ----------------------------------------------------------------------------------------------------

async def on_text(update: Update, context: RightsContext) -> None:
    msg = update.effective_message
    user = update.effective_user
    if msg is None or user is None:
        return
    text = msg.text or msg.caption or ""
    lang, jur = await prefs(update, context)
    services = context.services
    dialogue = services.dialogue
    analysis = context.analysis or dialogue.analyse(text, lang, jur)
    mode = context.user_data.pop("mode", None) if context.user_data is not None else None
    forwarded = msg.forward_origin is not None
    kind = classify(analysis, forwarded=forwarded, mode=mode)
    token = services.pending.put(user.id, text) if kind == "ambiguous" else None
    await send(update, context, dialogue.respond(analysis, lang, jur, kind=kind,
                                                 crisis_done=context.crisis_sent or forwarded, pending_token=token))


async def on_group_mention(update: Update, context: RightsContext) -> None:
    msg = update.effective_message
    username = context.bot.username
    if msg is None or not msg.text or not username:
        return
    mentions = msg.parse_entities([MessageEntityType.MENTION])
    if not any(v.lstrip("@").lower() == username.lower() for v in mentions.values()):
        return
    text = msg.text
    for entity, value in mentions.items():
        if value.lstrip("@").lower() == username.lower():
            text = text.replace(value, " ")
    text = text.strip()
    lang, jur = await prefs(update, context)
    dialogue = context.services.dialogue
    if not text:
        await send(update, context, [dialogue.group_hint(lang)])
        return
    analysis = dialogue.analyse(text, lang, jur)
    kind = classify(analysis, forwarded=msg.forward_origin is not None)
    if kind != "question" and not analysis.crisis:
        # never assess someone's messages in front of a group
        await send(update, context, [dialogue.group_redirect(lang, username)])
        return
    await send(update, context, dialogue.respond(analysis, lang, jur, kind="question"))


async def on_other(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    await send(update, context, [context.services.dialogue.text_only(lang)])


# -- buttons --------------------------------------------------------------------------------------------------

async def on_button(update: Update, context: RightsContext) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    data = query.data or ""
    services = context.services
    dialogue = services.dialogue
    lang, jur = await prefs(update, context)
    parts = data.split(":")
    head = parts[0]
    outcome = Outcome()
    if head == "m" and len(parts) == 2:
        if parts[1] == "check" and not _private(update):
            outcome.replies = [dialogue.group_redirect(lang, context.bot.username)]
        elif parts[1] in ("check", "ask"):
            if _private(update) and context.user_data is not None:
                context.user_data["mode"] = parts[1]
            outcome.replies = [dialogue.prompt_check(lang) if parts[1] == "check" else dialogue.prompt_ask(lang)]
        elif parts[1] == "rights":
            outcome.replies = [dialogue.rights_page(lang, 0)]
        else:
            outcome.replies = [dialogue.help(lang)]
    elif data == dialogue.plan_callback:
        outcome = dialogue.plan_unavailable(lang)
    elif head == "a" and len(parts) == 3:
        outcome = dialogue.detail(parts[1], parts[2], lang, jur)
    elif head == "t" and len(parts) == 2:
        outcome.replies = [dialogue.topic(parts[1], lang, jur)]
    elif head == "rp" and len(parts) == 2 and parts[1].isdigit():
        outcome.replies = [dialogue.rights_page(lang, int(parts[1]), edit=True)]
    elif head == "fb" and len(parts) == 4:
        for kind, ref in dialogue.feedback_refs(parts[1], parts[2]):
            await services.storage.add_feedback(user.id, kind, ref, 1 if parts[3] == "u" else -1)
        outcome.toast = dialogue.feedback_thanks(lang)
        await _remove_feedback_row(query)
    elif head == "amb" and len(parts) == 3:
        text = services.pending.pop(user.id, parts[2])
        if text is None:
            outcome = dialogue.expired(lang)
        else:
            await _remove_keyboard(query)
            analysis = dialogue.analyse(text, lang, jur)
            outcome.replies = dialogue.respond(analysis, lang, jur, kind="message" if parts[1] == "m" else "question")
    elif head == "lang" and len(parts) == 2 and parts[1] in LANGUAGES:
        await services.storage.set_user(user.id, language=parts[1])
        context.prefs = (parts[1], jur)
        outcome = dialogue.lang_set(parts[1], jur)
    elif head == "reg" and len(parts) == 2 and parts[1] in dialogue.jurisdictions:
        await services.storage.set_user(user.id, jurisdiction=parts[1])
        context.prefs = (lang, parts[1])
        outcome = dialogue.region_set(lang, parts[1])
    elif data == "fg:yes":
        await forget_user(context.application, user.id)
        outcome = dialogue.forgotten(lang)
    elif data == "fg:no":
        outcome = dialogue.forget_cancelled(lang)
    else:
        outcome = dialogue.expired(lang)
    await query.answer(outcome.toast, show_alert=outcome.alert)
    await send(update, context, outcome.replies, query=query)


async def _remove_feedback_row(query: CallbackQuery) -> None:
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [row for row in message.reply_markup.inline_keyboard
            if not any((b.callback_data or "").startswith("fb:") for b in row)]
    try:
        await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
    except BadRequest:
        pass


async def _remove_keyboard(query: CallbackQuery) -> None:
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        try:
            await query.message.edit_reply_markup(None)
        except BadRequest:
            pass


async def forget_user(app: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    """/forget: every row about the user (profile, feedback, persisted data, conversations) and memory."""
    services: Services = app.bot_data["services"]
    await services.storage.forget(user_id)
    services.limiter.forget_user(user_id)
    _drop_in_memory(app, [user_id])
    if user_id in app.chat_data:
        app.drop_chat_data(user_id)


# -- errors ---------------------------------------------------------------------------------------------------

async def on_error(update: object, context: RightsContext) -> None:
    _LOGGER.error("error while handling update %s", getattr(update, "update_id", "-"), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query:
            await update.callback_query.answer()
    except TelegramError:
        pass
    try:
        lang, _ = await prefs(update, context)
    except Exception:  # the storage itself may be what failed
        user = update.effective_user
        lang = normalise_language_code(user.language_code if user else None,
                                       default=context.services.settings.default_language)
    try:
        await context.bot.send_message(update.effective_chat.id, context.services.dialogue.error(lang).html)
    except (TelegramError, Forbidden):
        _LOGGER.warning("could not tell the user about the error")


# -- logging --------------------------------------------------------------------------------------------------

_PERSONAL_KEYS = ("text", "caption", "query", "first_name", "last_name", "username", "phone_number", "title")


def _summarise_log_arg(arg: Any) -> Any:
    """Log updates and messages by id only: user texts never reach a log line."""
    if isinstance(arg, Update):
        return f"<update {arg.update_id}>"
    if isinstance(arg, TelegramObject):
        ident = getattr(arg, "message_id", None) or getattr(arg, "id", None)
        return f"<{type(arg).__name__} {ident}>" if ident is not None else f"<{type(arg).__name__}>"
    if isinstance(arg, dict):
        return {k: (f"<{len(v)} characters>" if k in _PERSONAL_KEYS and isinstance(v, str)
                    else _summarise_log_arg(v)) for k, v in arg.items()}
    if isinstance(arg, (list, tuple)) and arg and isinstance(arg[0], (TelegramObject, dict)):
        return type(arg)(_summarise_log_arg(a) for a in arg)
    return arg


def configure_logging(level: str | int | None = None, token: str | None = None) -> None:
    """Root logging to stderr with the token (and any bot-token-like string) masked everywhere.

    httpx logs every request URL, which contains the token, at INFO: it is set to WARNING as well, and so is
    aiosqlite, whose DEBUG lines carry the stored rows.
    """
    if token:
        add_secret(token)
    add_arg_sanitizer(_summarise_log_arg)
    install_log_redaction()
    lvl = level if isinstance(level, int) else getattr(logging, str(level or "INFO").upper(), logging.INFO)
    root = logging.getLogger()
    root.setLevel(lvl)
    if not any(getattr(h, "_rights_bot", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(SecretFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._rights_bot = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for noisy in ("httpx", "httpcore", "aiosqlite"):
        logging.getLogger(noisy).setLevel(max(lvl, logging.WARNING))


# -- running --------------------------------------------------------------------------------------------------

async def start_application(app: Application[Any, Any, Any, Any, Any, Any], *, polling: bool = True,
                            poll_timeout: float = 10.0) -> None:
    """initialize -> post_init -> start (-> polling): what run_polling does, for tests and tools."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    if polling and app.updater is not None:
        await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=poll_timeout),
                                        allowed_updates=Update.ALL_TYPES)


async def stop_application(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_stop:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


def run_bot(args: argparse.Namespace | None = None) -> int:
    """`rights-bot run`: the Telegram bot, by long polling (or a webhook, by config), until SIGTERM/SIGINT."""
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    configure_logging(os.environ.get("RIGHTS_BOT_LOG_LEVEL", "INFO"), token)
    if not token:
        print("rights-bot: TELEGRAM_BOT_TOKEN is not set (try `rights-bot chat` for a local chat)", file=sys.stderr)
        return 2
    from bot.kb.loader import KBInvalid  # noqa: PLC0415

    settings = load_settings()
    try:
        engine = Engine.load(settings=settings)
    except KBInvalid as exc:
        _LOGGER.error("the knowledge base is invalid; the bot does not start:\n%s", exc)
        return 1
    app = build_application(token=token, engine=engine, settings=settings,
                            base_url=os.environ.get("TELEGRAM_BASE_URL") or None)
    tg = settings.telegram
    try:
        if tg.get("mode", "polling") == "webhook":
            path = str(tg.get("webhook_path") or secrets.token_urlsafe(24))
            url = str(tg.get("webhook_url") or "").rstrip("/")
            if not url:
                _LOGGER.error("telegram.mode is webhook but telegram.webhook_url is empty")
                return 2
            app.run_webhook(listen=str(tg.get("webhook_listen", "127.0.0.1")), port=int(tg.get("webhook_port", 8443)),
                            url_path=path, webhook_url=f"{url}/{path}",
                            secret_token=os.environ.get("TELEGRAM_WEBHOOK_SECRET") or secrets.token_urlsafe(32),
                            allowed_updates=Update.ALL_TYPES)
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        _LOGGER.error("the Bot API server rejected the token (TELEGRAM_BOT_TOKEN)")
        return 1
    except TelegramError as exc:
        _LOGGER.error("could not start the bot: %s", exc)
        return 1
    return 0


__all__ = ["build_application", "run_bot", "start_application", "stop_application", "configure_logging",
           "forget_user", "Services", "RightsContext", "COMMANDS"]
