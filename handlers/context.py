"""What every handler shares: the services, the context of one update, the user's preferences, the one place
where the engine is asked about a text, and sending `Reply` values as Telegram messages.

handlers/app.py (the composition root) and handlers/plan.py both import this module; neither imports the
other's internals through it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import LANGUAGES, Settings
from bot.dialogue import Analysis, Dialogue, InboundLimiter, PendingTexts, Reply, split_reply
from bot.engine import Engine, detect_language
from bot.i18n import normalise_language_code
from bot.storage import Storage, StorageError

if TYPE_CHECKING:
    from handlers.persistence import SQLitePersistence
    from handlers.update_flow import PasteJoiner

_LOGGER = logging.getLogger("rights_bot")


@dataclass
class Services:
    engine: Engine
    dialogue: Dialogue
    storage: Storage
    settings: Settings
    limiter: InboundLimiter
    pending: PendingTexts
    persistence: SQLitePersistence | None
    pastes: PasteJoiner


class RightsContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context of one update; shared by the handlers of every group that handles that update."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.analysis: Analysis | None = None
        self.crisis_sent = False
        self.prefs: tuple[str, str | None] | None = None
        self.text_override: str | None = None  # several parts of one long paste, joined
        self.plan_paused_now = False  # this text found the interview timed out: say so once

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]


def update_text(update: Update, context: RightsContext) -> str:
    if context.text_override is not None:
        return context.text_override
    msg = update.effective_message
    return (msg.text or msg.caption or "") if msg else ""


async def prefs(update: Update, context: RightsContext) -> tuple[str, str | None]:
    """(language, region) of the user: their choices; the language else from Telegram's language_code, else the
    text; the region None when they have not chosen one (it is then inferred from each message, else the
    language's usual region)."""
    if context.prefs is not None:
        return context.prefs
    services = context.services
    settings = services.settings
    user = update.effective_user
    row = None
    if user and services.storage.is_open:
        try:
            row = await services.storage.get_user(user.id)
        except StorageError as exc:  # answer all the same, in the language Telegram gives
            _LOGGER.warning("could not read the user's settings (%s)", exc.reason)
    lang = (row or {}).get("language")
    if lang not in LANGUAGES:
        lang = normalise_language_code(user.language_code if user else None, default="")
        if not lang:
            text = update_text(update, context)
            text = "" if text.startswith("/") else text
            lang = (
                detect_language(services.engine.normaliser.normalise(text[:500]), settings.default_language)
                if text
                else settings.default_language
            )
    jur = (row or {}).get("jurisdiction") or None
    if jur not in services.dialogue.jurisdictions:
        jur = None
    context.prefs = (lang, jur)
    return context.prefs


async def analyse(update: Update, context: RightsContext) -> Analysis:
    """What the engine says about the update's text: asked here only, once per update."""
    if context.analysis is None:
        lang, jur = await prefs(update, context)
        context.analysis = context.services.dialogue.analyse(update_text(update, context), lang, jur, lang_code(update))
    return context.analysis


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, callback_data=b.data)
                if b.data is not None
                else InlineKeyboardButton(b.label, url=b.url)
                for b in row
            ]
            for row in reply.buttons
        ]
    )


async def send(
    update: Update, context: RightsContext, replies: Iterable[Reply], query: CallbackQuery | None = None
) -> Message | None:
    """Send (or, for a reply marked `edit`, edit the pressed message into) each reply; the last message sent."""
    chat = update.effective_chat
    if chat is None:
        return None
    last: Message | None = None
    for reply in replies:
        for part in split_reply(reply):
            markup = keyboard(part)
            if part.edit and query is not None and isinstance(query.message, Message):
                try:
                    edited = await query.message.edit_text(part.html, reply_markup=markup)
                    last = edited if isinstance(edited, Message) else last
                    continue
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        continue
            last = await context.bot.send_message(chat.id, part.html, reply_markup=markup)
    return last


async def answer_query(
    context: RightsContext, query: CallbackQuery | None, text: str | None = None, alert: bool = False
) -> None:
    """Answer the pressed button (its spinner stops), once whatever happens next: the error handler, which has
    a context of its own, answers only a button not answered yet (a second answer is a 400)."""
    if query is None:
        return
    answered: OrderedDict[str, None] = context.application.bot_data.setdefault("answered_queries", OrderedDict())
    if query.id in answered:
        return
    answered[query.id] = None
    while len(answered) > 10_000:
        answered.popitem(last=False)
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest:  # too old: the spinner is gone either way
        pass


def lang_code(update: Update) -> str | None:
    """Telegram's language code of the user: zh-hk or en-gb also say where they are."""
    return update.effective_user.language_code if update.effective_user else None


def private(update: Update) -> bool:
    return bool(update.effective_chat and update.effective_chat.type == ChatType.PRIVATE)


async def remove_keyboard(query: CallbackQuery) -> None:
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        try:
            await query.message.edit_reply_markup(None)
        except BadRequest:
            pass
