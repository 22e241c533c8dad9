"""/plan in Telegram: maps updates to the interview of bot/plan/interview.py and its turns back to messages,
delivers the plan, and serves the buttons that come after it (save, reminders, send a part again).

Where things live:
- the interview's state: user_data["plan"] (an InterviewState as JSON), written to the database before the
  next question is sent; when it cannot be written the answer is not taken, and the user is told why;
- after delivery the answers are deleted from user_data, only once every part was sent; they stay in this
  process's memory (DeliveredPlans) for DELIVERED_TTL seconds so that "Save", "Remind me" and "Send again"
  work, and /forget drops them at once;
- "Save": table plan_saved; "Remind me": table plan_reminders plus one JobQueue job per payment date
  (handlers/reminders.py), restored at start-up.

Texts reach the interview through `take_text` (called by handlers.app.on_text) only while it waits for an
answer: not after CONVERSATION_TIMEOUT without activity, and not when the text is a collection message pasted
or forwarded in the middle, which is assessed instead.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, InputFile, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callback_data as cb
from bot.dialogue import Button, Reply, classify
from bot.i18n import gettext_for
from bot.plan import interview, store
from bot.plan.interview import InterviewState, Turn
from bot.plan.letter import letter_html
from bot.plan.model import PlanInput, PlanInputError
from bot.plan.proposal import Proposal, make_proposal
from bot.plan.schedule import make_plan
from bot.plan.schedule import plan_id as compute_plan_id
from bot.storage import StorageError
from handlers import reminders
from handlers.context import RightsContext, analyse, answer_query, lang_code, prefs, private, remove_keyboard, send

_LOGGER = logging.getLogger("rights_bot.plan")


def N_(message: str) -> str:
    return message


PLAN_COMMANDS = [("plan", N_("Make a repayment plan to send to your lender"))]
DELIVERED_TTL = 2 * 60 * 60
LANGUAGE_NAMES = {"zh-Hans": N_("simplified Chinese"), "zh-Hant": N_("traditional Chinese"), "en": N_("English")}
PARTS = ("summary", "letters", "chart", "pdf", "ics")
PART_LABELS = {
    "summary": N_("Summary"),
    "letters": N_("Letters"),
    "chart": N_("Chart"),
    "pdf": N_("PDF"),
    "ics": N_("Calendar"),
}
ZONE_LABELS = {
    "Asia/Shanghai": N_("China time"),
    "America/New_York": N_("US Eastern time"),
    "America/Chicago": N_("US Central time"),
    "America/Denver": N_("US Mountain time"),
    "America/Los_Angeles": N_("US Pacific time"),
    "America/Anchorage": N_("Alaska time"),
    "Pacific/Honolulu": N_("Hawaii time"),
}


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=False)


def _t(lang: str) -> Callable[[str], str]:
    return gettext_for(lang, "plan")


# -- plans kept in memory after delivery -------------------------------------------------------------------------


@dataclass
class Delivered:
    user_id: int
    answers: dict[str, Any]
    at: float


class DeliveredPlans:
    """The answers of delivered plans, in memory only, for the buttons under them; keyed by a random token."""

    def __init__(self, ttl: float = DELIVERED_TTL):
        self.ttl = ttl
        self._items: dict[str, Delivered] = {}

    def put(self, user_id: int, answers: dict[str, Any]) -> str:
        t = time.monotonic()
        for k in [k for k, v in self._items.items() if t - v.at > self.ttl]:
            del self._items[k]
        token = secrets.token_urlsafe(8)
        self._items[token] = Delivered(user_id, answers, t)
        return token

    def get(self, user_id: int, token: str) -> dict[str, Any] | None:
        item = self._items.get(token)
        if item is None or item.user_id != user_id or time.monotonic() - item.at > self.ttl:
            return None
        return item.answers

    def drop(self, token: str) -> None:
        self._items.pop(token, None)

    def forget_user(self, user_id: int) -> None:
        for k in [k for k, v in self._items.items() if v.user_id == user_id]:
            del self._items[k]


def delivered_plans(app: Application[Any, Any, Any, Any, Any, Any]) -> DeliveredPlans:
    return app.bot_data.setdefault("plan_delivered", DeliveredPlans())


def forget_user(app: Application[Any, Any, Any, Any, Any, Any], user_id: int) -> None:
    """/forget and the retention purge: the plans in memory and the reminder jobs go with the user's rows."""
    delivered_plans(app).forget_user(user_id)
    reminders.unschedule(app, user_id)


