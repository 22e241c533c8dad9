"""The "plan" catalogue is complete in all three languages, and every screen of the interview is valid
Telegram HTML with button data within 64 bytes, in every language."""

from __future__ import annotations

import re

import pytest
from fake_telegram import check_markup, check_text

from bot.i18n import gettext_for
from bot.plan import catalog
from bot.plan.interview import STEPS, DebtAnswers, InterviewState, question
from handlers.context import keyboard

USED = catalog.extract()


@pytest.mark.parametrize("lang", list(catalog.LOCALES))
def test_catalogue_is_complete(lang: str) -> None:
    cat = catalog.read(lang)
    missing = [m for m in USED if cat.get(m) is None or not cat.get(m).string]
    assert not missing, f"{catalog.po_path(lang)}: untranslated: {missing[:10]}"
    unused = [m.id for m in cat if m.id and m.id not in USED]
    assert not unused, f"{catalog.po_path(lang)}: no longer used: {unused[:10]} (python -m bot.plan.catalog)"
    for msg in cat:
        if msg.id:
            assert set(re.findall(r"\{\w+\}", msg.id)) == set(re.findall(r"\{\w+\}", str(msg.string))), msg.id


@pytest.mark.parametrize(("lang", "expected"), [("zh-Hans", "跳过"), ("zh-Hant", "跳過"), ("en", "Skip")])
def test_catalogue_is_loaded(lang: str, expected: str) -> None:
    assert gettext_for(lang, "plan")("Skip") == expected


@pytest.mark.parametrize("lang", list(catalog.LOCALES))
def test_every_screen_is_valid_telegram_html(lang: str) -> None:
    state = InterviewState(
        lang,
        debts=[
            DebtAnswers("招商银行 <b>&", "credit_card", "30000", "1200", overdue_months=4.0, annual_rate=18.0),
            DebtAnswers("x" * 80, "private", "5000"),
        ],
        income="8000",
        expenses={"housing": "2000"},
        dependants=2,
        reason="illness",
        details="<script>",
    )
    for step in STEPS:
        for suggestion in ("15000", "1" * 50):  # a reading too long for a button is not offered
            reply = question(state, step, error="<oops>", suggestion=suggestion)
            check_text(reply.html, "HTML")
            check_markup(keyboard(reply).to_dict())
