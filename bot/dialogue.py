"""What the bot says, without Telegram: deciding what a text is, and building replies (HTML plus buttons).

The Telegram handlers (handlers/) turn a `Reply` into a message with an inline keyboard, and a pressed button's
`callback_data` back into a call here. Button data are written and read by bot.callback_data (one codec for
the whole bot), always within Telegram's 64 bytes.

Texts are never kept, except an ambiguous text while the user decides what it is: in memory only
(`PendingTexts`), for at most PENDING_TTL seconds, never written anywhere.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from babel import Locale

from bot import callback_data as cb
from bot import languages
from bot.audience import OTHER, Audience, region_name
from bot.config import LANGUAGES
from bot.engine import MAX_CHARS, Answer, Assessment, Engine
from bot.i18n import gettext_for
from bot.judge import Finding, Judge, long_date
from bot.kb.loader import Signal
from bot.render import render, split_html
from bot.report import verdict_label

MAX_CALLBACK_DATA = 64
PENDING_TTL = 30 * 60
TOPICS_PER_PAGE = 6
PLAN_CALLBACK = cb.PLAN_START.encode()
HIDDEN_TOPICS = ("crisis", "out_of_scope")
MAX_SUMMARY_FINDINGS = 3  # findings on the first screen of an assessment; the rest are one tap away


# -- the reply model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    label: str
    data: str | None = None  # callback data (ASCII, <= 64 bytes)
    url: str | None = None


@dataclass
class Reply:
    html: str
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False  # replace the message whose button was pressed, rather than sending a new one

    def __post_init__(self) -> None:
        for row in self.buttons:
            for b in row:
                if b.data is not None and not 1 <= len(b.data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise ValueError(f"callback data must be 1-64 bytes: {b.data!r}")


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None  # the short notice shown when a button is pressed
    alert: bool = False


def split_reply(reply: Reply) -> list[Reply]:
    """A reply too long for one Telegram message, as several; the buttons go with the last one."""
    parts = split_html(reply.html)
    if len(parts) == 1:
        return [reply]
    out = [Reply(p) for p in parts]
    out[-1].buttons = reply.buttons
    out[0].edit = reply.edit
    return out


# -- what a text is --------------------------------------------------------------------------------------

_Q_END = re.compile(r"(?:[?？]|(?:吗|嗎|呢|么|麼|嘛|咩|未|冇|呀|啊|吧)[?？。.!！~～]*)\s*$")
_Q_START = re.compile(
    r"^\s*(?:can|could|may|might|will|would|should|shall|is|are|am|do|does|did|what|how|why|"
    r"when|where|who|which|whom|i\s|i'm|im\s|my\s|help)\b",
    re.I,
)
_Q_WORDS = re.compile(
    r"能不能|可不可以|可以吗|会不会|會不會|是不是|怎么办|怎麼辦|怎么|怎麼|如何|为什么|為什麼|为何|"
    r"多久|哪里|哪裡|合法吗|合法嗎|违法吗|違法嗎|算不算|有没有|有沒有|要不要|该不该|該不該|咋办|"
    r"點算|点算|點樣|点样|可唔可以|會唔會|会唔会|係咪|系咪|有冇|幾耐|几耐|請問|请问"
)
_FIRST_PERSON = re.compile(r"我|\b(?:i|i'm|im|my|me|mine)\b", re.I)
_SECOND_PERSON = re.compile(r"你|您|\b(?:you|your|yours)\b", re.I)
_SMS_SIGNS = re.compile(
    r"^\s*[【\[][^】\]]{2,20}[】\]]|[【\[][^】\]]{2,20}[】\]]\s*$|尊敬的|親愛的|亲爱的|退订|退訂|"
    r"回[tT]|\bdear\b|\breply stop\b|\bthis is an attempt to collect\b|\bfinal notice\b|"
    r"\byour account\b|您的账户|您的賬戶|您的借款|您的贷款|您的貸款|逾期\d+天",
    re.I,
)
_SENTENCES = re.compile(r"[。！？!?.;；\n]+")


class Analysis:
    """What the engine says about one text, computed once per update and only as far as needed: a forwarded
    message needs no answer, a text sent after "Ask a question" no assessment. The text is read (normalised)
    once and the audience resolved once, here."""

    def __init__(
        self, text: str, engine: Engine, lang: str, region: str | None = None, user_lang_code: str | None = None
    ):
        self.text, self._engine = text, engine
        self.message = engine.read(text)
        self.audience = engine.audience(self.message, lang, region, user_lang_code)
        self.unread_language = languages.unread_language(text[:2000])  # a language the bot cannot read
        self._assessment: Assessment | None = None
        self._answer: Answer | None = None

    @property
    def assessment(self) -> Assessment:
        if self._assessment is None:
            self._assessment = self._engine.assess(self.message, audience=self.audience)
        return self._assessment

    @property
    def answer(self) -> Answer:
        if self._answer is None:
            self._answer = self._engine.answer(self.message, audience=self.audience)
        return self._answer

    @property
    def crisis(self) -> bool:
        return self.answer.topic == "crisis"

    @property
    def threat_of_violence(self) -> bool:
        return "threat_violence" in self.assessment.categories


def classify(analysis: Analysis, forwarded: bool = False, mode: str | None = None) -> str:
    """'message' (a message the user received), 'question' (the user's own question) or 'ambiguous'."""
    if forwarded or mode == "check":
        return "message"
    if mode == "ask":
        return "question"
    text = analysis.text.strip()
    a, ans = analysis.assessment, analysis.answer
    msg = q = 0
    unlawful = [f for f in a.findings if f.kind != "lawful"]
    if unlawful:
        msg += 2
    elif a.findings:
        msg += 1
    if _SMS_SIGNS.search(text):
        msg += 2
    if any(e["kind"] in ("url", "phone", "bank_card", "amount") for e in a.entities):
        msg += 1
    second, first = len(_SECOND_PERSON.findall(text)), len(_FIRST_PERSON.findall(text))
    if second and second > first:
        msg += 1
    if len(text) > 160 or len([s for s in _SENTENCES.split(text) if s.strip()]) >= 3:
        msg += 1
    if _Q_END.search(text):
        q += 3
    if _Q_START.search(text) or _Q_WORDS.search(text):
        q += 1
    if first and first >= second:
        q += 1
    if ans.confident and ans.topic not in HIDDEN_TOPICS:
        q += 1
    if msg >= q + 2:
        return "message"
    if q >= msg + 1:
        return "question"
    if a.findings or _SMS_SIGNS.search(text):
        return "ambiguous"
    return "question"


# -- memory of ambiguous texts (never written anywhere) ------------------------------------------------------


class PendingTexts:
    def __init__(self, ttl: float = PENDING_TTL, capacity: int = 5000):
        self.ttl, self.capacity = ttl, capacity
        self._items: OrderedDict[str, tuple[int, str, float]] = OrderedDict()

    def put(self, user_id: int, text: str) -> str:
        self._expire()
        token = secrets.token_urlsafe(6)
        self._items[token] = (user_id, text, time.monotonic() + self.ttl)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return token

    def pop(self, user_id: int, token: str) -> str | None:
        self._expire()
        item = self._items.get(token)
        if item is None or item[0] != user_id:
            return None
        del self._items[token]
        return item[1]

    def forget_user(self, user_id: int) -> None:
        for k in [k for k, v in self._items.items() if v[0] == user_id]:
            del self._items[k]

    def _expire(self) -> None:
        t = time.monotonic()
        while self._items:
            k, (_, _, exp) = next(iter(self._items.items()))
            if exp > t:
                break
            del self._items[k]

    def __len__(self) -> int:
        return len(self._items)


class InboundLimiter:
    """At most `per_minute` messages per user in any 60 seconds (sliding window, in memory)."""

    def __init__(self, per_minute: int = 20, window: float = 60.0):
        self.per_minute, self.window = per_minute, window
        self._hits: dict[int, list[float]] = {}
        self._warned: dict[int, float] = {}

    def allow(self, user_id: int, now: float | None = None) -> tuple[bool, bool]:
        """(allowed, should_warn): warn once per window when a user goes over the limit."""
        if self.per_minute <= 0:
            return True, False
        t = time.monotonic() if now is None else now
        hits = [h for h in self._hits.get(user_id, ()) if h > t - self.window]
        if len(hits) >= self.per_minute:
            self._hits[user_id] = hits
            warn = self._warned.get(user_id, 0.0) <= t - self.window
            if warn:
                self._warned[user_id] = t
            return False, warn
        hits.append(t)
        self._hits[user_id] = hits
        if len(self._hits) > 50_000:  # drop idle users
            for uid in [u for u, hs in self._hits.items() if not hs or hs[-1] <= t - self.window]:
                self._hits.pop(uid, None)
                self._warned.pop(uid, None)
        return True, False

    def retry_in(self, user_id: int, now: float | None = None) -> int:
        """Seconds until this user may send again (0: now)."""
        t = time.monotonic() if now is None else now
        hits = [h for h in self._hits.get(user_id, ()) if h > t - self.window]
        if self.per_minute <= 0 or len(hits) < self.per_minute:
            return 0
        return max(1, int(hits[len(hits) - self.per_minute] + self.window - t + 0.999))

    def forget_user(self, user_id: int) -> None:
        self._hits.pop(user_id, None)
        self._warned.pop(user_id, None)


# -- the dialogue ----------------------------------------------------------------------------------------


class Dialogue:
    def __init__(
        self,
        engine: Engine,
        *,
        retention_days: int = 180,
        plan_available: bool = False,
        plan_callback: str = PLAN_CALLBACK,
    ):
        self.engine, self.kb = engine, engine.kb
        self.retention_days = retention_days
        self.plan_available, self.plan_callback = plan_available, plan_callback
        self.signals = self.kb.signal_by_id
        self.topics = self.kb.topic_by_id
        self.short_ids = _short_ids([s.id for s in self.kb.signals])
        self.signal_of_short = {v: k for k, v in self.short_ids.items()}
        # the regions a user can choose: every jurisdiction of the knowledge base, then "somewhere else"
        self.jurisdictions = [*self.kb.covered, OTHER]
        self.browse_topics = [t.id for t in self.kb.topics if t.id not in HIDDEN_TOPICS]

    # -- engine ------------------------------------------------------------------------------------------

    def analyse(
        self, text: str, lang: str, jurisdiction: str | None = None, user_lang_code: str | None = None
    ) -> Analysis:
        """jurisdiction: the region the user chose (None: inferred from the text, else the language's)."""
        return Analysis(text, self.engine, lang, jurisdiction, user_lang_code)

    def audience(self, lang: str, jurisdiction: str | None = None, user_lang_code: str | None = None) -> Audience:
        return self.engine.audience(None, lang, jurisdiction, user_lang_code)

    def _judge(self, audience: Audience) -> Judge:
        return self.engine.judge(audience)

    # -- menus ---------------------------------------------------------------------------------------------

    def main_buttons(self, lang: str) -> list[list[Button]]:
        _ = gettext_for(lang)
        return [
            [Button(_("Check a message"), cb.MENU.encode("check")), Button(_("Ask a question"), cb.MENU.encode("ask"))],
            [Button(_("Make a repayment plan"), self.plan_callback), Button(_("My rights"), cb.MENU.encode("rights"))],
        ]

    def start(self, lang: str, jurisdiction: str | None = None) -> Reply:
        covered = ", ".join(self.region_name(j, lang) for j in self.kb.covered)
        return Reply(render("start.html.j2", lang, region=covered), self.main_buttons(lang))

    def help(self, lang: str) -> Reply:
        return Reply(render("help.html.j2", lang, plan=self.plan_available), self.main_buttons(lang))

    def privacy(self, lang: str) -> Reply:
        return Reply(render("privacy.html.j2", lang, days=self.retention_days, pending_minutes=PENDING_TTL // 60))

    def lang_menu(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        buttons = [[Button(self.language_name(code), cb.LANGUAGE.encode(code)) for code in LANGUAGES]]
        return Reply(render("notice.html.j2", lang, text=_("Choose the language of the bot:")), buttons)

    def lang_set(self, lang: str, jurisdiction: str | None = None) -> Outcome:
        _ = gettext_for(lang)
        return Outcome(
            [
                Reply(
                    render(
                        "notice.html.j2",
                        lang,
                        text=_("From now on I will answer in %(language)s.") % {"language": self.language_name(lang)},
                    ),
                    self.main_buttons(lang),
                    True,
                )
            ],
            toast=self.language_name(lang),
        )

    def region_menu(self, lang: str, jurisdiction: str | None = None) -> Reply:
        _ = gettext_for(lang)
        now = self.audience(lang, jurisdiction)
        buttons = [
            [
                Button(
                    ("✓ " if jurisdiction and j == now.region else "") + self.region_label(j, lang), cb.REGION.encode(j)
                )
            ]
            for j in self.jurisdictions
        ]
        text = _("Which law should I apply? Now: %(region)s.") % {"region": self.region_name(now.region, lang)}
        return Reply(render("region.html.j2", lang, text=text), buttons)

    def region_set(self, lang: str, jurisdiction: str) -> Outcome:
        _ = gettext_for(lang)
        if jurisdiction == OTHER:
            text = _(
                "I do not cover the law of your region yet. I will still point out what debt-collection rules "
                "widely forbid, without citing any country's law, and tell you what kind of local help to "
                "look for."
            )
        else:
            text = _("From now on I apply the law of %(region)s.") % {"region": self.region_name(jurisdiction, lang)}
        return Outcome(
            [Reply(render("notice.html.j2", lang, text=text), [], True)], toast=self.region_label(jurisdiction, lang)
        )

    def forget_confirm(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render("forget.html.j2", lang),
            [
                [
                    Button(_("Yes, delete everything"), cb.FORGET.encode("yes")),
                    Button(_("No, keep it"), cb.FORGET.encode("no")),
                ]
            ],
        )

    def forgotten(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        return Outcome(
            [
                Reply(
                    render(
                        "notice.html.j2",
                        lang,
                        text=_(
                            "Done: everything I stored about you has been deleted. If you write again, I will start "
                            "afresh."
                        ),
                    ),
                    [],
                    True,
                )
            ]
        )

    def forget_cancelled(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        return Outcome([Reply(render("notice.html.j2", lang, text=_("Nothing was deleted.")), [], True)])

    def cancelled(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render("notice.html.j2", lang, text=_("Cancelled. What would you like to do?")), self.main_buttons(lang)
        )

    def prompt_check(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render(
                "notice.html.j2",
                lang,
                text=_(
                    "Paste or forward the message you received (SMS, WeChat, e-mail…). I will tell you whether it is "
                    "lawful and what you can do."
                ),
            )
        )

    def prompt_ask(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render(
                "notice.html.j2",
                lang,
                text=_(
                    "Ask your question in your own words, for example: can they call my parents? will I go to jail?"
                ),
            )
        )

    def plan_unavailable(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        text = (
            _("Send /plan to make a repayment plan.") if self.plan_available else _("Repayment plans are coming soon.")
        )
        return Outcome([Reply(render("notice.html.j2", lang, text=text))])

    def slow_down(self, lang: str, seconds: int = 60) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render(
                "notice.html.j2",
                lang,
                text=_(
                    "You are sending messages very fast, so I skipped the last ones. Please wait %(seconds)d "
                    "seconds, then "
                    "send the most important one again."
                )
                % {"seconds": seconds},
            )
        )

    def forget_pending(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        return Outcome(
            [
                Reply(
                    render(
                        "notice.html.j2",
                        lang,
                        text=_(
                            "I could not delete everything yet: my database is busy. Your data is already out of "
                            "use; I keep "
                            "trying to delete it and will tell you as soon as it is done."
                        ),
                    ),
                    [],
                    True,
                )
            ]
        )

    def error(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render(
                "notice.html.j2", lang, text=_("Sorry, something went wrong on my side. Please try again in a moment.")
            )
        )

    def text_only(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render(
                "notice.html.j2",
                lang,
                text=_("I can only read text. Please copy the words of the message, or forward it as text."),
            )
        )

    def expired(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        return Outcome(
            [
                Reply(
                    render(
                        "notice.html.j2",
                        lang,
                        text=_("I no longer have that text (I keep nothing). Please send it again."),
                    )
                )
            ]
        )

    def unknown_command(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render("notice.html.j2", lang, text=_("I do not know that command. Send /help to see what I can do."))
        )

    def group_redirect(self, lang: str, username: str | None) -> Reply:
        _ = gettext_for(lang)
        buttons = [[Button(_("Open a private chat"), url=f"https://t.me/{username}?start=group")]] if username else []
        return Reply(
            render(
                "notice.html.j2",
                lang,
                text=_("To keep your situation private, please send me the message in a private chat."),
            ),
            buttons,
        )

    def group_hint(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render("notice.html.j2", lang, text=_("In groups I answer only commands and messages that mention me."))
        )

    # -- texts ---------------------------------------------------------------------------------------------

    def respond(
        self,
        analysis: Analysis,
        lang: str,
        jurisdiction: str | None = None,
        *,
        kind: str,
        crisis_done: bool = False,
        pending_token: str | None = None,
    ) -> list[Reply]:
        """Replies to a text already classified as `kind`; crisis support first unless already sent."""
        if analysis.unread_language and not analysis.crisis:
            return [self.unread(analysis.unread_language)]
        out: list[Reply] = []
        if kind == "message":
            if not crisis_done and analysis.crisis:
                out.append(self.crisis_banner(lang, analysis.audience, "assessment"))
            out.extend(self.assessment(analysis.assessment, lang))
        elif kind == "question":
            if analysis.crisis:
                if not crisis_done:
                    out.append(self.crisis_reply(analysis, lang))
            else:
                out.extend(self.answer(analysis.answer, lang))
        else:
            out.append(self.ambiguous(lang, pending_token or ""))
        return out

    def unread(self, code: str) -> Reply:
        """A text in a language the bot does not read: which languages it reads, in each of them (never a guess)."""
        names = {lang: self.language_name(lang) for lang in LANGUAGES}
        return Reply(
            render(
                "unread_language.html.j2",
                "en",
                lines=[
                    (
                        lang,
                        gettext_for(lang)(
                            "I can read only these languages: %(languages)s. Please write to me in one of them."
                        )
                        % {"languages": ", ".join(names.values())},
                    )
                    for lang in LANGUAGES
                ],
            )
        )

    def crisis_reply(self, analysis: Analysis, lang: str) -> Reply:
        """Support first, and still an answer: a short warm line and the region's crisis lines, then the answer to
        the question the text asks (so a false trigger costs a sentence, and a true one is never left with only a
        hotline). A text that asks nothing else gets the full crisis reply."""
        question = analysis.answer.question
        if question is None or not question.confident or question.topic in HIDDEN_TOPICS:
            return self.crisis(lang, analysis.audience)
        topic = self.topic(question.topic, lang, analysis.audience)
        return Reply(self.crisis_banner(lang, analysis.audience, "answer").html + "\n\n" + topic.html, topic.buttons)

    def crisis_banner(self, lang: str, audience: Audience | str | None = None, then: str = "plan") -> Reply:
        """The short form: a warm line and the crisis lines of the user's region, never another region's; then
        says what follows: the answer, the assessment, or the plan's next question."""
        audience = self._as_audience(lang, audience)
        judge = self._judge(audience)
        return Reply(
            render(
                "crisis_banner.html.j2",
                lang,
                then=then,
                channels=judge.channels([*judge.crisis_lines, *judge.emergency], lang),
            )
        )

    def crisis(self, lang: str, audience: Audience | str | None = None) -> Reply:
        """Crisis support: the region's crisis lines and emergency numbers, never another region's."""
        audience = self._as_audience(lang, audience)
        judge = self._judge(audience)
        topic = self.topics.get("crisis")
        ans = judge.answer(topic) if topic is not None else None
        ids = [*judge.crisis_lines, *judge.emergency, *(ans.channels if ans else [])]
        return Reply(
            render("crisis.html.j2", lang, answer=ans.text.get(lang) if ans else "", channels=judge.channels(ids, lang))
        )

    def danger(self, lang: str, audience: Audience | str | None = None) -> Reply:
        audience = self._as_audience(lang, audience)
        return Reply(render("danger.html.j2", lang, number=self._judge(audience).police_number()))

    def assessment(self, a: Assessment, lang: str) -> list[Reply]:
        """The first reply fits a phone screen: the verdict, at most three findings of a line each (what, the
        quoted words, the main legal basis), the law applied; the rest sits behind buttons."""
        _ = gettext_for(lang)
        judge = self._judge(a.audience)
        out = []
        if "threat_violence" in a.categories:
            out.append(self.danger(lang, a.audience))
        top = _one_per_category(a.findings)
        lines = []
        for f in top[:MAX_SUMMARY_FINDINGS]:
            basis = _main_basis(judge, f, lang)
            lines.append(
                {
                    "title": f.signal.title.get(lang),
                    "evidence": _clip(f.evidence),
                    "kind": f.kind,
                    "basis": basis["label"] if basis else "",
                    "model": f.source != "pattern",
                    "confidence": round(f.score * 100),
                }
            )
        buttons: list[list[Button]] = []
        region = a.audience.region
        if a.findings:
            ids = self._ids_field([f.id for f in top], prefix=f"a:r:{region}:")
            buttons = [
                [
                    Button(_("The law in full"), cb.DETAIL.encode("l", region, ids)),
                    Button(_("What to reply"), cb.DETAIL.encode("r", region, ids)),
                ],
                [
                    Button(_("What to do now"), cb.DETAIL.encode("n", region, ids)),
                    Button(_("Where to complain"), cb.DETAIL.encode("c", region, ids)),
                ],
            ]
            if "contact_third_party" in a.categories:
                buttons.append([Button(_("Card for family and contacts"), cb.DETAIL.encode("f", region, ids))])
        else:
            buttons = [
                [Button(_("Ask a question"), cb.MENU.encode("ask")), Button(_("My rights"), cb.MENU.encode("rights"))]
            ]
        buttons.append([Button(_("Change region"), cb.MENU.encode("region"))])
        if a.findings:
            fb = self._ids_field([f.id for f in top], prefix="fb:p::u")
            buttons.append(
                [Button("👍", cb.FEEDBACK.encode("p", fb, "u")), Button("👎", cb.FEEDBACK.encode("p", fb, "d"))]
            )
        more = max(0, len(top) - MAX_SUMMARY_FINDINGS)
        out.append(
            Reply(
                render(
                    "assessment.html.j2",
                    lang,
                    verdict=a.verdict,
                    verdict_label=verdict_label(a.verdict, lang),
                    findings=lines,
                    more=more,
                    law=self.law_line(a.audience, lang),
                    truncated=a.truncated,
                    max_chars=MAX_CHARS,
                ),
                buttons,
            )
        )
        return out

    def ambiguous(self, lang: str, token: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(
            render("notice.html.j2", lang, text=_("Is this a message you received, or your own question?")),
            [
                [
                    Button(_("A message I received"), cb.AMBIGUOUS.encode("m", token)),
                    Button(_("My question"), cb.AMBIGUOUS.encode("q", token)),
                ]
            ],
        )

    def answer(self, ans: Answer, lang: str) -> list[Reply]:
        if ans.topic == "crisis":
            return [self.crisis(lang, ans.audience)]
        if ans.topic == "out_of_scope" or ans.topic not in self.topics:
            return [self.out_of_scope(lang)]
        if not ans.confident:
            return [self.did_you_mean(ans, lang)]
        return [self.topic(ans.topic, lang, ans.audience)]

    def out_of_scope(self, lang: str) -> Reply:
        return Reply(render("out_of_scope.html.j2", lang), self.main_buttons(lang))

    def did_you_mean(self, ans: Answer, lang: str) -> Reply:
        _ = gettext_for(lang)
        ids = [ans.topic] + [t.topic for t in ans.alternatives]
        ids = [t for i, t in enumerate(ids) if t in self.topics and t not in HIDDEN_TOPICS and t not in ids[:i]][:3]
        region = ans.audience.region
        buttons = [[Button(self.topics[t].title.get(lang), cb.TOPIC_IN.encode(t, region))] for t in ids]
        if not buttons:
            return self.out_of_scope(lang)
        buttons.append([Button(_("My rights"), cb.MENU.encode("rights"))])
        return Reply(render("did_you_mean.html.j2", lang), buttons)

    def topic(self, topic_id: str, lang: str, audience: Audience | str | None = None) -> Reply:
        _ = gettext_for(lang)
        audience = self._as_audience(lang, audience)
        topic = self.topics.get(topic_id)
        if topic is None:
            return self.out_of_scope(lang)
        if topic_id == "crisis":
            return self.crisis(lang, audience)
        judge = self._judge(audience)
        ans = judge.answer(topic)
        if ans is None:
            return self.out_of_scope(lang)
        region = audience.region
        buttons = []
        details = []
        full = ans.text.get(lang)
        text = _lead(full)
        if text != full:
            buttons.append([Button(_("The full answer"), cb.TOPIC_DETAIL.encode("a", topic_id, region))])
        if ans.sources:
            details.append(Button(_("Legal basis"), cb.TOPIC_DETAIL.encode("l", topic_id, region)))
        if ans.channels:
            details.append(Button(_("Where to get help"), cb.TOPIC_DETAIL.encode("c", topic_id, region)))
        if details:
            buttons.append(details)
        buttons += [
            [Button(self.topics[r].title.get(lang), cb.TOPIC_IN.encode(r, region))] for r in self.related(topic_id)
        ]
        buttons.append([Button(_("Change region"), cb.MENU.encode("region"))])
        buttons.append(
            [Button("👍", cb.FEEDBACK.encode("t", topic_id, "u")), Button("👎", cb.FEEDBACK.encode("t", topic_id, "d"))]
        )
        return Reply(
            render("topic.html.j2", lang, title=topic.title.get(lang), answer=text, law=self.law_line(audience, lang)),
            buttons,
        )

    def topic_detail(self, what: str, topic_id: str, lang: str, region: str | None) -> Outcome:
        """The legal basis (l) or the help channels (c) of a topic answer, one tap away."""
        audience = self._as_audience(lang, region)
        topic = self.topics.get(topic_id)
        judge = self._judge(audience)
        ans = judge.answer(topic) if topic is not None else None
        if ans is None or topic is None:
            return self.expired(lang)
        if what == "a":
            return Outcome(
                [
                    Reply(
                        render(
                            "topic.html.j2",
                            lang,
                            title=topic.title.get(lang),
                            answer=ans.text.get(lang),
                            law=self.law_line(audience, lang),
                        )
                    )
                ]
            )
        if what == "l":
            basis = judge.citations(ans.sources, lang, summary=True)
            return Outcome(
                [
                    Reply(
                        render(
                            "topic_basis.html.j2",
                            lang,
                            title=topic.title.get(lang),
                            basis=basis,
                            secondary=any(c["status"] != "confirmed" for c in basis),
                        )
                    )
                ]
            )
        return Outcome(
            [
                Reply(
                    render(
                        "next_steps.html.j2",
                        lang,
                        todo=[],
                        evidence=[],
                        channels=judge.channels(ans.channels, lang),
                        local_help=not audience.covered,
                        law=self.law_line(audience, lang),
                    )
                )
            ]
        )

    def related(self, topic_id: str, n: int = 3) -> list[str]:
        topic = self.topics[topic_id]
        cats = set(topic.related_categories)
        scored = []
        for i, t in enumerate(self.kb.topics):
            if t.id == topic_id or t.id in HIDDEN_TOPICS:
                continue
            overlap = len(cats & set(t.related_categories))
            if overlap:
                scored.append((-overlap, i, t.id))
        return [tid for _, _, tid in sorted(scored)[:n]]

    def rights_page(self, lang: str, page: int = 0, edit: bool = False) -> Reply:
        _ = gettext_for(lang)
        pages = max(1, -(-len(self.browse_topics) // TOPICS_PER_PAGE))
        page = min(max(0, page), pages - 1)
        chunk = self.browse_topics[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
        buttons = [[Button(self.topics[t].title.get(lang), cb.TOPIC.encode(t))] for t in chunk]
        nav = []
        if page > 0:
            nav.append(Button("◀ " + _("Previous"), cb.RIGHTS_PAGE.encode(page - 1)))
        if page < pages - 1:
            nav.append(Button(_("Next") + " ▶", cb.RIGHTS_PAGE.encode(page + 1)))
        if nav:
            buttons.append(nav)
        return Reply(render("rights.html.j2", lang, page=page + 1, pages=pages), buttons, edit)

    # -- details of an assessment, one tap away ---------------------------------------------------------------

    def detail(self, what: str, ids: str, lang: str, jurisdiction: str | None = None) -> Outcome:
        """what: l (the law in full), r (what to reply), a (replies for a borrower who accepts the debt),
        n (what to do now), c (where to complain), f (card for family). Every screen says each citation,
        evidence item and channel once, the most important first."""
        region, _sep, rest = ids.partition(":") if ":" in ids else (jurisdiction or "", "", ids)
        signals = self.signals_of(rest)
        if not signals:
            return self.expired(lang)
        audience = self._as_audience(lang, region or jurisdiction)
        judge = self._judge(audience)
        judged = [(sig, judge.judgement(sig)) for sig in signals]
        law = self.law_line(audience, lang)
        if what in ("r", "a"):
            items: list[dict[str, Any]] = []
            seen: set[str] = set()
            for sig, j in judged:
                short = [x for x in j.replies.short.get(lang) if x not in seen]
                formal = (
                    j.replies.formal.get(lang)
                    if what == "r" or j.replies.accepting is None
                    else j.replies.accepting.get(lang)
                )
                seen.update(short)
                if formal in seen:
                    formal = ""
                seen.add(formal)
                if short or formal:
                    items.append({"title": sig.title.get(lang), "short": short, "formal": formal})
            buttons = []
            if what == "r" and any(j.replies.accepting is not None for _s, j in judged):
                buttons = [
                    [
                        Button(
                            gettext_for(lang)("I accept this debt: show that version"),
                            cb.DETAIL.encode("a", audience.region, rest),
                        )
                    ]
                ]
            return Outcome([Reply(render("replies.html.j2", lang, items=items, accepting=what == "a"), buttons)])
        if what == "n":
            evidence = _unique(e for _s, j in judged for e in j.next_steps.evidence.get(lang))
            todo = _unique(j.what_to_do.get(lang) for _s, j in judged)
            return Outcome([Reply(render("next_steps.html.j2", lang, todo=todo, evidence=evidence, channels=[]))])
        if what == "c":
            channels = judge.channels((c for _s, j in judged for c in j.next_steps.channels), lang)
            return Outcome(
                [
                    Reply(
                        render(
                            "next_steps.html.j2",
                            lang,
                            todo=[],
                            evidence=[],
                            channels=channels,
                            law=law,
                            local_help=not audience.covered,
                        )
                    )
                ]
            )
        if what == "l":
            items = []
            cited: set[str] = set()
            for sig, j in judged:
                basis = [c for c in judge.citations(j.legal_basis, lang, summary=True) if c["id"] not in cited]
                cited.update(c["id"] for c in basis)
                items.append({"title": sig.title.get(lang), "explanation": j.explanation.get(lang), "basis": basis})
            secondary = any(c["status"] != "confirmed" for it in items for c in it["basis"])
            return Outcome([Reply(render("law.html.j2", lang, items=items, law=law, secondary=secondary))])
        if what == "f":
            return Outcome([self.family_card(lang, signals, audience)])
        return self.expired(lang)

    def family_card(
        self, lang: str, signals: list[Signal] | None = None, audience: Audience | str | None = None
    ) -> Reply:
        audience = self._as_audience(lang, audience)
        judge = self._judge(audience)
        third = [s for s in signals or [] if s.category == "contact_third_party"]
        if not third:
            third = [s for s in self.kb.signals if s.category == "contact_third_party"][:1]
        channels = judge.channels((c for s in third for c in judge.judgement(s).next_steps.channels), lang)
        return Reply(render("family_card.html.j2", lang, law=self.law_line(audience, lang), channels=channels[:4]))

    def signals_of(self, ids: str) -> list[Signal]:
        out = []
        for s in ids.split(","):
            sid = self.signal_of_short.get(s)
            if sid and sid in self.signals:
                out.append(self.signals[sid])
        return out

    def feedback_refs(self, kind: str, ref: str) -> list[tuple[str, str]]:
        """(kind, id) pairs to store for a feedback button."""
        if kind == "t":
            return [("topic", ref)] if ref in self.topics else []
        return [("practice", s.id) for s in self.signals_of(ref)]

    def feedback_thanks(self, lang: str) -> str:
        _ = gettext_for(lang)
        return _("Thank you for your feedback.")

    # -- helpers -------------------------------------------------------------------------------------------

    def _as_audience(self, lang: str, audience: Audience | str | None) -> Audience:
        if isinstance(audience, Audience):
            return audience
        return self.audience(lang, audience or None)

    def law_line(self, audience: Audience, lang: str) -> str:
        """Which law a reply applied, and why: chosen, inferred from the message's words, or the language's."""
        _ = gettext_for(lang)
        name = self.region_name(audience.region, lang)
        if not audience.covered:
            return (
                _("The law of %(region)s is not covered yet: this is general guidance, not that place's law.")
                % {"region": name}
                if audience.region != OTHER
                else _("Your region's law is not covered yet: this is general guidance, not any place's law.")
            )
        if audience.how == "inferred" and audience.cue:
            return _("Law applied: %(region)s (from «%(cue)s» in the message)") % {
                "region": name,
                "cue": _clip(audience.cue, 20),
            }
        return _("Law applied: %(region)s") % {"region": name}

    def _ids_field(self, signal_ids: list[str], prefix: str) -> str:
        room = MAX_CALLBACK_DATA - len(prefix.encode())
        out: list[str] = []
        for sid in _unique(signal_ids):
            s = self.short_ids[sid]
            if len(",".join([*out, s])) > room:
                break
            out.append(s)
        return ",".join(out)

    @staticmethod
    def format_date(iso: str, lang: str) -> str:
        return long_date(iso, lang)

    @staticmethod
    def language_name(lang: str) -> str:
        """The language's own name for itself (from CLDR through Babel): 中文 (简体), 中文 (繁體), English."""
        loc = Locale.parse(languages.babel_locale(lang))
        name = loc.get_display_name(loc) or lang
        return name[:1].upper() + name[1:]

    def region_name(self, jurisdiction: str, lang: str) -> str:
        return region_name(self.kb, jurisdiction, lang)

    def region_label(self, jurisdiction: str, lang: str) -> str:
        """A button label for a region: its name, or "somewhere else" for a region not listed."""
        if jurisdiction == OTHER:
            return gettext_for(lang)("Somewhere else")
        return self.region_name(jurisdiction, lang)


LEAD_CHARS = 480  # a topic answer longer than this shows its opening on the first screen, the rest one tap away


def _lead(text: str) -> str:
    """The opening of an answer that fits a phone screen: whole lines, up to LEAD_CHARS (at least the first)."""
    if len(text) <= LEAD_CHARS:
        return text
    out: list[str] = []
    for line in text.splitlines():
        if out and len("\n".join([*out, line])) > LEAD_CHARS:
            break
        out.append(line)
    lead = "\n".join(out)
    if len(lead) > LEAD_CHARS:  # one long paragraph: its first sentences
        sentences = re.findall(r"[^。！？.!?]+[。！？.!?]*\s*", lead)
        lead = ""
        for sentence in sentences:
            if lead and len(lead + sentence) > LEAD_CHARS:
                break
            lead += sentence
    return lead.rstrip() + " …"


def _one_per_category(findings: list[Finding]) -> list[Finding]:
    """The most important finding of each category, in the judge's order (scam, unlawful, lawful; severity)."""
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.category not in seen:
            seen.add(f.category)
            out.append(f)
    return out


def _main_basis(judge: Judge, f: Finding, lang: str) -> dict[str, Any] | None:
    cites = judge.citations(f.judgement.legal_basis, lang)
    return next((c for c in cites if c["status"] == "confirmed"), cites[0] if cites else None)


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _short_ids(ids: list[str]) -> dict[str, str]:
    """Stable short ASCII ids for practice ids (so buttons still work after a restart)."""
    for width in (5, 6, 8, 10, 12, 40):
        short = {pid: hashlib.sha1(pid.encode()).hexdigest()[:width] for pid in ids}
        if len(set(short.values())) == len(set(ids)):
            return short
    raise RuntimeError("duplicate practice ids")  # pragma: no cover


def _unique(items: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for x in items:
        if x not in seen:
            seen.append(x)
    return seen