# -- the interview's state -------------------------------------------------------------------------------------------


def load_state(context: RightsContext) -> InterviewState | None:
    if context.user_data is None:
        return None
    return InterviewState.from_json(context.user_data.get("plan"))


def is_answering(context: RightsContext) -> bool:
    """The interview waits for the user's typed answer (their texts do not count against the inbound limit)."""
    state = load_state(context)
    return state is not None and not state.paused and not state.timed_out()


async def save_state(update: Update, context: RightsContext, state: InterviewState | None) -> bool:
    """Write the state (None: delete the answers) now; False when the database would not take it (the state in
    memory is then as it was, so nothing differs from what is stored)."""
    user = update.effective_user
    if context.user_data is None or user is None:
        return False
    previous = context.user_data.get("plan")
    if state is None:
        context.user_data.pop("plan", None)
    else:
        context.user_data["plan"] = state.to_json()
    persistence = context.services.persistence
    if persistence is None:
        return True
    try:
        await persistence.write_user_data_now(user.id, context.user_data)
    except StorageError as exc:
        _LOGGER.warning("plan: could not save the interview (%s)", exc.reason)
        if previous is None:
            context.user_data.pop("plan", None)
        else:
            context.user_data["plan"] = previous
        return False
    return True


async def apply(
    update: Update,
    context: RightsContext,
    turn: Turn,
    query: CallbackQuery | None = None,
    *,
    old_question: int | None = None,
    clear_pressed: bool = False,
) -> None:
    """Save the turn's state (before anything is sent), then send its replies; answer the pressed button. Only
    once the state is saved do the keyboards of the answered question (`old_question`, the pressed message)
    go: an answer the database did not take can be given again with the same buttons."""
    lang = turn.state.lang if turn.state else (await prefs(update, context))[0]
    if turn.changed and not await save_state(update, context, turn.state):
        await answer_query(context, query)
        await send(update, context, [interview.cannot_keep_answers(lang)])
        return
    pressed = getattr(query.message, "message_id", None) if query is not None else None
    if clear_pressed and query is not None:
        await remove_keyboard(query)
    if old_question and old_question != pressed:
        await _drop_keyboard(update, context, old_question)
    await answer_query(context, query, turn.toast, turn.alert)
    last = await send(update, context, turn.replies)
    if turn.asks and turn.state is not None and last is not None and context.user_data is not None:
        turn.state.question_message_id = last.message_id  # its keyboard goes once it is answered
        context.user_data["plan"] = turn.state.to_json()


async def _drop_keyboard(update: Update, context: RightsContext, message_id: int) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat.id, message_id, reply_markup=None)
    except BadRequest:
        pass


# -- /plan and the interview's buttons --------------------------------------------------------------------------------


async def cmd_plan(update: Update, context: RightsContext) -> None:
    """/plan and the menu button: start, or offer to resume an unfinished plan."""
    query = update.callback_query
    lang, _jur = await prefs(update, context)
    if not private(update):
        await answer_query(context, query)
        await send(update, context, [interview.private_only(lang)])
        return
    storage = context.services.storage
    if not storage.is_open:
        await answer_query(context, query)
        await send(update, context, [interview.no_storage(lang)])
        return
    state = load_state(context)
    if state is not None:
        await apply(update, context, interview.offer_resume(state), query)
        return
    await apply(
        update,
        context,
        interview.begin(
            lang,
            has_saved_plan=await _has_saved_plan(update, context),
            jurisdiction=await _plan_region(update, context),
        ),
        query,
    )


async def _plan_region(update: Update, context: RightsContext) -> str:
    """The region a new plan follows: the user's choice, else their Telegram code's, else their language's."""
    lang, jur = await prefs(update, context)
    return context.services.dialogue.audience(lang, jur, lang_code(update)).region


def _zone_name(context: RightsContext, jurisdiction: str | None) -> str:
    """Reminders follow the plan's region: its time zone from the knowledge base (US users may pick theirs)."""
    data = context.services.engine.kb.jurisdictions.get((jurisdiction or "").upper())
    if (jurisdiction or "").upper() == "US" or data is None:
        return store.timezone_for(jurisdiction)
    return data.info.timezone


async def _has_saved_plan(update: Update, context: RightsContext) -> bool:
    user = update.effective_user
    try:
        return bool(user and await store.saved_plans(context.services.storage, user.id))
    except StorageError:
        return False


