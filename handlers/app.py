"""The Telegram bot: composition root (build_application, run_bot) and the thin handlers.

Everything the bot says is decided in bot.dialogue and bot.plan.interview (no Telegram there); this module only
turns updates into calls and replies into messages. Handler groups, in order (an update goes through every
group, at most one handler per group, until a handler raises ApplicationHandlerStop):

    -20  guard: the parts of a long paste are joined; per-user inbound limit (buttons and answers to the
         interview's questions do not count); records that the user was seen (private chats)
    -15  pictures: photos, image files, albums, stickers, PDFs (handlers/photos.py)
    -10  crisis: crisis language in a private text gets support first, before /plan or anything else
      0  /plan (handlers.plan), commands, one handler per kind of button (bot.callback_data), texts
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dtm
import logging
import os
import secrets
import sys
from collections.abc import Iterable
from typing import Any

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    TelegramObject,
    Update,
)
from telegram.constants import MessageEntityType, ParseMode
from telegram.error import BadRequest, InvalidToken, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import callback_data as cb
from bot.config import ConfigInvalid, Settings, load_settings, secret, telegram_token
from bot.dialogue import Dialogue, InboundLimiter, Outcome, PendingTexts, classify
from bot.engine import Engine
from bot.i18n import gettext_for, normalise_language_code
from bot.redact import (
    JsonFormatter,
    SecretFormatter,
    add_arg_sanitizer,
    add_secret,
    install_log_redaction,
    redact,
    summarise_for_log,
)
from bot.storage import Storage, StorageError
from handlers import plan, reminders
from handlers.context import (
    RightsContext,
    Services,
    analyse,
    answer_query,
    prefs,
    private,
    remove_keyboard,
    send,
    update_text,
)
from handlers.health import enable_heartbeat, remove_heartbeat, schedule_heartbeat
from handlers.persistence import SQLitePersistence
from handlers.telegram_retry import READ_TIMEOUT, PatientRateLimiter
from handlers.update_flow import FlushingUpdateProcessor, PasteJoiner, ScreeningRequest

_LOGGER = logging.getLogger("rights_bot")

DEFAULT_CONCURRENT_UPDATES = 8
FORGET_RETRY_DELAYS = (1, 2, 4, 8, 15, 30, 60, 120, 300)  # seconds between tries of a /forget that failed


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


def plan_commands(lang: str) -> list[BotCommand]:
    _ = gettext_for(lang, "plan")
    return [BotCommand(command, _(description)) for command, description in plan.PLAN_COMMANDS]


# -- building the application ---------------------------------------------------------------------------------


def build_application(
    *,
    token: str,
    engine: Engine,
    settings: Settings | None = None,
    storage: Storage | None = None,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | bool = True,
    persistence: bool = True,
    job_queue: bool = True,
    updater: bool = True,
    concurrent_updates: int | None = None,
    join_pastes: bool = True,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot's Application, fully wired. Tests, the local chat and the benchmark use exactly this."""
    settings = settings or load_settings()
    storage = storage or Storage(settings.database)
    dialogue = Dialogue(engine, retention_days=settings.retention_days, plan_available=True)
    tg = settings.telegram
    processor = FlushingUpdateProcessor(
        concurrent_updates or int(tg.get("concurrent_updates") or DEFAULT_CONCURRENT_UPDATES)
    )
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(token)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=RightsContext))
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if base_url:
        api, files = api_urls(base_url)
        builder = builder.base_url(api).base_file_url(files)
    if request is not None:
        builder = builder.request(request)
    else:  # a slow answer is waited for rather than taken for a failure (and apologised for)
        builder = builder.read_timeout(READ_TIMEOUT).write_timeout(READ_TIMEOUT)
    builder = builder.get_updates_request(get_updates_request or ScreeningRequest(connection_pool_size=1))
    if rate_limiter is True:
        builder = builder.rate_limiter(PatientRateLimiter(AIORateLimiter(max_retries=0)))
    elif isinstance(rate_limiter, AIORateLimiter):
        builder = builder.rate_limiter(PatientRateLimiter(rate_limiter))
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
    pastes = PasteJoiner(enabled=join_pastes)
    pastes.processor, pastes.application = processor, app
    pastes.handle = lambda update, text: handle_joined_text(app, update, text)
    app.bot_data["services"] = Services(
        engine,
        dialogue,
        storage,
        settings,
        InboundLimiter(int(tg.get("user_messages_per_minute", 20))),
        PendingTexts(),
        pers,
        pastes,
    )
    add_handlers(app)
    return app


