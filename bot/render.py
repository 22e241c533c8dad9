"""Telegram-HTML rendering from Jinja2 templates (locales/templates/), and splitting of long replies.

Autoescape is on for every template, whatever its name: user text and knowledge-base text are escaped; only
the templates themselves write tags (<b>, <i>, <code>, <blockquote>, <a>), and only tags Telegram accepts.
The interface strings come from the gettext catalogues: `_` and `ngettext` of the reply's language are passed
to each render call (never installed globally, so concurrent conversations never share a language).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.config import DATA_ROOT
from bot.i18n import translations

TEMPLATE_DIR = DATA_ROOT / "locales" / "templates"
MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units after entity parsing

_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")


@lru_cache(maxsize=4)
def environment(template_dir: Path = TEMPLATE_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=StrictUndefined,
    )
    return env


def render(name: str, lang: str, **context: Any) -> str:
    """Render a template in a language; the result is Telegram HTML with runs of blank lines collapsed."""
    t = translations(lang)
    html = environment().get_template(name).render(_=t.gettext, ngettext=t.ngettext, lang=lang, **context)
    html = re.sub(r"\n{3,}", "\n\n", html)
    return html.strip()


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_html(html: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` UTF-16 units, counted on the markup (so the visible
    text is shorter still). Cuts go at a paragraph boundary when the chunk has one, else at a line end, a
    sentence end or a space, and never inside a tag or an entity; tags open at a cut are closed before it and
    reopened after it."""
    if utf16_len(html) <= limit:
        return [html]
    atoms = _ATOM_RE.findall(html)
    chunks: list[str] = []
    prefix: list[tuple[str, str]] = []  # tags open at the start of the current chunk
    cur: list[str] = []
    stack: list[tuple[str, str]] = []
    size = 0  # UTF-16 units of the reopened prefix and the atoms in cur
    i = 0
    while i < len(atoms):
        atom = atoms[i]
        after = _stack(stack, [atom]) if atom.startswith("<") else stack
        closing = sum(len(n) + 3 for n, _ in after)
        if size + utf16_len(atom) + closing <= limit or not _has_text(cur):
            cur.append(atom)
            stack = after
            size += utf16_len(atom)
            i += 1
            continue
        cut = _best_cut(cur)
        head, tail = cur[:cut], cur[cut:]
        state = _stack(prefix, head)
        chunks.append(_emit(prefix, head, state))
        while tail and not tail[0].strip():
            tail = tail[1:]
        prefix, cur = state, tail
        stack = _stack(prefix, cur)
        size = utf16_len("".join(t for _, t in prefix)) + sum(utf16_len(a) for a in cur)
    if _has_text(cur):
        chunks.append(_emit(prefix, cur, _stack(prefix, cur)))
    return chunks


_ATOM_RE = re.compile(r"<[^>]*>|&#?[A-Za-z0-9]+;|\n\n+|\n|[ \t]+|[^<&\s。！？!?]{1,80}[。！？!?]?|.", re.S)
_PRIORITY_PARAGRAPH, _PRIORITY_LINE, _PRIORITY_SENTENCE, _PRIORITY_SPACE = 4, 3, 2, 1


def _stack(prefix: list[tuple[str, str]], atoms: list[str]) -> list[tuple[str, str]]:
    stack = list(prefix)
    for a in atoms:
        m = _TAG_RE.fullmatch(a)
        if not m:
            continue
        if m.group(1):
            for j in range(len(stack) - 1, -1, -1):
                if stack[j][0] == m.group(2).lower():
                    del stack[j:]
                    break
        else:
            stack.append((m.group(2).lower(), a))
    return stack


def _emit(prefix: list[tuple[str, str]], atoms: list[str], state: list[tuple[str, str]]) -> str:
    body = "".join(t for _, t in prefix) + "".join(atoms).rstrip()
    return body + "".join(f"</{n}>" for n, _ in reversed(state))


def _has_text(atoms: list[str]) -> bool:
    return any(a.strip() and not _TAG_RE.fullmatch(a) for a in atoms)


def _best_cut(atoms: list[str]) -> int:
    """Index in atoms to cut before: after the best break that leaves some text in the chunk."""
    best, best_priority = len(atoms), 0
    for j, a in enumerate(atoms):
        if j == 0:
            continue
        if a.startswith("\n\n"):
            p = _PRIORITY_PARAGRAPH
        elif a == "\n":
            p = _PRIORITY_LINE
        elif atoms[j - 1][-1:] in "。！？!?" and atoms[j - 1][-1:]:
            p = _PRIORITY_SENTENCE
        elif not a.strip():
            p = _PRIORITY_SPACE
        else:
            continue
        if p >= best_priority and _has_text(atoms[:j]):
            best, best_priority = j, p
    return best
