"""The one table of languages (knowledge/languages.yaml): codes, locales, catalogues, Telegram codes.

Everything that needs to know which languages exist asks here, so adding a language is data: a row in
languages.yaml, a `signals/<lang>/` folder and the translations.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from bot.config import load_settings
from bot.kb.schema import Language, LanguagesFile
from bot.kb.yamlio import load_located


@lru_cache(maxsize=4)
def table(knowledge_dir: Path | None = None) -> LanguagesFile:
    path = (knowledge_dir or load_settings().knowledge_dir) / "languages.yaml"
    return LanguagesFile.model_validate(load_located(path).data)


def codes() -> tuple[str, ...]:
    return tuple(table().languages)


def default() -> str:
    return table().default


def info(lang: str) -> Language:
    langs = table().languages
    return langs.get(lang) or langs[default()]


def babel_locale(lang: str) -> str:
    return info(lang).babel


def catalogue(lang: str) -> str:
    return info(lang).catalogue


def from_telegram(code: str | None) -> str | None:
    """A Telegram / IETF language code as one of our languages (None when we do not speak it)."""
    if not code:
        return None
    c = code.strip().lower().replace("_", "-")
    best: tuple[int, str] | None = None
    for lang, row in table().languages.items():
        for prefix in row.telegram:
            if (c == prefix or c.startswith(prefix + "-")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), lang)
    return best[1] if best else None


def region_from_telegram(code: str | None) -> str | None:
    """The region a Telegram language code names (zh-hk -> HK), if any."""
    if not code:
        return None
    return table().telegram_regions.get(code.strip().lower().replace("_", "-"))


# Scripts of languages the bot does not read: a text mostly in one of them gets a short note, never a guess in
# the wrong script (Japanese kana would otherwise be read as traditional Chinese).
_SCRIPTS = (
    ("ja", ((0x3040, 0x30FF), (0x31F0, 0x31FF))),
    ("ko", ((0xAC00, 0xD7AF), (0x1100, 0x11FF))),
    ("th", ((0x0E00, 0x0E7F),)),
    ("ru", ((0x0400, 0x04FF),)),
    ("ar", ((0x0600, 0x06FF),)),
    ("hi", ((0x0900, 0x097F),)),
    ("he", ((0x0590, 0x05FF),)),
    ("my", ((0x1000, 0x109F),)),
    ("km", ((0x1780, 0x17FF),)),
)
# Latin-script languages told apart from English by letters or common words
_VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
_WORDS = {
    "id": {"anda", "tidak", "yang", "dengan", "pinjaman", "bayar", "segera", "kami", "untuk", "sudah", "jika"},
    "tl": {"ang", "mga", "hindi", "po", "utang", "bayad", "ninyo", "ikaw", "ako", "sila"},
    "es": {"usted", "pago", "deuda", "pagar", "cuenta", "para", "que", "los", "por", "su"},
    "ms": {"anda", "tidak", "hutang", "bayar", "sila", "kami", "untuk", "dengan"},
}


def unread_language(text: str) -> str | None:
    """The language of a text the bot cannot read (ISO 639-1), or None when it is one it reads or unclear."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 2:
        return None
    for code, ranges in _SCRIPTS:
        n = sum(1 for ch in letters if any(lo <= ord(ch) <= hi for lo, hi in ranges))
        if n * 3 >= len(letters) or (code == "ja" and n >= 2):
            return code
    latin = [ch for ch in letters if ch.isascii() or "\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff"]
    if len(latin) * 2 < len(letters):
        return None
    if len(_VIETNAMESE.findall(text)) >= 2:
        return "vi"
    words = set(re.findall(r"[a-z]+", text.lower()))
    english = len(words & {"the", "you", "your", "and", "is", "to", "of", "my", "a", "i", "will", "pay", "loan"})
    for code, cues in _WORDS.items():
        if len(words & cues) >= 3 and len(words & cues) > english:
            return code
    return None
