"""The one table of languages (knowledge/languages.yaml): codes, locales, catalogues, Telegram codes.

Everything that needs to know which languages exist asks here, so adding a language is data: a row in
languages.yaml, a `signals/<lang>/` folder and the translations.
"""

from __future__ import annotations

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
