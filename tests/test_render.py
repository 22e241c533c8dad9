"""Rendering: autoescaped templates in every language, and splitting of long replies."""

from __future__ import annotations

import pytest
from fake_telegram import parse_html, utf16_len
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import LANGUAGES
from bot.dialogue import Dialogue
from bot.engine import Engine
from bot.render import TEMPLATE_DIR, render, split_html

HOSTILE = '<b>&amp; <script>alert("x")</script> </i> & &nbsp; 😀 中文'


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_view_renders_valid_telegram_html_in_every_language(engine: Engine, lang: str) -> None:
    d = Dialogue(engine)
    replies = [
        d.start(lang, "CN"),
        d.help(lang),
        d.privacy(lang),
        d.lang_menu(lang),
        d.region_menu(lang, "CN"),
        d.forget_confirm(lang),
        d.cancelled(lang),
        d.prompt_check(lang),
        d.prompt_ask(lang),
        d.slow_down(lang),
        d.error(lang),
        d.text_only(lang),
        d.unknown_command(lang),
        d.group_hint(lang),
        d.group_redirect(lang, "bot"),
        d.crisis(lang, "CN"),
        d.danger(lang, "CN"),
        d.out_of_scope(lang),
        d.rights_page(lang, 0),
        d.family_card(lang),
        d.ambiguous(lang, "tok"),
    ]
    replies += [d.topic(t.id, lang, "CN") for t in engine.kb.topics]
    for s in engine.kb.signals[:40]:
        ids = d.short_ids[s.id]
        for region in ("CN", "US", "KE"):
            for what in "rnlcfa":
                replies += d.detail(what, f"{region}:{ids}", lang).replies
            replies += [d.topic_detail(w, t.id, lang, region).replies[0] for t in engine.kb.topics[:3] for w in "lc"]
    for r in replies:
        plain, _ = parse_html(r.html)
        assert plain.strip()


def test_user_text_is_escaped(engine: Engine) -> None:
    a = engine.assess(HOSTILE, "en", "CN")
    html = Dialogue(engine).assessment(a, "en")[-1].html
    plain, _ = parse_html(html)
    assert "Unclear" in plain and "Law applied" in plain
    html = render("notice.html.j2", "en", text=HOSTILE)
    assert parse_html(html)[0] == HOSTILE


def test_templates_write_only_telegram_tags() -> None:
    import re

    for path in TEMPLATE_DIR.rglob("*.html.j2"):
        for tag in re.findall(r"</?([a-zA-Z][a-zA-Z0-9-]*)", path.read_text(encoding="utf-8")):
            assert tag in {
                "b",
                "i",
                "u",
                "s",
                "code",
                "pre",
                "a",
                "blockquote",
                "tg-spoiler",
                "span",
                "strong",
                "em",
            }, (path.name, tag)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "b", "i", "code", "blockquote"]),
            st.text(alphabet=st.sampled_from(list("ab 中文😀&<>\n。!")), min_size=0, max_size=300),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(min_value=200, max_value=4096),
)
def test_split_keeps_every_character_and_valid_html(parts: list[tuple[str, str]], limit: int) -> None:
    from html import escape

    html = "\n\n".join(f"<{t}>{escape(x)}</{t}>" if t else escape(x) for t, x in parts)
    chunks = split_html(html, limit)
    visible = "".join(parse_html(c)[0] for c in chunks)
    original = parse_html(html)[0]
    assert "".join(visible.split()) == "".join(original.split())
    for c in chunks:
        assert utf16_len(c) <= limit
        parse_html(c)


def test_split_prefers_paragraph_boundaries() -> None:
    paras = [f"<b>{i}</b> " + "很长的一段话。" * 60 for i in range(12)]
    chunks = split_html("\n\n".join(paras), 4096)
    assert len(chunks) > 1
    for c in chunks:
        assert c.startswith("<b>")  # each message starts with a whole paragraph