async def on_interview_button(update: Update, context: RightsContext) -> None:
    query = update.callback_query
    if query is None:
        return
    decoded = cb.decode_any(query.data, cb.INTERVIEW_KINDS)
    lang, _jur = await prefs(update, context)
    state = load_state(context)
    if decoded is None:
        await answer_query(context, query)
        return
    kind, values = decoded
    old_question = state.question_message_id if state else None
    if kind is cb.PLAN_GO:
        if values[0] == "new" or state is None:
            if not context.services.storage.is_open:
                await answer_query(context, query)
                await send(update, context, [interview.no_storage(lang)])
                return
            turn = interview.begin(
                state.lang if state else lang, intro=False, jurisdiction=await _plan_region(update, context)
            )
        else:
            turn = interview.resume(state)
        await apply(update, context, turn, query, old_question=old_question, clear_pressed=True)
        return
    if state is None:
        await apply(update, context, Turn([interview.lost(lang)], None, changed=False), query)
        return
    turn = interview.press(state, kind, values)
    if turn.make_plan:
        await answer_query(context, query)
        await remove_keyboard(query)
        await deliver(update, context, state)
        return
    stale = turn.toast is not None
    await apply(update, context, turn, query, old_question=None if stale else old_question, clear_pressed=not stale)


async def take_text(update: Update, context: RightsContext) -> bool:
    """A text while an interview runs: True when the interview took it (or assessed it as a pasted collection
    message, offering to go back to the plan); False when the bot should answer it as usual."""
    state = load_state(context)
    msg = update.effective_message
    if state is None or msg is None:
        return False
    if state.paused:
        return False
    if state.timed_out():
        state.paused = True  # said once; /plan resumes it
        if context.user_data is not None:
            context.user_data["plan"] = state.to_json()
        context.plan_paused_now = True
        return False
    text = context.text_override if context.text_override is not None else (msg.text or msg.caption or "")
    if _is_collection_message(state, await analyse(update, context), forwarded=msg.forward_origin is not None):
        lang, jur = await prefs(update, context)
        dialogue = context.services.dialogue
        replies = dialogue.respond(
            await analyse(update, context), lang, jur, kind="message", crisis_done=context.crisis_sent
        )
        await send(update, context, [*replies, interview.back_to_plan(state)])
        return True
    old_question = state.question_message_id
    await apply(update, context, interview.answer_text(state, text), old_question=old_question)
    return True


def _is_collection_message(state: InterviewState, analysis: Any, *, forwarded: bool) -> bool:
    """A collection message pasted or forwarded in the middle of the interview, rather than an answer."""
    if forwarded:
        return True
    if not any(ch.isalpha() for ch in analysis.text):  # "1111…", "15,000" or emoji: an answer, right or wrong
        return False
    if state.step == "details":  # the user's own account of what happened may quote a collector
        return False
    if state.step == "lender":  # a name is short and names no practice
        return (len(analysis.text) > 40 or bool(analysis.assessment.findings)) and classify(analysis) == "message"
    if interview.accepts(state, analysis.text):  # 日息0.1% is a rate, even if it reads like usury
        return False
    return classify(analysis) == "message"


async def on_other_in_interview(update: Update, context: RightsContext) -> bool:
    """A sticker, photo … while the interview waits for an answer: say what it expects. False: no interview."""
    if not is_answering(context):
        return False
    state = load_state(context)
    await send(update, context, [interview.text_only(state.lang if state else (await prefs(update, context))[0])])
    return True


async def cmd_cancel(update: Update, context: RightsContext) -> bool:
    """/cancel: ends an interview (True) — or, without one, leaves /cancel to the general handler (False)."""
    state = load_state(context)
    if state is None:
        return False
    await apply(update, context, interview.cancel(state), old_question=state.question_message_id)
    return True


# -- delivery ----------------------------------------------------------------------------------------------------------


def _today(context: RightsContext, jurisdiction: str) -> dtm.date:
    return dtm.datetime.now(store.zone(_zone_name(context, jurisdiction))).date()


