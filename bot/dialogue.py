"""What the bot says, without Telegram: deciding what a text is, and building replies (HTML plus buttons).

The Telegram handlers (handlers/) turn a `Reply` into a message with an inline keyboard, and a pressed button's
`callback_data` back into a call here. Button data are written and read by bot.callback_data (one codec for
the whole bot), always within Telegram's 64 bytes.

Texts are never kept, except an ambiguous text while the user decides what it is: in memory only
(`PendingTexts`), for at most PENDING_TTL seconds, never written anywhere.
"""

from __future__ import annotations

import datetime as dtm
import hashlib
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from babel import Locale
from babel.dates import format_date

from bot import callback_data as cb
from bot.config import LANGUAGES
from bot.engine import MAX_CHARS, Answer, Assessment, Engine
from bot.i18n import gettext_for
from bot.kb.schema import Practice, Topic
from bot.render import render, split_html
from bot.report import verdict_label

MAX_CALLBACK_DATA = 64
PENDING_TTL = 30 * 60
TOPICS_PER_PAGE = 6
PLAN_CALLBACK = cb.PLAN_START.encode()
HIDDEN_TOPICS = ("crisis", "out_of_scope")
BABEL_LOCALE = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "en": "en"}
POLICE_FALLBACK = {"CN": "110", "US": "911"}


# -- the reply model -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Button:
    label: str
    data: str | None = None      # callback data (ASCII, <= 64 bytes)
    url: str | None = None


