"""User-interface strings through gettext catalogues (locales/<locale>/LC_MESSAGES/bot.po).

The .po files are compiled in memory with Babel at start-up, so there is no build step and no stale .mo.
The language is always passed explicitly: concurrent conversations never share a global locale.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import languages
from bot.config import DATA_ROOT, LANGUAGES

DOMAIN = "bot"


@cache
def translations(
    lang: str, domain: str = DOMAIN, locales_dir: Path = DATA_ROOT / "locales"
) -> gettext.NullTranslations:
    folder = languages.catalogue(lang) if lang in LANGUAGES else None
    path = locales_dir / folder / "LC_MESSAGES" / f"{domain}.po" if folder else None
    if path is None or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=folder)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def gettext_for(lang: str, domain: str = DOMAIN):
    """The `_` function of one language (and catalogue domain: "bot", "plan")."""
    t = translations(lang if lang in LANGUAGES else languages.default(), domain)
    return t.gettext


def normalise_language_code(code: str | None, default: str = "zh-Hans") -> str:
    """Map a Telegram / IETF language code to one of our languages (languages.yaml), else `default`."""
    return languages.from_telegram(code) or default