async def deliver(update: Update, context: RightsContext, state: InterviewState) -> None:
    """The plan: summary, letters, chart, PDF, calendar. The answers are deleted only once all were sent."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    lang = state.lang
    _ = _t(lang)
    jur = state.jurisdiction or await _plan_region(update, context)
    state.jurisdiction = jur
    data = interview.to_input(state, _today(context, jur))
    try:
        inp = PlanInput.from_dict(data)
    except PlanInputError as exc:
        _LOGGER.info("plan input incomplete: %d problem(s)", len(exc.errors))
        await apply(update, context, interview.incomplete(state))
        return
    await _chat_action(context, chat.id, "typing")
    proposal = make_proposal(inp, _kb(context), lang)
    token = delivered_plans(context.application).put(user.id, data)
    try:
        await send_parts(context, chat.id, proposal, PARTS)
    except TelegramError as exc:
        _LOGGER.warning("plan: delivery failed (%s); the answers are kept", type(exc).__name__)
        await send(
            update,
            context,
            [
                Reply(
                    _esc(
                        _(
                            "I could not send all of your plan: Telegram did not take part of it. Your answers are "
                            "kept; press the "
                            "button to try again."
                        )
                    ),
                    [[Button(_("🔁 Send my plan again"), cb.PLAN_REVIEW.encode("make"))]],
                )
            ],
        )
        return
    if not await save_state(update, context, None):  # deleted in memory; the next flush retries the file
        _LOGGER.warning("plan: the delivered answers could not be deleted from the database yet")
    rows = []
    if proposal.plan.creditors and context.application.job_queue is not None and context.services.storage.is_open:
        rows.append([Button(_("🔔 Remind me before each payment"), cb.PLAN_AFTER.encode("remind", token))])
    if context.services.storage.is_open:
        rows.append([Button(_("💾 Save this plan"), cb.PLAN_AFTER.encode("save", token))])
    rows.append([Button(_("🔁 Send a part again"), cb.PLAN_AFTER.encode("again", token))])
    rows.append([Button(_("🗑 Done, keep nothing"), cb.PLAN_AFTER.encode("drop", token))])
    await send(
        update,
        context,
        [
            Reply(
                _esc(
                    _(
                        "Your answers have been deleted from the bot. Nothing about this plan is "
                        "kept unless you press Save. Reminders keep only the dates, the amounts "
                        "and the lenders' names."
                    )
                ),
                rows,
            )
        ],
    )


async def send_parts(context: RightsContext, chat_id: int, proposal: Proposal, parts: tuple[str, ...]) -> None:
    _ = _t(proposal.lang)
    documents: tuple[bytes, bytes, bytes | None] | None = None
    for part in parts:
        if part == "summary":
            await _send_html(context, chat_id, proposal.summary_html())
        elif part == "letters":
            for letter in proposal.letters:
                title = _("Letter to {lender} ({language})").format(
                    lender=letter.lender, language=_(LANGUAGE_NAMES[letter.lang])
                )
                await _send_html(context, chat_id, f"<b>{_esc(title)}</b>\n" + letter_html(letter.text))
        else:
            if documents is None:
                await _chat_action(context, chat_id, "upload_document")
                documents = await asyncio.to_thread(_documents, proposal)
            chart, pdf, ics = documents
            if part == "chart":
                await context.bot.send_photo(
                    chat_id, InputFile(chart, filename="plan-chart.png"), caption=_esc(_("Your plan as a chart"))
                )
            elif part == "pdf":
                await context.bot.send_document(
                    chat_id,
                    InputFile(pdf, filename="repayment-plan.pdf"),
                    caption=_esc(_("The plan and the letters as a PDF, ready to print or send.")),
                )
            elif part == "ics" and ics is not None:
                await context.bot.send_document(
                    chat_id,
                    InputFile(ics, filename="payment-dates.ics"),
                    caption=_esc(_("The payment dates for your calendar.")),
                )


async def _send_html(context: RightsContext, chat_id: int, text: str) -> None:
    from bot.render import split_html  # noqa: PLC0415

    for part in split_html(text):
        await context.bot.send_message(chat_id, part)


async def _chat_action(context: RightsContext, chat_id: int, action: str) -> None:
    try:
        await context.bot.send_chat_action(chat_id, action)
    except TelegramError:  # only a hint to the user; never worth failing the delivery for
        pass


def _documents(proposal: Proposal) -> tuple[bytes, bytes, bytes | None]:
    chart = proposal.chart_png()
    pdf = proposal.pdf(chart)
    ics = proposal.ics() if proposal.plan.creditors else None
    return chart, pdf, ics


def _kb(context: RightsContext) -> Any:
    return context.services.engine.kb


# -- after delivery: save, reminders, send again, saved plans --------------------------------------------------------


async def on_after(update: Update, context: RightsContext) -> None:
    """The buttons under a delivered plan (PLAN_AFTER, PLAN_PART, PLAN_ZONE)."""
    query = update.callback_query
    user, chat = update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    lang, jur = await prefs(update, context)
    _ = _t(lang)
    decoded = cb.decode_any(query.data, (cb.PLAN_AFTER, cb.PLAN_PART, cb.PLAN_ZONE))
    if decoded is None:
        await answer_query(context, query)
        return
    kind, values = decoded
    action, token = (values[0], values[1]) if kind is cb.PLAN_AFTER else (kind.prefix, values[1])
    plans = delivered_plans(context.application)
    if action == "drop":
        plans.drop(token)
        await answer_query(context, query, _("Nothing kept."))
        await remove_keyboard(query)
        return
    answers = plans.get(user.id, token)
    storage = context.services.storage
    if answers is None or (action in ("save", "remind", cb.PLAN_ZONE.prefix) and not storage.is_open):
        await answer_query(
            context,
            query,
            _("This offer has expired: the answers are no longer in memory. Make the plan again with /plan."),
            alert=True,
        )
        await remove_keyboard(query)
        return
    inp = PlanInput.from_dict(answers)
    jur = str(answers.get("jurisdiction") or jur or "")  # the region the plan was made for
    if action == "again":
        await answer_query(context, query)
        await send(
            update,
            context,
            [
                Reply(
                    _esc(_("Which part should I send again?")),
                    [
                        [Button(_(PART_LABELS[p]), cb.PLAN_PART.encode(p, token)) for p in PARTS[:3]],
                        [Button(_(PART_LABELS[p]), cb.PLAN_PART.encode(p, token)) for p in PARTS[3:]],
                    ],
                )
            ],
        )
        return
    if kind is cb.PLAN_PART:
        await answer_query(context, query)
        await send_parts(context, chat.id, make_proposal(inp, _kb(context), inp.lang), (values[0],))
        return
    plan = make_plan(inp)
    pid = compute_plan_id(plan)
    try:
        if action == "save":
            await store.save_plan(storage, user.id, pid, answers)
            await answer_query(context, query, _("Saved."))
            await send(
                update,
                context,
                [
                    Reply(
                        _esc(
                            _(
                                "Your plan is saved: the lenders' names, the amounts, your income and expenses, the "
                                "number of "
                                "dependants, the reason and your words about what happened (phone, ID and card "
                                "numbers and e-mail "
                                "addresses are masked). Send /plan to open it again; /forget deletes it with "
                                "everything else."
                            )
                        )
                    )
                ],
            )
            return
        if context.application.job_queue is None:
            await answer_query(context, query)
            return
        if action == "remind" and jur == "US":
            await answer_query(context, query)
            await send(
                update,
                context,
                [
                    Reply(
                        _esc(_("Which time zone should the reminders use?")),
                        [
                            [Button(_(ZONE_LABELS[z]), cb.PLAN_ZONE.encode(i, token))]
                            for i, z in enumerate(store.US_ZONES)
                        ],
                    )
                ],
            )
            return
        zone_name = _zone_name(context, jur)
        if kind is cb.PLAN_ZONE and int(values[0]) < len(store.US_ZONES):
            zone_name = store.US_ZONES[int(values[0])]
        rows = store.reminder_rows(plan, user_id=user.id, chat_id=chat.id, plan_id=pid, lang=lang, zone_name=zone_name)
        await store.add_reminders(storage, rows)
    except StorageError as exc:
        _LOGGER.warning("plan: could not store (%s)", exc.reason)
        await answer_query(
            context,
            query,
            _("I could not store that just now (my storage is not working). Please try again later."),
            alert=True,
        )
        return
    for r in rows:
        reminders.schedule(context.application, r)
    await answer_query(context, query, _("Reminders on."))
    if kind is cb.PLAN_ZONE:
        await remove_keyboard(query)
    await send(
        update,
        context,
        [
            Reply(
                _esc(
                    _("I will remind you at 09:00 ({zone}) the day before each of the {n} payment dates.").format(
                        zone=_(ZONE_LABELS.get(zone_name, zone_name)), n=len(rows)
                    )
                ),
                [[Button(_("Stop reminders"), cb.PLAN_REMINDERS_OFF.encode("off"))]],
            )
        ],
    )


async def on_reminders_off(update: Update, context: RightsContext) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    lang, _jur = await prefs(update, context)
    _ = _t(lang)
    storage = context.services.storage
    try:
        n = await store.delete_reminders(storage, user.id) if storage.is_open else 0
    except StorageError as exc:
        _LOGGER.warning("plan: could not delete reminders (%s)", exc.reason)
        await answer_query(
            context,
            query,
            _("I could not store that just now (my storage is not working). Please try again later."),
            alert=True,
        )
        return
    reminders.unschedule(context.application, user.id)
    await answer_query(context, query, _("Reminders stopped."))
    await remove_keyboard(query)
    await send(update, context, [Reply(_esc(_("Reminders stopped ({n} deleted).").format(n=n)))])


async def on_saved(update: Update, context: RightsContext) -> None:
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    lang, _jur = await prefs(update, context)
    _ = _t(lang)
    storage = context.services.storage
    decoded = cb.decode_any(query.data, (cb.PLAN_SAVED, cb.PLAN_SAVED_OPEN))
    if decoded is None or not storage.is_open:
        await answer_query(context, query)
        if decoded is not None:
            await send(update, context, [interview.no_storage(lang)])
        return
    kind, values = decoded
    try:
        saved = await store.saved_plans(storage, user.id)
        if kind is cb.PLAN_SAVED and values[0] == "del":
            n = await store.delete_saved(storage, user.id)
            await answer_query(context, query)
            await remove_keyboard(query)
            await send(update, context, [Reply(_esc(_("Saved plan deleted ({n}).").format(n=n)))])
            return
    except StorageError as exc:
        _LOGGER.warning("plan: saved plans unavailable (%s)", exc.reason)
        await answer_query(context, query)
        await send(update, context, [interview.no_storage(lang)])
        return
    if kind is cb.PLAN_SAVED:
        await answer_query(context, query)
        if not saved:
            await send(update, context, [Reply(_esc(_("You have no saved plan.")))])
            return
        pid, created, answers = saved[0]
        lenders = ", ".join(str(d.get("lender", "?")) for d in answers.get("debts", []))
        when = dtm.datetime.fromtimestamp(created, store.zone(_zone_name(context, _jur))).date().isoformat()
        title = _esc(_("Saved plan of {date}: {lenders}.").format(date=when, lenders=lenders))
        await send(
            update,
            context,
            [
                Reply(
                    title,
                    [
                        [Button(_("Open and edit"), cb.PLAN_SAVED_OPEN.encode(pid))],
                        [Button(_("Delete saved plan"), cb.PLAN_SAVED.encode("del"))],
                    ],
                )
            ],
        )
        return
    answers_of = {pid: answers for pid, _c, answers in saved}
    if values[0] not in answers_of:
        await answer_query(context, query)
        await send(update, context, [Reply(_esc(_("You have no saved plan.")))])
        return
    await apply(
        update,
        context,
        interview.ask(interview.from_input(answers_of[values[0]], lang), interview.REVIEW),
        query,
        clear_pressed=True,
    )


# -- wiring ------------------------------------------------------------------------------------------------------


def add_plan_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The /plan command and every plan button, one CallbackQueryHandler per action (handlers.app routes texts,
    /cancel and other messages here through take_text, cmd_cancel and on_other_in_interview)."""
    delivered_plans(app)
    app.add_handler(CommandHandler("plan", cmd_plan))
    app.add_handler(CallbackQueryHandler(cmd_plan, pattern=cb.any_pattern(cb.PLAN_START, cb.PLAN_START_OLD)))
    app.add_handler(CallbackQueryHandler(on_interview_button, pattern=cb.any_pattern(*cb.INTERVIEW_KINDS)))
    app.add_handler(CallbackQueryHandler(on_after, pattern=cb.any_pattern(cb.PLAN_AFTER, cb.PLAN_PART, cb.PLAN_ZONE)))
    app.add_handler(CallbackQueryHandler(on_reminders_off, pattern=cb.PLAN_REMINDERS_OFF.pattern))
    app.add_handler(CallbackQueryHandler(on_saved, pattern=cb.any_pattern(cb.PLAN_SAVED, cb.PLAN_SAVED_OPEN)))


__all__ = [
    "add_plan_handlers",
    "PLAN_COMMANDS",
    "take_text",
    "is_answering",
    "forget_user",
    "cmd_cancel",
    "on_other_in_interview",
]