def api_urls(base: str) -> tuple[str, str]:
    """TELEGRAM_BASE_URL (e.g. http://127.0.0.1:8081 for a self-hosted Bot API server) -> (api, file) bases."""
    base = base.rstrip("/")
    if base.endswith("/bot"):
        base = base[: -len("/bot")]
    return f"{base}/bot", f"{base}/file/bot"


def add_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Order matters: see the module docstring.
    app.add_handler(TypeHandler(Update, guard), group=-20)
    from handlers.photos import add_photo_handlers  # noqa: PLC0415  (pictures, group -15: handlers/photos.py)

    add_photo_handlers(app)
    private_text = filters.ChatType.PRIVATE & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
    app.add_handler(
        MessageHandler(private_text & ~filters.FORWARDED & filters.UpdateType.MESSAGE, crisis_guard), group=-10
    )
    plan.add_plan_handlers(app)
    for name, callback in (
        ("start", cmd_start),
        ("help", cmd_help),
        ("lang", cmd_lang),
        ("region", cmd_region),
        ("privacy", cmd_privacy),
        ("forget", cmd_forget),
        ("cancel", cmd_cancel),
        ("check", cmd_check),
        ("ask", cmd_ask),
        ("rights", cmd_rights),
    ):
        app.add_handler(CommandHandler(name, callback))
    for kind, callback in (
        (cb.MENU, on_menu),
        (cb.DETAIL, on_detail),
        (cb.TOPIC, on_topic),
        (cb.TOPIC_IN, on_topic),
        (cb.TOPIC_DETAIL, on_topic_detail),
        (cb.RIGHTS_PAGE, on_rights_page),
        (cb.FEEDBACK, on_feedback),
        (cb.AMBIGUOUS, on_ambiguous),
        (cb.LANGUAGE, on_language),
        (cb.REGION, on_region),
        (cb.FORGET, on_forget),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=kind.pattern))
    app.add_handler(CallbackQueryHandler(on_unknown_button))  # forged, or from an older version
    app.add_handler(MessageHandler(private_text & filters.UpdateType.MESSAGE, on_text))
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS
            & filters.TEXT
            & filters.Entity(MessageEntityType.MENTION)
            & filters.UpdateType.MESSAGE,
            on_group_mention,
        )
    )
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND & filters.UpdateType.MESSAGE, on_unknown_command)
    )
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & ~filters.TEXT
            & ~filters.CAPTION
            & ~filters.StatusUpdate.ALL,
            on_other,
        )
    )
    app.add_error_handler(on_error)


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services: Services = app.bot_data["services"]
    await set_command_menus(app)
    opened = await services.storage.open_or_degrade()
    schedule_heartbeat(app)  # `rights-bot run` only (handlers/health.py)
    if not opened:
        return
    try:
        purged = await services.storage.purge_inactive(services.settings.retention_days)
        _drop_in_memory(app, purged)
        n = await reminders.restore(app)
    except StorageError as exc:
        _LOGGER.error("could not purge old data or restore reminders at start-up (%s)", exc.reason)
    else:
        if n:
            _LOGGER.info("plan: %d reminder(s) scheduled", n)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            retention_job, interval=dtm.timedelta(days=1), first=dtm.timedelta(hours=1), name="retention"
        )


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await remove_heartbeat(app)
    await app.bot_data["services"].storage.close()


