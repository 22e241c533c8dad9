"""What users read is finished text, and a suggested reply never costs the borrower a defence.

Every user-facing text of every jurisdiction's judgements, answers and channels, in every language, read through
bot.kb.loader.load_kb (so a jurisdiction added later is covered too):
- no doubled word ("本人本人", "the the") and no placeholder left over ({name}, XXX, an empty 【】 or (), "…" used
  as a blank);
- the default replies (`replies.short`, `replies.formal`) neither admit the debt nor disclose the borrower's
  finances: a written acknowledgment can cut off a limitation defence and confirms a debt to a scammer. Only
  `replies.accepting`, offered one tap away, admits the debt, and it too keeps income and budget private.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pytest
from pydantic import BaseModel

from bot.config import load_settings
from bot.kb.loader import KnowledgeBase, load_kb
from bot.kb.schema import Text, TextList


@lru_cache(maxsize=1)
def _kb() -> KnowledgeBase:
    return load_kb(load_settings().knowledge_dir)


def _walk(obj: Any, where: str) -> Iterator[tuple[str, str, str]]:
    """(field, language, text) for every Text / TextList inside a model."""
    if isinstance(obj, Text):
        for lang, text in obj.root.items():
            yield where, lang, text
    elif isinstance(obj, TextList):
        for lang, items in obj.root.items():
            for i, text in enumerate(items):
                yield f"{where}.{i}", lang, text
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name), f"{where}.{name}" if where else name)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{where}.{k}" if where else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{where}.{i}")


def _user_texts() -> list[tuple[str, str, str, str]]:
    """(jurisdiction, where, language, text) for judgements, answers and channels of every jurisdiction."""
    kb = _kb()
    out = []
    for code, data in kb.jurisdictions.items():
        for cat, judg in data.judgements.items():
            out += [(code, f"judgements/{cat}.yaml {f}", lang, t) for f, lang, t in _walk(judg, "")]
        for tid, ans in data.answers.items():
            out += [(code, f"answers.yaml {tid}.{f}", lang, t) for f, lang, t in _walk(ans, "")]
    for cid, ch in kb.channels.items():
        out += [(ch.jurisdiction, f"channels.yaml {cid}.{f}", lang, t) for f, lang, t in _walk(ch, "")]
    return out


def _replies() -> list[tuple[str, str, str, str, str]]:
    """(jurisdiction, where, kind, language, text) for every suggested reply (short, formal, accepting)."""
    out = []
    for code, data in _kb().jurisdictions.items():
        for cat, judg in data.judgements.items():
            for entry, fields in [(cat, judg), *judg.signals.items()]:
                r = fields.replies
                if r is None:
                    continue
                for kind in ("short", "formal", "accepting"):
                    for f, lang, t in _walk(getattr(r, kind), ""):
                        out.append(
                            (code, f"judgements/{cat}.yaml {entry}.replies.{kind}{f and '.' + f}", kind, lang, t)
                        )
    return out


# a word of 2-4 Chinese characters said twice in a row (本人本人), but not 一步一步, 一点一点 (one by one); ABAB verbs
# such as 商量商量 are rare in these texts and would be worth rewording anyway
DOUBLED_ZH = re.compile(r"((?!一)[\u4e00-\u9fff]{2,4})\1")
DOUBLED_EN = re.compile(r"\b([A-Za-z]+)\s+\1\b", re.IGNORECASE)
PLACEHOLDERS = re.compile(
    r"\{[^{}]*\}"  # {name}
    r"|XX+|ＸＸ+|××"  # XXX, 每月可还XX元
    r"|【\s*】|[（(]\s*[）)]|\[\s*\]"  # an empty 【】, (), []
    r"|[（(【\[]\s*(?:…+|\.{3,})\s*[）)】\]]"  # (…)
    r"|[:：]\s*(?:…+|\.{3,})\s*(?:[）)】\]]|$)"  # 合同编号：……）
    r"|(?:no\.|编号|編號|案号|案號)\s*(?:…+|\.{3,})"  # contract no. …
)


def test_user_texts_are_found() -> None:
    texts = _user_texts()
    assert {code for code, *_ in texts} >= {"CN", "US"}
    assert len(texts) > 1000


def test_no_doubled_words() -> None:
    bad = [
        f"{code} {where} [{lang}]: {m.group(0)!r}"
        for code, where, lang, text in _user_texts()
        for m in [DOUBLED_ZH.search(text) or DOUBLED_EN.search(text)]
        if m
    ]
    assert not bad, "doubled words:\n" + "\n".join(bad)


def test_no_placeholder_leftovers() -> None:
    bad = [
        f"{code} {where} [{lang}]: {m.group(0)!r} in {text[max(0, m.start() - 20) : m.end() + 20]!r}"
        for code, where, lang, text in _user_texts()
        for m in [PLACEHOLDERS.search(text)]
        if m
    ]
    assert not bad, "placeholders left over:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "text",
    [
        "今后只与本人本人沟通",
        "Send the the letter",
        "每月可还XX元",
        "（合同编号：……）",
        "Dear {name},",
        "【】",
        "contract no. … is overdue",
    ],
)
def test_the_checks_catch_what_they_should(text: str) -> None:
    assert DOUBLED_ZH.search(text) or DOUBLED_EN.search(text) or PLACEHOLDERS.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "天天打电话",
        "慢慢来",
        "一步一步处理",
        "多次发送……信息",
        "（日期、时间）",
        "(amount)",
        "Art. 50(1)(5)",
        "that that is",
        '"sending ... messages"',
        "(.top, .cc …)",
    ],
)
def test_the_checks_leave_finished_text_alone(text: str) -> None:
    if text == "that that is":  # legitimate in English, but reword it: the check does not tell the two apart
        assert DOUBLED_EN.search(text)
        return
    assert not (DOUBLED_ZH.search(text) or DOUBLED_EN.search(text) or PLACEHOLDERS.search(text))


# admitting the debt: "本人确认欠款", "本人确认与贵司存在借款关系", "我承认欠款", "I acknowledge my loan",
# "I accept the debt"
ADMITS = re.compile(
    r"(?:本人|我)(?:已|仍)?(?:确认|確認|承认|承認)"
    r"|(?:欠款|债务|債務|这笔债|這筆債|借款)(?:是|为|為)(?:我|本人)"
    r"|\bI (?:hereby )?(?:acknowledge|accept|admit)\b(?! receipt)"
    r"|\bI confirm (?:that )?(?:this|the|my) (?:loan|debt)\b|\b(?:loan|debt) is mine\b",
    re.IGNORECASE,
)
# the borrower's finances: income, what they can pay a month
FINANCES = re.compile(
    r"月收入|收入约|收入約|收入状况|收入狀況|每月(?:可|能|只能)?还|每月(?:可|能|只能)?還|按每月|月供"
    r"|\bmy (?:current |monthly )?income\b|\bI can (?:only )?(?:pay|afford|offer)\b(?! (?:through|by|in|online))"
    r"|\bcan pay (?:about|at most|up to)\b",
    re.IGNORECASE,
)


def test_default_replies_do_not_admit_the_debt() -> None:
    bad = [
        f"{code} {where} [{lang}]: {m.group(0)!r}"
        for code, where, kind, lang, text in _replies()
        if kind != "accepting"
        for m in [ADMITS.search(text)]
        if m
    ]
    assert not bad, "a default reply admits the debt (move it to replies.accepting):\n" + "\n".join(bad)


def test_no_reply_discloses_the_borrowers_finances() -> None:
    bad = [
        f"{code} {where} [{lang}]: {m.group(0)!r}"
        for code, where, _kind, lang, text in _replies()
        for m in [FINANCES.search(text)]
        if m
    ]
    assert not bad, "a reply discloses income or a monthly amount:\n" + "\n".join(bad)


def test_accepting_replies_exist_where_a_borrower_may_accept_the_debt() -> None:
    for code in ("CN", "US"):
        data = _kb().jurisdictions[code]
        for cat in (
            "lawful_reminder",
            "lawful_negotiation",
            "lawful_legal_action",
            "lawful_credit_report",
            "excessive_charges",
        ):
            assert data.judgements[cat].replies.accepting is not None, (code, cat)


def _sentences(text: str, lang: str) -> list[str]:
    if lang.startswith("zh"):
        parts = re.split(r"[。！？!?]", text)
    else:
        parts = re.split(r"(?<=[.!?])[\"”]?\s+(?=[A-Z\"“(])", text)
    return [p for p in parts if p.strip()]


@pytest.mark.parametrize("code", ["CN", "US"])
def test_explanations_and_steps_are_short(code: str) -> None:
    """The screens behind the buttons are read on a phone: explanation and what_to_do are 1-3 sentences."""
    bad = []
    for cat, judg in _kb().jurisdictions[code].judgements.items():
        for entry, fields in [(cat, judg), *judg.signals.items()]:
            for name in ("explanation", "what_to_do"):
                text = getattr(fields, name)
                for lang, value in text.root.items() if text is not None else []:
                    n = len(_sentences(value, lang))
                    if n > 3:
                        bad.append(f"{cat}.yaml {entry}.{name} [{lang}]: {n} sentences")
    assert not bad, "\n".join(bad)
