"""The "plan" gettext catalogue: which messages the code and the templates use, and the .po files' upkeep.

    python -m bot.plan.catalog          # add new msgids to locales/*/LC_MESSAGES/plan.po (translations kept)

The test suite checks that every message used is in all three catalogues and translated (tests/test_plan_i18n.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.config import ROOT

DOMAIN = "plan"
LOCALES = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "en": "en"}
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}


def sources() -> list[tuple[Path, str]]:
    py = sorted((ROOT / "bot" / "plan").glob("*.py")) + [ROOT / "handlers" / "plan.py"]
    tpl = sorted((ROOT / "locales" / "templates" / "plan").glob("*.j2"))
    return [(p, "python") for p in py] + [(p, "jinja2.ext:babel_extract") for p in tpl]


def extract() -> dict[str, list[str]]:
    """msgid -> places (file:line) where it is used."""
    out: dict[str, list[str]] = {}
    for path, method in sources():
        for lineno, message, _comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options={"trim_blocks": "true"}
        ):
            if isinstance(message, tuple):
                message = message[0]
            if message:
                out.setdefault(message, []).append(f"{path.relative_to(ROOT)}:{lineno}")
    return out


def po_path(lang: str) -> Path:
    return ROOT / "locales" / LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=LOCALES[lang], domain=DOMAIN)
    with path.open("rb") as fh:
        return read_po(fh, locale=LOCALES[lang], domain=DOMAIN)


def update() -> None:
    used = extract()
    for lang in LOCALES:
        old = read(lang)
        cat = Catalog(
            locale=LOCALES[lang],
            domain=DOMAIN,
            project="rights-bot",
            version="0.1",
            msgid_bugs_address="",
            copyright_holder="rights-bot contributors",
        )
        for msgid, places in used.items():
            prev = old.get(msgid)
            cat.add(
                msgid,
                prev.string if prev is not None else "",
                locations=[(p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[1])) for p in places],
            )
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, cat, width=110, sort_output=False, omit_header=False)
        missing = [m for m in used if not ((msg := cat.get(m)) is not None and msg.string)]
        print(f"{path.relative_to(ROOT)}: {len(used)} messages, {len(missing)} untranslated", file=sys.stderr)


if __name__ == "__main__":
    update()
