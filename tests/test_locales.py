"""Interface strings: every msgid used in code and templates is translated in every catalogue."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import languages
from bot.config import LANGUAGES, ROOT
from bot.dialogue import Dialogue
from bot.i18n import gettext_for, normalise_language_code

METHODS = [
    ("bot/plan/**", "ignore"),
    ("handlers/plan.py", "ignore"),
    ("handlers/plan/**", "ignore"),
    ("locales/templates/plan/**", "ignore"),
    ("bot/**.py", "python"),
    ("handlers/**.py", "python"),
    ("locales/templates/**.j2", "jinja2"),
]
REPORT_MSGIDS = [
    "Probably a scam",
    "Unlawful collection",
    "Lawful",
    "Unclear: nothing recognised",
    "Verdict",
    "Quoted words",
    "reported wording; check the official text",
    "Legal basis",
    "What to do",
    "You can reply",
    "No collection practice was recognised in this text.",
    "Did you mean:",
    "in force since %(date)s",
]


def used_msgids() -> set[str]:
    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    return {
        m if isinstance(m, str) else m[0] for _, _, m, _, _ in extract_from_dir(str(ROOT), METHODS, keywords=keywords)
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_msgid_is_translated(lang: str) -> None:
    path = ROOT / "locales" / languages.catalogue(lang) / "LC_MESSAGES" / "bot.po"
    with path.open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    used = used_msgids() | set(REPORT_MSGIDS)  # report.py writes its strings inside f-strings
    missing = sorted(used - set(translated))
    assert not missing, f"{lang}: untranslated: {missing}"
    for msgid in used:
        assert ("%(" in msgid) == ("%(" in translated[msgid]), msgid
        for name in __import__("re").findall(r"%\((\w+)\)", msgid):
            assert f"%({name})" in translated[msgid], (lang, msgid)


def test_chinese_catalogues_are_chinese() -> None:
    for lang in ("zh-Hans", "zh-Hant"):
        _ = gettext_for(lang)
        assert _("Check a message") != "Check a message"
    assert gettext_for("zh-Hant")("Delete everything about you") != gettext_for("zh-Hans")(
        "Delete everything about you"
    )


@pytest.mark.parametrize(
    "code, lang",
    [
        (None, "zh-Hans"),
        ("", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-hans", "zh-Hans"),
        ("zh-hant", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("zh-hk", "zh-Hant"),
        ("zh-hant-tw", "zh-Hant"),
        ("en", "en"),
        ("en-US", "en"),
        ("ru", "zh-Hans"),
    ],
)
def test_telegram_language_codes(code: str | None, lang: str) -> None:
    assert normalise_language_code(code) == lang


def test_language_names_come_from_cldr() -> None:
    assert [Dialogue.language_name(x) for x in ("zh-Hans", "zh-Hant", "en")] == [
        "中文 (简体)",
        "中文 (繁體)",
        "English",
    ]
