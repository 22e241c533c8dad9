"""Callback data of every inline button: written and read back here, and nowhere else.

A button's data is `prefix:field:field…`, ASCII, at most 64 bytes (Telegram's limit). Each `Kind` knows its
prefix and the shape of its fields; `encode` refuses anything that does not fit (CallbackDataError), `decode`
returns the fields or None, and `pattern` is the regular expression a handler is routed by
(`CallbackQueryHandler(callback, pattern=KIND.pattern)`). Data a user forges or an old button sends matches
no kind, or decodes to None, and is answered as expired.

    m:check  m:ask  m:rights  m:help         menus
    m:region                                 the region menu
    a:<what>:<region>:<ids>                  details of an assessment: what = l (the law in full), r (what to
                                             reply), a (replies if the borrower accepts the debt), n (what to
                                             do now), c (where to complain), f (card for family); region = the
                                             region judged; ids = short signal ids
    t:<topic>[:<region>]                     a topic of the knowledge base (under the law of a region)
    tb:<l|c|a>:<topic>:<region>              a topic answer's legal basis / where to get help / in full
    rp:<page>                                a page of /rights
    fb:<t|p>:<ref>:<u|d>                     feedback on a topic / on the practices of an assessment
    amb:<m|q>:<token>                        an ambiguous text is a message / a question
    lang:<code>  reg:<region>                settings (regions: the knowledge base's, and "other")
    fg:yes  fg:no                            /forget confirmation
    p:start                                  /plan (also the old plan:start)
    p:go:resume|new                          an unfinished plan: resume it or start afresh
    p:back|skip|keep|cancel:<step>           interview navigation (the step tells a stale button)
    p:v:<step>:<value>  p:sug:<step>:<value> a choice / a suggested reading of a typed answer
    p:rv:<what>  p:rv:d|rm:<i>               the review screen
    p:x:save|remind|drop|again:<token>       after delivery (the token names the plan kept in memory)
    p:x:part:<part>:<token>                  send one part of a delivered plan again
    p:x:tz:<i>:<token>                       the time zone of the reminders
    p:rem:off                                stop reminders
    p:sv:list  p:sv:del  p:sv:open:<id>      saved plans
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import LANGUAGES

MAX_BYTES = 64


class CallbackDataError(ValueError):
    """A value that cannot be written into a button's data."""


@dataclass(frozen=True)
class Kind:
    prefix: str
    fields: tuple[str, ...] = ()  # a regular expression per field

    @property
    def pattern(self) -> re.Pattern[str]:
        body = "".join(f":({f})" for f in self.fields)
        return re.compile(f"^{re.escape(self.prefix)}{body}$")

    def encode(self, *values: object) -> str:
        if len(values) != len(self.fields):
            raise CallbackDataError(f"{self.prefix}: {len(self.fields)} field(s) expected, got {len(values)}")
        parts = [self.prefix]
        for value, field in zip(values, self.fields, strict=True):
            text = str(value)
            if not re.fullmatch(field, text):
                raise CallbackDataError(f"{self.prefix}: {text[:80]!r} does not fit")
            parts.append(text)
        data = ":".join(parts)
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise CallbackDataError(f"{self.prefix}: longer than {MAX_BYTES} bytes")
        return data

    def decode(self, data: str | None) -> tuple[str, ...] | None:
        m = self.pattern.match(data or "")
        return m.groups() if m else None

    def fits(self, *values: object) -> bool:
        try:
            self.encode(*values)
        except CallbackDataError:
            return False
        return True


_ID = r"[a-z0-9_]{1,48}"
_SHORT_IDS = r"[0-9a-f]{5,40}(?:,[0-9a-f]{5,40})*"
_TOKEN = r"[A-Za-z0-9_-]{1,16}"
_STEP = r"[a-z_]{1,20}"
_VALUE = r"[A-Za-z0-9_.]{1,24}"
_REGION = r"[A-Z]{2}|other"

# -- the dialogue (bot/dialogue.py) ------------------------------------------------------------------------
MENU = Kind("m", (r"check|ask|rights|help|region",))
DETAIL = Kind("a", (r"[lranfc]", _REGION, _SHORT_IDS))
TOPIC = Kind("t", (_ID,))
TOPIC_IN = Kind("t", (_ID, _REGION))  # a topic answered under the law of a region
TOPIC_DETAIL = Kind("tb", (r"[lca]", _ID, _REGION))  # legal basis, help channels, the full answer
RIGHTS_PAGE = Kind("rp", (r"\d{1,3}",))
FEEDBACK = Kind("fb", (r"[tp]", rf"{_ID}|{_SHORT_IDS}", r"[ud]"))
AMBIGUOUS = Kind("amb", (r"[mq]", _TOKEN))
LANGUAGE = Kind("lang", ("|".join(re.escape(code) for code in LANGUAGES),))  # the codes of languages.yaml
REGION = Kind("reg", (_REGION,))
FORGET = Kind("fg", (r"yes|no",))

# -- /plan (bot/plan/interview.py, handlers/plan.py) ----------------------------------------------------------
PLAN_START = Kind("p:start")
PLAN_START_OLD = Kind("plan:start")  # menus sent before the codec existed
PLAN_GO = Kind("p:go", (r"resume|new",))
PLAN_BACK = Kind("p:back", (_STEP,))
PLAN_SKIP = Kind("p:skip", (_STEP,))
PLAN_KEEP = Kind("p:keep", (_STEP,))
PLAN_CANCEL = Kind("p:cancel", (_STEP,))
PLAN_CHOICE = Kind("p:v", (_STEP, _VALUE))
PLAN_SUGGESTION = Kind("p:sug", (_STEP, r"[0-9.]{1,16}"))
PLAN_REVIEW = Kind("p:rv", (r"make|add|income|exp|dep|reason",))
PLAN_REVIEW_DEBT = Kind("p:rv", (r"d|rm", r"\d{1,2}"))
PLAN_AFTER = Kind("p:x", (r"save|remind|drop|again", _TOKEN))
PLAN_PART = Kind("p:x:part", (r"summary|letters|chart|pdf|ics", _TOKEN))
PLAN_ZONE = Kind("p:x:tz", (r"\d{1,2}", _TOKEN))
PLAN_REMINDERS_OFF = Kind("p:rem", (r"off",))
PLAN_SAVED = Kind("p:sv", (r"list|del",))
PLAN_SAVED_OPEN = Kind("p:sv:open", (r"[0-9a-f]{8,32}",))

INTERVIEW_KINDS = (
    PLAN_GO,
    PLAN_BACK,
    PLAN_SKIP,
    PLAN_KEEP,
    PLAN_CANCEL,
    PLAN_CHOICE,
    PLAN_SUGGESTION,
    PLAN_REVIEW,
    PLAN_REVIEW_DEBT,
)


def any_pattern(*kinds: Kind) -> re.Pattern[str]:
    """One pattern matching the data of any of these kinds (for a handler that serves several)."""
    return re.compile("|".join(k.pattern.pattern for k in kinds))


def decode_any(data: str | None, kinds: tuple[Kind, ...]) -> tuple[Kind, tuple[str, ...]] | None:
    for kind in kinds:
        values = kind.decode(data)
        if values is not None:
            return kind, values
    return None