async def set_command_menus(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for code, lang in COMMAND_MENUS.items():
        _ = gettext_for(lang)
        commands = [BotCommand(c, _(d)) for c, d in COMMANDS]
        known = {c.command for c in commands}
        commands[3:3] = [c for c in plan_commands(lang) if c.command not in known]
        try:
            await app.bot.set_my_commands(commands, language_code=code or None)
        except TelegramError as exc:  # the menu is a convenience: never a reason not to start
            _LOGGER.warning("could not set the command menu (%s)", type(exc).__name__)


async def retention_job(context: RightsContext) -> None:
    """Daily: delete the data of users inactive for `storage.retention_days` days (pending reminders count as
    activity)."""
    services = context.services
    if not services.storage.is_open:
        return
    purged = await services.storage.purge_inactive(services.settings.retention_days)
    _drop_in_memory(context.application, purged)
    if purged:
        _LOGGER.info("retention: deleted the data of %d inactive user(s)", len(purged))


def _drop_in_memory(app: Application[Any, Any, Any, Any, Any, Any], user_ids: Iterable[int]) -> None:
    """Everything about these users held in this process: persisted data, texts waiting for a decision, held
    paste parts, the inbound limit, delivered plans and reminder jobs."""
    services: Services = app.bot_data["services"]
    for uid in user_ids:
        services.pending.forget_user(uid)
        services.pastes.forget_user(uid)
        services.limiter.forget_user(uid)
        plan.forget_user(app, uid)
        if services.persistence is not None:
            services.persistence.forget_cache(uid)
        if uid in app.user_data:
            app.drop_user_data(uid)
        if uid in app.chat_data:
            app.drop_chat_data(uid)


# -- group -20 and -10 ----------------------------------------------------------------------------------------


async def guard(update: Update, context: RightsContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        return
    services = context.services
    msg = update.message
    if msg is not None and private(update) and msg.text and not msg.text.startswith("/"):
        if services.pastes.offer(user.id, update, msg.text):
            raise ApplicationHandlerStop  # a part of a long paste: handled with the rest
    elif services.pastes.holding(user.id):
        await services.pastes.release(user.id)  # keep the order: the held paste first
    if msg is not None and not (private(update) and plan.is_answering(context)):
        allowed, warn = services.limiter.allow(user.id)
        if not allowed:
            if warn and private(update):
                lang, _ = await prefs(update, context)
                await send(update, context, [services.dialogue.slow_down(lang, services.limiter.retry_in(user.id))])
            raise ApplicationHandlerStop
    if private(update) or update.callback_query:
        await services.storage.touch(user.id)


async def crisis_guard(update: Update, context: RightsContext) -> None:
    analysis = await analyse(update, context)
    if not analysis.crisis:
        return
    lang, _ = await prefs(update, context)
    dialogue = context.services.dialogue
    mode = context.user_data.get("mode") if context.user_data is not None else None
    if plan.is_answering(context) and not mode:
        # the interview keeps the answer: support first, then the next question
        await send(update, context, [dialogue.crisis_banner(lang, analysis.audience)])
        context.crisis_sent = True
        return
    if classify(analysis, mode=mode) == "message":
        await send(update, context, [dialogue.crisis_banner(lang, analysis.audience, "assessment")])
        context.crisis_sent = True
        return
    await send(update, context, [dialogue.crisis_reply(analysis, lang)])  # support, then the answer
    context.crisis_sent = True
    if context.user_data is not None:
        context.user_data.pop("mode", None)
    raise ApplicationHandlerStop


async def handle_joined_text(app: Application[Any, Any, Any, Any, Any, Any], update: Update, text: str) -> None:
    """The parts of one long paste, as one text: what groups -10 and 0 do with a text."""
    context = RightsContext.from_update(update, app)
    context.text_override = text
    msg = update.effective_message
    try:
        if msg is not None and msg.forward_origin is None:
            await crisis_guard(update, context)
        await on_text(update, context)
    except ApplicationHandlerStop:
        pass


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
    if not private(update):
        await send(update, context, [context.services.dialogue.group_redirect(lang, context.bot.username)])
        return
    await send(update, context, [context.services.dialogue.forget_confirm(lang)])


async def cmd_cancel(update: Update, context: RightsContext) -> None:
    if await plan.cmd_cancel(update, context):
        return
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
    if not private(update) and mode == "check":
        await send(update, context, [dialogue.group_redirect(lang, context.bot.username)])
        return
    text = " ".join(context.args or []).strip()
    msg = update.effective_message
    if text and msg is not None and msg.text:
        # keep the user's own line breaks: everything after the command itself
        entity_end = next(
            (e.offset + e.length for e in msg.entities if e.type == MessageEntityType.BOT_COMMAND and e.offset == 0), 0
        )
        text = msg.text[entity_end:].strip() or text
    if not text:
        if private(update) and context.user_data is not None:
            context.user_data["mode"] = mode
        await send(update, context, [dialogue.prompt_check(lang) if mode == "check" else dialogue.prompt_ask(lang)])
        return
    context.text_override = text
    await send(
        update,
        context,
        dialogue.respond(await analyse(update, context), lang, jur, kind="message" if mode == "check" else "question"),
    )


async def on_unknown_command(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    await send(update, context, [context.services.dialogue.unknown_command(lang)])


# -- texts ----------------------------------------------------------------------------------------------------


async def on_text(update: Update, context: RightsContext) -> None:
    msg = update.effective_message
    user = update.effective_user
    if msg is None or user is None:
        return
    if not (context.user_data or {}).get("mode") and await plan.take_text(update, context):
        return
    lang, jur = await prefs(update, context)
    services = context.services
    dialogue = services.dialogue
    analysis = await analyse(update, context)
    mode = context.user_data.pop("mode", None) if context.user_data is not None else None
    forwarded = msg.forward_origin is not None
    kind = classify(analysis, forwarded=forwarded, mode=mode)
    token = services.pending.put(user.id, update_text(update, context)) if kind == "ambiguous" else None
    replies = dialogue.respond(
        analysis, lang, jur, kind=kind, crisis_done=context.crisis_sent or forwarded, pending_token=token
    )
    if context.plan_paused_now:
        replies.append(plan.interview.paused_hint(lang))
    await send(update, context, replies)


async def on_group_mention(update: Update, context: RightsContext) -> None:
    msg = update.effective_message
    username = context.bot.username
    if msg is None or not msg.text or not username:
        return
    mentions = msg.parse_entities([MessageEntityType.MENTION])
    if not any(v.lstrip("@").lower() == username.lower() for v in mentions.values()):
        return
    text = msg.text
    for value in mentions.values():
        if value.lstrip("@").lower() == username.lower():
            text = text.replace(value, " ")
    context.text_override = text.strip()
    lang, jur = await prefs(update, context)
    dialogue = context.services.dialogue
    if not context.text_override:
        await send(update, context, [dialogue.group_hint(lang)])
        return
    analysis = await analyse(update, context)
    kind = classify(analysis, forwarded=msg.forward_origin is not None)
    if kind != "question" and not analysis.crisis:
        # never assess someone's messages in front of a group
        await send(update, context, [dialogue.group_redirect(lang, username)])
        return
    await send(update, context, dialogue.respond(analysis, lang, jur, kind="question"))


async def on_other(update: Update, context: RightsContext) -> None:
    if await plan.on_other_in_interview(update, context):
        return
    lang, _ = await prefs(update, context)
    await send(update, context, [context.services.dialogue.text_only(lang)])


# -- buttons (one handler per kind of bot.callback_data) ---------------------------------------------------------


async def _finish(update: Update, context: RightsContext, outcome: Outcome) -> None:
    query = update.callback_query
    await answer_query(context, query, outcome.toast, outcome.alert)
    await send(update, context, outcome.replies, query=query)


def _values(update: Update, kind: cb.Kind) -> tuple[str, ...]:
    values = kind.decode(update.callback_query.data if update.callback_query else None)
    if values is None:  # the handler was routed by this very pattern
        raise ValueError(f"callback data does not match {kind.prefix}")
    return values


async def on_menu(update: Update, context: RightsContext) -> None:
    (item,) = _values(update, cb.MENU)
    lang, _ = await prefs(update, context)
    dialogue = context.services.dialogue
    if item == "check" and not private(update):
        replies = [dialogue.group_redirect(lang, context.bot.username)]
    elif item in ("check", "ask"):
        if private(update) and context.user_data is not None:
            context.user_data["mode"] = item
        replies = [dialogue.prompt_check(lang) if item == "check" else dialogue.prompt_ask(lang)]
    elif item == "rights":
        replies = [dialogue.rights_page(lang, 0)]
    elif item == "region":
        replies = [dialogue.region_menu(lang, (await prefs(update, context))[1])]
    else:
        replies = [dialogue.help(lang)]
    await _finish(update, context, Outcome(replies))


async def on_detail(update: Update, context: RightsContext) -> None:
    what, region, ids = _values(update, cb.DETAIL)
    lang, _ = await prefs(update, context)
    await _finish(update, context, context.services.dialogue.detail(what, f"{region}:{ids}", lang))


async def on_topic(update: Update, context: RightsContext) -> None:
    """A topic, under the law its button names (the one its question was answered under), else the user's."""
    data = update.callback_query.data if update.callback_query else None
    lang, jur = await prefs(update, context)
    within = cb.TOPIC_IN.decode(data)
    topic, region = (within[0], within[1]) if within else (_values(update, cb.TOPIC)[0], jur)
    await _finish(update, context, Outcome([context.services.dialogue.topic(topic, lang, region)]))


async def on_topic_detail(update: Update, context: RightsContext) -> None:
    what, topic, region = _values(update, cb.TOPIC_DETAIL)
    lang, _ = await prefs(update, context)
    await _finish(update, context, context.services.dialogue.topic_detail(what, topic, lang, region))


async def on_rights_page(update: Update, context: RightsContext) -> None:
    (page,) = _values(update, cb.RIGHTS_PAGE)
    lang, _ = await prefs(update, context)
    await _finish(update, context, Outcome([context.services.dialogue.rights_page(lang, int(page), edit=True)]))


async def on_feedback(update: Update, context: RightsContext) -> None:
    kind, ref, vote = _values(update, cb.FEEDBACK)
    lang, _ = await prefs(update, context)
    dialogue, storage = context.services.dialogue, context.services.storage
    user = update.effective_user
    if user is not None and storage.is_open:
        try:
            for item_kind, item in dialogue.feedback_refs(kind, ref):
                await storage.add_feedback(user.id, item_kind, item, 1 if vote == "u" else -1)
        except StorageError as exc:  # a thank-you all the same: the vote is not worth an apology
            _LOGGER.warning("could not store feedback (%s)", exc.reason)
    await _finish(update, context, Outcome(toast=dialogue.feedback_thanks(lang)))
    if update.callback_query is not None:
        await _remove_feedback_row(update.callback_query)


async def on_ambiguous(update: Update, context: RightsContext) -> None:
    what, token = _values(update, cb.AMBIGUOUS)
    lang, jur = await prefs(update, context)
    services = context.services
    user = update.effective_user
    text = services.pending.pop(user.id, token) if user else None
    if text is None:
        await _finish(update, context, services.dialogue.expired(lang))
        return
    if update.callback_query is not None:
        await remove_keyboard(update.callback_query)
    context.text_override = text
    replies = services.dialogue.respond(
        await analyse(update, context), lang, jur, kind="message" if what == "m" else "question"
    )
    await _finish(update, context, Outcome(replies))


async def on_language(update: Update, context: RightsContext) -> None:
    (lang,) = _values(update, cb.LANGUAGE)
    _old, jur = await prefs(update, context)
    await _save_setting(update, context, language=lang)
    context.prefs = (lang, jur)
    await _finish(update, context, context.services.dialogue.lang_set(lang, jur))


async def on_region(update: Update, context: RightsContext) -> None:
    (jur,) = _values(update, cb.REGION)
    lang, _old = await prefs(update, context)
    dialogue = context.services.dialogue
    if jur not in dialogue.jurisdictions:
        await _finish(update, context, dialogue.expired(lang))
        return
    await _save_setting(update, context, jurisdiction=jur)
    context.prefs = (lang, jur)
    await _finish(update, context, dialogue.region_set(lang, jur))


async def _save_setting(update: Update, context: RightsContext, **fields: str) -> None:
    user = update.effective_user
    storage = context.services.storage
    if user is None or not storage.is_open:
        return
    try:
        await storage.set_user(user.id, **fields)
    except StorageError as exc:  # it applies to this reply; the next may forget it
        _LOGGER.warning("could not store a setting (%s)", exc.reason)


async def on_forget(update: Update, context: RightsContext) -> None:
    (answer,) = _values(update, cb.FORGET)
    lang, _ = await prefs(update, context)
    dialogue = context.services.dialogue
    user = update.effective_user
    if answer == "no" or user is None:
        await _finish(update, context, dialogue.forget_cancelled(lang))
        return
    if await forget_user(context.application, user.id):
        await _finish(update, context, dialogue.forgotten(lang))
        return
    await _finish(update, context, dialogue.forget_pending(lang))
    chat = update.effective_chat
    context.application.create_task(
        _forget_later(context.application, user.id, chat.id if chat else user.id, lang),
        update=update,
        name="forget-retry",
    )


async def on_unknown_button(update: Update, context: RightsContext) -> None:
    lang, _ = await prefs(update, context)
    await _finish(update, context, context.services.dialogue.expired(lang))


async def _remove_feedback_row(query: CallbackQuery) -> None:
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        row
        for row in message.reply_markup.inline_keyboard
        if not any(cb.FEEDBACK.decode(b.callback_data if isinstance(b.callback_data, str) else None) for b in row)
    ]
    try:
        await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
    except BadRequest:
        pass


async def forget_user(app: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> bool:
    """/forget: the user's data leaves memory at once (buttons under old plans stop working, reminder jobs go),
    then every row about them is deleted. False when the database could not finish (it is retried)."""
    services: Services = app.bot_data["services"]
    _drop_in_memory(app, [user_id])
    if not services.storage.is_open:
        return True
    try:
        await services.storage.forget(user_id)
    except StorageError as exc:
        _LOGGER.warning("/forget could not finish (%s); retrying", exc.reason)
        return False
    return True


async def _forget_later(app: Application[Any, Any, Any, Any, Any, Any], user_id: int, chat_id: int, lang: str) -> None:
    for delay in FORGET_RETRY_DELAYS:
        await asyncio.sleep(delay)
        if not app.running:
            return
        if await forget_user(app, user_id):
            await app.bot.send_message(chat_id, app.bot_data["services"].dialogue.forgotten(lang).replies[0].html)
            return
    _LOGGER.error("/forget could not finish after %d tries", len(FORGET_RETRY_DELAYS))


# -- errors ---------------------------------------------------------------------------------------------------


async def on_error(update: object, context: RightsContext) -> None:
    """Log; answer a pressed button; tell the user once, unless the reply may well have arrived (a read that
    timed out: Telegram may have taken it) — a user is told or answered, never both."""
    _LOGGER.error("error while handling update %s", getattr(update, "update_id", "-"), exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await answer_query(context, update.callback_query)
    except TelegramError:
        pass
    if isinstance(context.error, TimedOut):
        return
    try:
        lang, _ = await prefs(update, context)
    except Exception:  # the storage itself may be what failed
        user = update.effective_user
        lang = normalise_language_code(
            user.language_code if user else None, default=context.services.settings.default_language
        )
    try:
        await context.bot.send_message(update.effective_chat.id, context.services.dialogue.error(lang).html)
    except TelegramError:
        _LOGGER.warning("could not tell the user about the error")


# -- logging --------------------------------------------------------------------------------------------------


def _summarise_log_arg(arg: Any) -> Any:
    """Log updates and messages by id only, and data without its texts: user texts never reach a log line."""
    if isinstance(arg, Update):
        return f"<update {arg.update_id}>"
    if isinstance(arg, TelegramObject):
        ident = getattr(arg, "message_id", None) or getattr(arg, "id", None)
        return f"<{type(arg).__name__} {ident}>" if ident is not None else f"<{type(arg).__name__}>"
    if isinstance(arg, (dict, list, tuple, set, frozenset)):
        return summarise_for_log(_objects_to_data(arg))
    if isinstance(arg, str):
        return redact(arg)
    return arg


def _objects_to_data(value: Any) -> Any:
    if isinstance(value, TelegramObject):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _objects_to_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_objects_to_data(v) for v in value]
    return value


def configure_logging(level: str | int | None = None, token: str | None = None, fmt: str = "text") -> None:
    """Root logging to stderr with the token (and any bot-token-like string) masked everywhere; `fmt` "json" writes
    one JSON object a line (RIGHTS_BOT_LOG_FORMAT=json), redacted the same way.

    httpx logs every request URL, which contains the token, at INFO: it is set to WARNING as well, and so is
    aiosqlite, whose DEBUG lines carry the stored rows, and APScheduler, whose INFO lines carry run times.
    """
    if token:
        add_secret(token)
    add_arg_sanitizer(_summarise_log_arg)
    install_log_redaction()
    lvl = level if isinstance(level, int) else getattr(logging, str(level or "INFO").upper(), logging.INFO)
    root = logging.getLogger()
    root.setLevel(lvl)
    handler = next((h for h in root.handlers if getattr(h, "_rights_bot", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._rights_bot = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else SecretFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    for noisy in ("httpx", "httpcore", "aiosqlite", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(lvl, logging.WARNING))


# -- running --------------------------------------------------------------------------------------------------


async def start_application(
    app: Application[Any, Any, Any, Any, Any, Any], *, polling: bool = True, poll_timeout: float = 10.0
) -> None:
    """initialize -> post_init -> start (-> polling): what run_polling does, for tests and tools."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    if polling and app.updater is not None:
        await app.updater.start_polling(
            poll_interval=0.0, timeout=dtm.timedelta(seconds=poll_timeout), allowed_updates=Update.ALL_TYPES
        )


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
    """`rights-bot run`: the Telegram bot, by long polling (or a webhook, by config), until SIGTERM/SIGINT.

    Settings from config.yaml and the environment (bot/config.py); the token from TELEGRAM_BOT_TOKEN or the file
    TELEGRAM_BOT_TOKEN_FILE names. A network failure at start-up is retried (telegram.bootstrap_retries) rather
    than ending the bot; a rejected token ends it. While it runs it rewrites a heartbeat file in the state
    directory every 30 s (`rights-bot health`); in webhook mode GET /healthz reports its state too."""
    try:
        settings = load_settings()
        token = telegram_token()
        webhook_secret = secret("TELEGRAM_WEBHOOK_SECRET")
    except ConfigInvalid as exc:
        configure_logging(os.environ.get("RIGHTS_BOT_LOG_LEVEL", "INFO"))
        print(f"rights-bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, token, settings.log_format)
    add_secret(webhook_secret)
    if not token:
        print(
            "rights-bot: TELEGRAM_BOT_TOKEN is not set, nor TELEGRAM_BOT_TOKEN_FILE (try `rights-bot chat` for a "
            "local chat)",
            file=sys.stderr,
        )
        return 2
    from bot.kb.loader import KBInvalid  # noqa: PLC0415

    try:
        engine = Engine.load(settings=settings)
    except KBInvalid as exc:
        _LOGGER.error("the knowledge base is invalid; the bot does not start:\n%s", exc)
        return 1
    app = build_application(
        token=token, engine=engine, settings=settings, base_url=os.environ.get("TELEGRAM_BASE_URL") or None
    )
    tg = settings.telegram
    mode = str(tg.get("mode", "polling"))
    retries = int(tg.get("bootstrap_retries", -1))
    enable_heartbeat(app, settings.heartbeat_file, mode)
    try:
        if mode == "webhook":
            from handlers.webhook import serve_webhook  # noqa: PLC0415

            path = str(tg.get("webhook_path") or secrets.token_urlsafe(24)).strip("/")
            url = str(tg.get("webhook_url") or "").rstrip("/")
            if not url:
                _LOGGER.error(
                    "telegram.mode is webhook but telegram.webhook_url is empty (RIGHTS_BOT_TELEGRAM__WEBHOOK_URL)"
                )
                return 2
            asyncio.run(
                serve_webhook(
                    app,
                    listen=str(tg.get("webhook_listen", "127.0.0.1")),
                    port=int(tg.get("webhook_port", 8443)),
                    path=path,
                    webhook_url=f"{url}/{path}",
                    secret_token=webhook_secret or secrets.token_urlsafe(32),
                    bootstrap_retries=retries,
                    allowed_updates=Update.ALL_TYPES,
                )
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=retries)
    except InvalidToken:
        _LOGGER.error("the Bot API server rejected the token (TELEGRAM_BOT_TOKEN)")
        return 1
    except TelegramError as exc:
        _LOGGER.error("could not start the bot: %s", exc)
        return 1
    except OSError as exc:
        _LOGGER.error("could not start the bot: %s", exc)
        return 1
    return 0


__all__ = [
    "build_application",
    "run_bot",
    "start_application",
    "stop_application",
    "configure_logging",
    "forget_user",
    "Services",
    "RightsContext",
    "COMMANDS",
    "retention_job",
]