@dataclass
class Reply:
    html: str
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False           # replace the message whose button was pressed, rather than sending a new one

    def __post_init__(self) -> None:
        for row in self.buttons:
            for b in row:
                if b.data is not None and not 1 <= len(b.data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise ValueError(f"callback data must be 1-64 bytes: {b.data!r}")


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None     # the short notice shown when a button is pressed
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
_Q_START = re.compile(r"^\s*(?:can|could|may|might|will|would|should|shall|is|are|am|do|does|did|what|how|why|"
                      r"when|where|who|which|whom|i\s|i'm|im\s|my\s|help)\b", re.I)
_Q_WORDS = re.compile(r"能不能|可不可以|可以吗|会不会|會不會|是不是|怎么办|怎麼辦|怎么|怎麼|如何|为什么|為什麼|为何|"
                      r"多久|哪里|哪裡|合法吗|合法嗎|违法吗|違法嗎|算不算|有没有|有沒有|要不要|该不该|該不該|咋办|"
                      r"點算|点算|點樣|点样|可唔可以|會唔會|会唔会|係咪|系咪|有冇|幾耐|几耐|請問|请问")
_FIRST_PERSON = re.compile(r"我|\b(?:i|i'm|im|my|me|mine)\b", re.I)
_SECOND_PERSON = re.compile(r"你|您|\b(?:you|your|yours)\b", re.I)
_SMS_SIGNS = re.compile(r"^\s*[【\[][^】\]]{2,20}[】\]]|[【\[][^】\]]{2,20}[】\]]\s*$|尊敬的|親愛的|亲爱的|退订|退訂|"
                        r"回[tT]|\bdear\b|\breply stop\b|\bthis is an attempt to collect\b|\bfinal notice\b|"
                        r"\byour account\b|您的账户|您的賬戶|您的借款|您的贷款|您的貸款|逾期\d+天", re.I)
_SENTENCES = re.compile(r"[。！？!?.;；\n]+")


class Analysis:
    """What the engine says about one text, computed once per update and only as far as needed: a forwarded
    message needs no answer, a text sent after "Ask a question" no assessment."""

    def __init__(self, text: str, engine: Engine, lang: str, jurisdiction: str):
        self.text, self._engine, self._lang, self._jur = text, engine, lang, jurisdiction
        self._assessment: Assessment | None = None
        self._answer: Answer | None = None

    @property
    def assessment(self) -> Assessment:
        if self._assessment is None:
            self._assessment = self._engine.assess(self.text, self._lang, self._jur)
        return self._assessment

    @property
    def answer(self) -> Answer:
        if self._answer is None:
            self._answer = self._engine.answer(self.text, self._lang, self._jur)
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
        if len(self._hits) > 50_000:   # drop idle users
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
    def __init__(self, engine: Engine, *, retention_days: int = 180, plan_available: bool = False,
                 plan_callback: str = PLAN_CALLBACK):
        self.engine, self.kb = engine, engine.kb
        self.retention_days = retention_days
        self.plan_available, self.plan_callback = plan_available, plan_callback
        self.practices = self.kb.practice_by_id
        self.topics = self.kb.topic_by_id
        self.short_ids = _short_ids([p.id for p in self.kb.practices])
        self.practice_of_short = {v: k for k, v in self.short_ids.items()}
        self.jurisdictions = [j for j in ("CN", "US") if j == "CN" or any(p.jurisdiction == j
                                                                          for p in self.kb.practices)]
        self.browse_topics = [t.id for t in self.kb.topics if t.id not in HIDDEN_TOPICS]
        self._basis_cache: dict[tuple[tuple[str, ...], str, bool], list[dict[str, Any]]] = {}

    # -- engine ------------------------------------------------------------------------------------------

    def analyse(self, text: str, lang: str, jurisdiction: str) -> Analysis:
        return Analysis(text, self.engine, lang, jurisdiction)

    # -- menus ---------------------------------------------------------------------------------------------

    def main_buttons(self, lang: str) -> list[list[Button]]:
        _ = gettext_for(lang)
        return [[Button(_("Check a message"), cb.MENU.encode("check")), Button(_("Ask a question"), cb.MENU.encode("ask"))],
                [Button(_("Make a repayment plan"), self.plan_callback),
                 Button(_("My rights"), cb.MENU.encode("rights"))]]

    def start(self, lang: str, jurisdiction: str) -> Reply:
        return Reply(render("start.html.j2", lang, region=self.region_name(jurisdiction, lang)),
                     self.main_buttons(lang))

    def help(self, lang: str) -> Reply:
        return Reply(render("help.html.j2", lang, plan=self.plan_available), self.main_buttons(lang))

    def privacy(self, lang: str) -> Reply:
        return Reply(render("privacy.html.j2", lang, days=self.retention_days, pending_minutes=PENDING_TTL // 60))

    def lang_menu(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        buttons = [[Button(self.language_name(code), cb.LANGUAGE.encode(code)) for code in LANGUAGES]]
        return Reply(render("notice.html.j2", lang, text=_("Choose the language of the bot:")), buttons)

    def lang_set(self, lang: str, jurisdiction: str) -> Outcome:
        _ = gettext_for(lang)
        return Outcome([Reply(render("notice.html.j2", lang, text=_("From now on I will answer in %(language)s.")
                                     % {"language": self.language_name(lang)}), self.main_buttons(lang), True)],
                       toast=self.language_name(lang))

    def region_menu(self, lang: str, jurisdiction: str) -> Reply:
        _ = gettext_for(lang)
        buttons = [[Button(("✓ " if j == jurisdiction else "") + self.region_name(j, lang), cb.REGION.encode(j))
                    for j in self.jurisdictions]]
        text = _("Which law should I apply? Now: %(region)s.") % {"region": self.region_name(jurisdiction, lang)}
        return Reply(render("region.html.j2", lang, text=text, only_cn=len(self.jurisdictions) == 1), buttons)

    def region_set(self, lang: str, jurisdiction: str) -> Outcome:
        _ = gettext_for(lang)
        text = _("From now on I apply the law of %(region)s.") % {"region": self.region_name(jurisdiction, lang)}
        return Outcome([Reply(render("notice.html.j2", lang, text=text), [], True)],
                       toast=self.region_name(jurisdiction, lang))

    def forget_confirm(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("forget.html.j2", lang),
                     [[Button(_("Yes, delete everything"), cb.FORGET.encode("yes")),
                       Button(_("No, keep it"), cb.FORGET.encode("no"))]])

    def forgotten(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        return Outcome([Reply(render("notice.html.j2", lang, text=_(
            "Done: everything I stored about you has been deleted. If you write again, I will start afresh.")),
            [], True)])

    def forget_cancelled(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        return Outcome([Reply(render("notice.html.j2", lang, text=_("Nothing was deleted.")), [], True)])

    def cancelled(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("notice.html.j2", lang, text=_("Cancelled. What would you like to do?")),
                     self.main_buttons(lang))

    def prompt_check(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("notice.html.j2", lang, text=_(
            "Paste or forward the message you received (SMS, WeChat, e-mail…). I will tell you whether it is "
            "lawful and what you can do.")))

    def prompt_ask(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("notice.html.j2", lang, text=_(
            "Ask your question in your own words, for example: can they call my parents? will I go to jail?")))

    def plan_unavailable(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        text = _("Send /plan to make a repayment plan.") if self.plan_available else _(
            "Repayment plans are coming soon.")
        return Outcome([Reply(render("notice.html.j2", lang, text=text))])

    def slow_down(self, lang: str, seconds: int = 60) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("notice.html.j2", lang, text=_(
            "You are sending messages very fast, so I skipped the last ones. Please wait %(seconds)d seconds, then "
            "send the most important one again.") % {"seconds": seconds}))

    def forget_pending(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        return Outcome([Reply(render("notice.html.j2", lang, text=_(
            "I could not delete everything yet: my database is busy. Your data is already out of use; I keep "
            "trying to delete it and will tell you as soon as it is done.")), [], True)])

    def error(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("notice.html.j2", lang, text=_(
            "Sorry, something went wrong on my side. Please try again in a moment.")))

    def text_only(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("notice.html.j2", lang, text=_(
            "I can only read text. Please copy the words of the message, or forward it as text.")))

    def expired(self, lang: str) -> Outcome:
        _ = gettext_for(lang)
        return Outcome([Reply(render("notice.html.j2", lang, text=_(
            "I no longer have that text (I keep nothing). Please send it again.")))])

    def unknown_command(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("notice.html.j2", lang, text=_("I do not know that command. Send /help to see what I "
                                                            "can do.")))

    def group_redirect(self, lang: str, username: str | None) -> Reply:
        _ = gettext_for(lang)
        buttons = [[Button(_("Open a private chat"), url=f"https://t.me/{username}?start=group")]] if username else []
        return Reply(render("notice.html.j2", lang, text=_(
            "To keep your situation private, please send me the message in a private chat.")), buttons)

    def group_hint(self, lang: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("notice.html.j2", lang, text=_(
            "In groups I answer only commands and messages that mention me.")))

    # -- texts ---------------------------------------------------------------------------------------------

    def respond(self, analysis: Analysis, lang: str, jurisdiction: str, *, kind: str, crisis_done: bool = False,
                pending_token: str | None = None) -> list[Reply]:
        """Replies to a text already classified as `kind`; crisis support first unless already sent."""
        out: list[Reply] = []
        if not crisis_done and analysis.crisis:
            out.append(self.crisis(lang, jurisdiction))
        if kind == "message":
            out.extend(self.assessment(analysis.assessment, lang))
        elif kind == "question":
            if not analysis.crisis:
                out.extend(self.answer(analysis.answer, lang))
        else:
            out.append(self.ambiguous(lang, pending_token or ""))
        return out

    def crisis(self, lang: str, jurisdiction: str) -> Reply:
        topic = self.topics.get("crisis")
        text, channels = "", []
        if topic is not None:
            text = self._answer_text(topic, jurisdiction, lang)[0]
            channels = [self._channel(c, lang) for c in topic.channels if c in self.kb.channels]
        return Reply(render("crisis.html.j2", lang, answer=text, channels=channels))

    def danger(self, lang: str, jurisdiction: str) -> Reply:
        police = next((ch.contact for cid, ch in self.kb.channels.items()
                       if ch.jurisdiction == jurisdiction and ch.kind == "police" and ch.contact), None)
        return Reply(render("danger.html.j2", lang, number=police or POLICE_FALLBACK.get(jurisdiction, "110")))

    def assessment(self, a: Assessment, lang: str) -> list[Reply]:
        _ = gettext_for(lang)
        out = []
        if "threat_violence" in a.categories:
            out.append(self.danger(lang, a.jurisdiction))
        findings = [{"title": f.practice.title.get(lang), "evidence": f.evidence, "kind": f.kind,
                     "explanation": f.practice.explanation.get(lang),
                     "basis": self._basis(f.practice.legal_basis, lang)} for f in a.findings]
        buttons: list[list[Button]] = []
        if a.findings:
            ids = self._ids_field([f.practice.id for f in a.findings], prefix="a:r:")
            buttons = [[Button(_("Suggested replies"), cb.DETAIL.encode("r", ids)),
                        Button(_("What to do now"), cb.DETAIL.encode("n", ids))],
                       [Button(_("Explain the law"), cb.DETAIL.encode("l", ids))]]
            if "contact_third_party" in a.categories:
                buttons.append([Button(_("Card for family and contacts"), cb.DETAIL.encode("f", ids))])
            fb = self._ids_field([f.practice.id for f in a.findings], prefix="fb:p::u")
            buttons.append([Button("👍", cb.FEEDBACK.encode("p", fb, "u")), Button("👎", cb.FEEDBACK.encode("p", fb, "d"))])
        else:
            buttons = [[Button(_("Ask a question"), cb.MENU.encode("ask")), Button(_("My rights"), cb.MENU.encode("rights"))]]
        truncated = len(a.text) > MAX_CHARS
        out.append(Reply(render("assessment.html.j2", lang, verdict=a.verdict, verdict_label=verdict_label(
            a.verdict, lang), region=self.region_name(a.jurisdiction, lang), findings=findings,
            truncated=truncated, max_chars=MAX_CHARS), buttons))
        return out

    def ambiguous(self, lang: str, token: str) -> Reply:
        _ = gettext_for(lang)
        return Reply(render("notice.html.j2", lang, text=_("Is this a message you received, or your own question?")),
                     [[Button(_("A message I received"), cb.AMBIGUOUS.encode("m", token)),
                       Button(_("My question"), cb.AMBIGUOUS.encode("q", token))]])

    def answer(self, ans: Answer, lang: str) -> list[Reply]:
        if ans.topic == "crisis":
            return [self.crisis(lang, ans.jurisdiction)]
        if ans.topic == "out_of_scope" or ans.topic not in self.topics:
            return [self.out_of_scope(lang)]
        if not ans.confident:
            return [self.did_you_mean(ans, lang)]
        return [self.topic(ans.topic, lang, ans.jurisdiction)]

    def out_of_scope(self, lang: str) -> Reply:
        return Reply(render("out_of_scope.html.j2", lang), self.main_buttons(lang))

    def did_you_mean(self, ans: Answer, lang: str) -> Reply:
        _ = gettext_for(lang)
        ids = [ans.topic] + [t.topic for t in ans.alternatives]
        ids = [t for i, t in enumerate(ids) if t in self.topics and t not in HIDDEN_TOPICS and t not in ids[:i]][:3]
        buttons = [[Button(self.topics[t].title.get(lang), cb.TOPIC.encode(t))] for t in ids]
        if not buttons:
            return self.out_of_scope(lang)
        buttons.append([Button(_("My rights"), cb.MENU.encode("rights"))])
        return Reply(render("did_you_mean.html.j2", lang), buttons)

    def topic(self, topic_id: str, lang: str, jurisdiction: str) -> Reply:
        _ = gettext_for(lang)
        topic = self.topics.get(topic_id)
        if topic is None:
            return self.out_of_scope(lang)
        if topic_id == "crisis":
            return self.crisis(lang, jurisdiction)
        text, sources, used = self._answer_text(topic, jurisdiction, lang)
        buttons = [[Button(self.topics[r].title.get(lang), cb.TOPIC.encode(r))] for r in self.related(topic_id)]
        buttons.append([Button("👍", cb.FEEDBACK.encode("t", topic_id, "u")),
                        Button("👎", cb.FEEDBACK.encode("t", topic_id, "d"))])
        return Reply(render("topic.html.j2", lang, title=topic.title.get(lang), answer=text,
                            basis=self._basis(sources, lang),
                            channels=[self._channel(c, lang) for c in topic.channels if c in self.kb.channels],
                            region=self.region_name(used, lang),
                            other_law=used != jurisdiction, wanted=self.region_name(jurisdiction, lang)), buttons)

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
        chunk = self.browse_topics[page * TOPICS_PER_PAGE:(page + 1) * TOPICS_PER_PAGE]
        buttons = [[Button(self.topics[t].title.get(lang), cb.TOPIC.encode(t))] for t in chunk]
        nav = []
        if page > 0:
            nav.append(Button("◀ " + _("Previous"), cb.RIGHTS_PAGE.encode(page - 1)))
        if page < pages - 1:
            nav.append(Button(_("Next") + " ▶", cb.RIGHTS_PAGE.encode(page + 1)))
        if nav:
            buttons.append(nav)
        return Reply(render("rights.html.j2", lang, page=page + 1, pages=pages), buttons, edit)

    # -- details of an assessment -------------------------------------------------------------------------

    def detail(self, what: str, ids: str, lang: str, jurisdiction: str) -> Outcome:
        practices = self.practices_of(ids)
        if not practices:
            return self.expired(lang)
        if what == "r":
            items = [{"title": p.title.get(lang), "short": p.replies.short.get(lang),
                      "formal": p.replies.formal.get(lang)} for p in practices]
            return Outcome([Reply(render("replies.html.j2", lang, items=items))])
        if what == "n":
            evidence = _unique(e for p in practices for e in p.next_steps.evidence.get(lang))
            todo = _unique(p.what_to_do.get(lang) for p in practices)
            channels = _unique(c for p in practices for c in p.next_steps.channels)
            return Outcome([Reply(render("next_steps.html.j2", lang, todo=todo, evidence=evidence,
                                         channels=[self._channel(c, lang) for c in channels
                                                   if c in self.kb.channels]))])
        if what == "l":
            items = [{"title": p.title.get(lang), "explanation": p.explanation.get(lang),
                      "basis": self._basis(p.legal_basis, lang, summaries=True)} for p in practices]
            return Outcome([Reply(render("law.html.j2", lang, items=items))])
        if what == "f":
            return Outcome([self.family_card(lang, practices)])
        return self.expired(lang)

    def family_card(self, lang: str, practices: list[Practice] | None = None, jurisdiction: str = "CN") -> Reply:
        third = [p for p in practices or [] if p.category == "contact_third_party"]
        if not third:
            third = [p for p in self.kb.practices if p.category == "contact_third_party"
                     and p.jurisdiction == jurisdiction][:1]
        channels = _unique(c for p in third for c in p.next_steps.channels)
        jur = third[0].jurisdiction if third else jurisdiction
        return Reply(render("family_card.html.j2", lang, region=self.region_name(jur, lang),
                            channels=[self._channel(c, lang) for c in channels if c in self.kb.channels][:4]))

    def practices_of(self, ids: str) -> list[Practice]:
        out = []
        for s in ids.split(","):
            pid = self.practice_of_short.get(s)
            if pid and pid in self.practices:
                out.append(self.practices[pid])
        return out

    def feedback_refs(self, kind: str, ref: str) -> list[tuple[str, str]]:
        """(kind, id) pairs to store for a feedback button."""
        if kind == "t":
            return [("topic", ref)] if ref in self.topics else []
        return [("practice", p.id) for p in self.practices_of(ref)]

    def feedback_thanks(self, lang: str) -> str:
        _ = gettext_for(lang)
        return _("Thank you for your feedback.")

    # -- helpers -------------------------------------------------------------------------------------------

    def _ids_field(self, practice_ids: list[str], prefix: str) -> str:
        room = MAX_CALLBACK_DATA - len(prefix.encode())
        out: list[str] = []
        for pid in _unique(practice_ids):
            s = self.short_ids[pid]
            if len(",".join([*out, s])) > room:
                break
            out.append(s)
        return ",".join(out)

    def _answer_text(self, topic: Topic, jurisdiction: str, lang: str) -> tuple[str, list[str], str]:
        used = jurisdiction if jurisdiction in topic.answers else "CN"
        ans = topic.answers.get(used) or next(iter(topic.answers.values()))
        return ans.text.get(lang), list(ans.sources), used

    def _basis(self, refs: Iterable[str], lang: str, summaries: bool = False) -> list[dict[str, Any]]:
        key = (tuple(refs), lang, summaries)
        if key not in self._basis_cache:
            self._basis_cache[key] = self._basis_uncached(key[0], lang, summaries)
        return self._basis_cache[key]

    def _basis_uncached(self, refs: Iterable[str], lang: str, summaries: bool) -> list[dict[str, Any]]:
        out = []
        for ref in refs:
            c = self.kb.citations.get(ref)
            if c is None or c.law not in self.kb.laws:
                continue
            law = self.kb.laws[c.law]
            out.append({"law": law.title.get(lang), "article": c.article.get(lang),
                        "effective": self.format_date(law.effective, lang), "status": c.status,
                        "summary": c.summary.get(lang) if summaries else ""})
        return out

    def _channel(self, cid: str, lang: str) -> dict[str, str]:
        ch = self.kb.channels[cid]
        return {"name": ch.name.get(lang), "contact": ch.contact, "url": ch.url, "scope": ch.scope.get(lang)}

    @staticmethod
    @lru_cache(maxsize=1024)
    def format_date(iso: str, lang: str) -> str:
        if not iso:
            return ""
        try:
            return format_date(dtm.date.fromisoformat(iso), format="long", locale=BABEL_LOCALE.get(lang, "zh_Hans"))
        except ValueError:
            return iso

    @staticmethod
    def language_name(lang: str) -> str:
        """The language's own name for itself (from CLDR through Babel): 中文 (简体), 中文 (繁體), English."""
        loc = Locale.parse(BABEL_LOCALE.get(lang, "zh_Hans"))
        name = loc.get_display_name(loc) or lang
        return name[:1].upper() + name[1:]

    @staticmethod
    def region_name(jurisdiction: str, lang: str) -> str:
        _ = gettext_for(lang)
        return {"CN": _("mainland China"), "US": _("the United States")}.get(jurisdiction, jurisdiction)


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
