"""The "plan" catalogue is complete in all three languages, and every screen of the interview is valid
Telegram HTML with button data within 64 bytes, in every language."""

from __future__ import annotations

import re

import pytest
from fake_telegram import check_markup, check_text

from bot.i18n import gettext_for
from bot.plan import catalog
from handlers.plan import STEPS, _new_answers, question

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
    a = _new_answers(lang)
    a["debts"] = [{"lender": "招商银行 <b>&", "kind": "credit_card", "principal": "30000", "interest": "1200",
                   "overdue_months": 4.0, "annual_rate": 18.0}, {"lender": "x" * 80, "kind": "private",
                                                                  "principal": "5000"}]
    a.update(income="8000", expenses={"housing": "2000"}, dependants=2, reason="illness", details="<script>")
    for step in STEPS:
        text, markup = question(a, step, lang, error="<oops>", suggestion="15000")
        check_text(text, "HTML")
        check_markup(markup.to_dict())
