"""End to end: the real Application over real HTTP against the fake Bot API server (tests/fake_telegram.py).

Texts come from the knowledge base itself (its examples and question variants), and expectations are read
from the knowledge base and the catalogues, so these tests check what a user sees, not the engine's accuracy.
Every test also fails if the fake server had to answer a 400 (bad HTML, long text, bad buttons ...).
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from fake_telegram import BotMessage, BotUnderTest, FakeUser

from bot.dialogue import Dialogue, classify
from bot.engine import Engine
from bot.i18n import gettext_for
from bot.kb.loader import Signal
from bot.report import verdict_label

LANGS = {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant", "en": "en"}


def practice_example(engine: Engine, category: str, lang: str = "zh-Hans", jurisdiction: str = "CN") -> str:
    """An example message of the knowledge base that the engine finds `category` in, alone or not."""
    for same_language in (True, False):
        for s in engine.kb.signals:
            if s.category == category:
                for text in _examples(s, lang, same_language):
                    if category in engine.assess(text, lang, jurisdiction).categories:
                        return text
    raise AssertionError(f"no example of {category} in {lang}")


def _examples(s: Signal, lang: str, same_language: bool = True) -> list[str]:
    return [t for lg, t in s.examples if (lg == lang) == same_language]


def question_for(engine: Engine, topic: str, lang: str) -> str:
    """A question variant of a topic that the bot answers confidently with that topic."""
    d = Dialogue(engine)
    variants = [q for lg, q in engine.kb.topic_by_id[topic].questions.all() if lg == lang]
    for q in variants:
        an = d.analyse(q, lang, "CN")
        if an.answer.topic == topic and an.answer.confident and classify(an) == "question":
            return q
    raise AssertionError(f"no question of {topic} in {lang} is answered confidently")


async def start(user: FakeUser) -> BotMessage:
    await user.send("/start")
    return await user.reply()


# -- /start, languages, menus --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(LANGS))
async def test_start_greets_in_the_users_language_with_the_four_buttons(bot: BotUnderTest, code: str) -> None:
    _ = gettext_for(LANGS[code])
    user = bot.user(language_code=code)
    reply = await start(user)
    assert _("Hello! I stand by people facing debt collectors.") in reply.bold()
    assert _("I give information, not legal advice: I am not a lawyer.") in reply.text
    assert _("mainland China") in reply.text
    assert reply.labels() == [_("Check a message"), _("Ask a question"), _("Make a repayment plan"), _("My rights")]


async def test_language_choice_is_kept_and_overrides_telegrams(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await user.send("/lang")
    menu = await user.reply()
    assert menu.labels() == ["中文 (简体)", "中文 (繁體)", "English"]
    await user.press("中文 (繁體)")
    confirm = await user.reply()
    assert confirm.message_id == menu.message_id  # the menu turns into the confirmation
    assert "中文 (繁體)" in confirm.text
    await bot.restart()
    reply = await start(user)
    assert gettext_for("zh-Hant")("Check a message") in reply.labels()


async def test_no_language_code_follows_the_text_then_the_default(bot: BotUnderTest, engine: Engine) -> None:
    user = bot.user(language_code=None)
    reply = await start(user)
    assert gettext_for("zh-Hans")("Check a message") in reply.labels()
    await user.send("How long can a creditor wait before suing me for the debt?")
    answer = await user.reply()
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in answer.text.splitlines()[0])


async def test_command_menus_are_set_for_zh_and_en(bot: BotUnderTest) -> None:
    menus = {lang: {c["command"]: c["description"] for c in cmds} for (_, lang), cmds in bot.fake.commands.items()}
    assert set(menus) >= {"", "zh", "en"}
    for code, lang in (("", "zh-Hans"), ("zh", "zh-Hans"), ("en", "en")):
        _ = gettext_for(lang)
        assert menus[code]["forget"] == _("Delete everything about you")
        assert {"start", "check", "rights", "region", "lang", "privacy", "forget", "help", "cancel"} <= set(menus[code])


# -- questions -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(LANGS))
async def test_a_question_gets_the_topic_answer_its_details_related_topics_and_feedback(
    bot: BotUnderTest, engine: Engine, code: str
) -> None:
    lang = LANGS[code]
    _ = gettext_for(lang)
    user = bot.user(language_code=code)
    topic = engine.kb.topic_by_id["family_contact"]
    question = question_for(engine, "family_contact", lang)
    audience = Dialogue(engine).analyse(question, lang, None, code).audience
    judge = engine.judge(audience)
    ans = judge.answer(topic)
    assert ans is not None
    await user.send(question)
    reply = await user.reply()
    assert topic.title.get(lang) in reply.bold()
    assert ans.text.get(lang).split(".")[0].split("。")[0] in reply.text  # the opening, at least
    assert Dialogue(engine).law_line(audience, lang) in reply.text  # which law was applied, always shown
    details = ([_("Legal basis")] if ans.sources else []) + ([_("Where to get help")] if ans.channels else [])
    if _("The full answer") in reply.labels():  # a long answer shows its opening, the rest one tap away
        details = [_("The full answer"), *details]
    related = [engine.kb.topic_by_id[t].title.get(lang) for t in Dialogue(engine).related("family_contact")]
    assert reply.labels() == [*details, *related, _("Change region"), "👍", "👎"]
    if ans.sources:
        await user.press(_("Legal basis"))
        basis = await user.reply()
        assert judge.citation(ans.sources[0], lang)["label"] in basis.text
    if ans.channels:
        await user.press(_("Where to get help"), message=reply)
        help_ = await user.reply()
        first = judge.channel(ans.channels[0], lang)
        assert first is not None and first["name"] in help_.text
    await user.press("👍", message=reply)
    assert (await user.answer())["text"] == _("Thank you for your feedback.")
    edited = await user.reply(include_markup_edits=True)
    assert "👍" not in edited.labels() and edited.labels() == [*details, *related, _("Change region")]
    rows = await bot.storage.read("SELECT kind, ref, vote FROM feedback WHERE user_id = ?", (user.id,))
    assert list(rows) == [("topic", "family_contact", 1)]
    # a related topic opens its answer
    if related:
        await user.press(related[0], message=reply)
        assert related[0] in (await user.reply()).bold()


async def test_low_confidence_offers_did_you_mean_with_three_topics(bot: BotUnderTest, engine: Engine) -> None:
    d = Dialogue(engine)
    candidates = ["debt", "催收", "loan app", "collector", "欠钱", "money", "贷款逾期了", "credit", "help me"]
    chosen = None
    for text in candidates:
        an = d.analyse(text, "en", "CN")
        if classify(an) == "question" and not an.answer.confident and an.answer.topic not in ("out_of_scope", "crisis"):
            chosen = (text, an.answer)
            break
    assert chosen, "one of these vague questions should be answered with 'did you mean'"
    text, ans = chosen
    user = bot.user(language_code="en")
    await user.send(text)
    reply = await user.reply()
    assert "Did you mean:" in reply.bold()
    top = [t for t in [ans.topic, *(a.topic for a in ans.alternatives)] if t not in ("crisis", "out_of_scope")][:3]
    assert reply.labels()[:-1] == [engine.kb.topic_by_id[t].title.get("en") for t in top]
    await user.press(reply.labels()[0])
    assert reply.labels()[0] in (await user.reply()).bold()


@pytest.mark.parametrize("code", list(LANGS))
async def test_out_of_scope_gets_a_polite_note_of_what_the_bot_does(
    bot: BotUnderTest, engine: Engine, code: str
) -> None:
    lang = LANGS[code]
    text = {
        "zh-Hans": "明天北京天气怎么样",
        "zh-Hant": "聽日香港天氣點樣",
        "en": "what is the weather in Paris tomorrow",
    }[lang]
    assert engine.answer(text, lang).topic == "out_of_scope"
    user = bot.user(language_code=code)
    await user.send(text)
    reply = await user.reply()
    _ = gettext_for(lang)
    assert _("I am not sure I can help with that.") in reply.text
    assert _("Check a message") in reply.labels()


# -- collection messages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(LANGS))
async def test_forwarded_threat_gets_the_police_first_then_a_short_verdict_and_the_details_one_tap_away(
    bot: BotUnderTest, engine: Engine, code: str
) -> None:
    lang = LANGS[code]
    _ = gettext_for(lang)
    text = practice_example(engine, "threat_violence")
    d = Dialogue(engine)
    analysis = d.analyse(text, lang, None, code)
    assessment, judge = analysis.assessment, engine.judge(analysis.audience)
    user = bot.user(language_code=code)
    await user.send(text, forward_from="催收员")
    danger, verdict = await user.replies(2)
    police = judge.police_number()
    assert (
        police in danger.text
        if police
        else _("If you feel in danger, call your local emergency number now.") in danger.text
    ) and not danger.buttons
    assert f"{_('Verdict')}: {_('Unlawful collection')}" in verdict.text
    assert d.law_line(analysis.audience, lang) in verdict.text
    assert len(verdict.text) < 1000  # fits a phone screen
    first = assessment.findings[0]
    assert first.signal.title.get(lang) in verdict.text
    assert verdict.labels()[:4] == [
        _("The law in full"),
        _("What to reply"),
        _("What to do now"),
        _("Where to complain"),
    ]
    j = first.judgement

    await user.press(_("What to reply"))
    replies = await user.reply()
    assert j.replies.short.get(lang)[0] in replies.text
    await user.press(_("What to do now"), message=verdict)
    steps = await user.reply()
    assert j.what_to_do.get(lang) in steps.text
    await user.press(_("Where to complain"), message=verdict)
    complain = await user.reply()
    for cid in j.next_steps.channels[:2]:
        assert engine.kb.channels[cid].contact in complain.text
    await user.press(_("The law in full"), message=verdict)
    law = await user.reply()
    if j.legal_basis:
        citation = judge.citation(j.legal_basis[0], lang, summary=True)
        assert citation is not None and citation["label"] in law.text and citation["summary"] in law.text
    assert j.explanation.get(lang) in law.text


@pytest.mark.parametrize("code", list(LANGS))
async def test_contacting_family_offers_a_forwardable_card_for_relatives(
    bot: BotUnderTest, engine: Engine, code: str
) -> None:
    lang = LANGS[code]
    _ = gettext_for(lang)
    user = bot.user(language_code=code)
    await user.send("/check " + practice_example(engine, "contact_third_party"))
    verdict = (await user.all_replies())[-1]
    await user.press(_("Card for family and contacts"), message=verdict)
    card = await user.reply()
    assert _("To family, friends and colleagues contacted by a debt collector") in card.bold()
    assert (
        _(
            "As a rule you do not owe this debt: the borrower must repay it, and so must anyone who signed as "
            "guarantor or co-borrower (a spouse may share some debts taken on for the household)."
        )
        in card.text
    )
    assert _("How to report the caller") in card.text
    assert not card.buttons  # forwardable: nothing that only works for the borrower


async def test_a_lawful_reminder_is_called_lawful(bot: BotUnderTest, engine: Engine) -> None:
    text = practice_example(engine, "lawful_reminder")
    user = bot.user(language_code="en")
    a = Dialogue(engine).analyse(text, "en", None, "en").assessment
    await user.send(text, forward_from="Lender")
    reply = (await user.all_replies())[-1]
    assert f"Verdict: {verdict_label(a.verdict, 'en')}" in reply.text
    if a.verdict == "lawful":
        assert "Verdict: Lawful" in reply.text


async def test_nothing_recognised_says_so(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await user.send("Your parcel 8841 is waiting at the locker until Friday.", forward_from="Courier")
    reply = await user.reply()
    assert "Unclear: nothing recognised" in reply.text
    assert "No collection practice was recognised in this text." in reply.text


async def test_check_command_and_check_button_assess_the_next_text(bot: BotUnderTest, engine: Engine) -> None:
    question_like = "他们说不还钱就要坐牢，这是真的吗？"
    user = bot.user(language_code="zh-hans")
    await start(user)
    await user.press("检查一条催收信息")
    prompt = await user.reply()
    assert "粘贴或转发" in prompt.text
    await user.send(question_like)
    assert "结论" in (await user.all_replies())[-1].text
    # the mode is used once
    await user.send("不还钱会坐牢吗")
    assert "结论" not in (await user.reply()).text


async def test_ambiguous_text_asks_and_remembers_only_in_memory(bot: BotUnderTest, engine: Engine) -> None:
    d = Dialogue(engine)
    # a collector's line turned into a question reads either way: one of the knowledge base's examples will do
    candidates = [
        t.rstrip("！!。") + "？"
        for s in engine.kb.signals
        if engine.kb.kind_of(s.category) != "lawful"
        for lang, t in s.examples
        if lang == "zh-Hans"
    ]
    text = next((t for t in candidates if classify(d.analyse(t, "zh-Hans", "CN")) == "ambiguous"), None)
    assert text, "one of these should be ambiguous"
    user = bot.user(language_code="zh-hans")
    await user.send(text)
    ask = await user.reply()
    assert ask.labels() == ["我收到的信息", "我的问题"]
    rows = await bot.storage.rows_mentioning(user.id)
    assert all(text not in repr(r) for r in rows)
    await user.press("我收到的信息")
    assert "结论" in (await user.all_replies())[-1].text
    await user.press("我的问题", message=ask)  # pressed again: the text is gone
    assert "请再发一次" in (await user.reply()).text


# -- crisis --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(LANGS))
async def test_crisis_language_gets_support_and_the_regions_hotlines_first(
    bot: BotUnderTest, engine: Engine, code: str
) -> None:
    lang = LANGS[code]
    crisis = engine.kb.topic_by_id["crisis"]
    text = next(q for lg, q in crisis.questions.all() if lg == lang and engine.answer(q, lang).topic == "crisis")
    audience = Dialogue(engine).analyse(text, lang, None, code).audience
    judge = engine.judge(audience)
    user = bot.user(language_code=code)
    await user.send(text)
    replies = await user.all_replies()
    first = replies[0]
    ans = judge.answer(crisis)
    assert ans is not None
    # support first: the full crisis reply, or (when the text also asks something) the short form and the answer
    assert (
        ans.text.get(lang).splitlines()[0] in first.text
        or gettext_for(lang)(
            "What you wrote worries me. If you are thinking of ending your life, please talk to someone now:"
        )
        in first.text
    )
    for cid in judge.crisis_lines + judge.emergency:
        assert engine.kb.channels[cid].contact in first.text
    own = {ch.contact for ch in engine.kb.channels.values() if ch.jurisdiction == judge.code and ch.contact}
    others = [
        ch.contact
        for ch in engine.kb.channels.values()
        if ch.jurisdiction != judge.code and ch.contact and ch.contact not in own
    ]  # 110: CN and TW
    assert not any(f" {n}" in first.text for n in others if len(n) >= 3)
    assert len(replies) == 1


async def test_crisis_in_a_pasted_collection_message_comes_first_then_the_assessment(
    bot: BotUnderTest, engine: Engine
) -> None:
    threat = practice_example(engine, "threat_violence")
    user = bot.user(language_code="zh-hans")
    await user.send("/check")
    await user.reply()
    await user.send(threat + "\n我真的不想活了")
    # the support line is sent before the message is assessed: on a loaded machine the assessment can follow it
    # more than the default 0.3 s later
    replies = await user.all_replies(quiet=1.5)
    assert "你写的话让我担心" in replies[0].text and "12356" in replies[0].text
    assert "110" in replies[1].text and "结论" in replies[-1].text


# -- settings ------------------------------------------------------------------------------------------------


async def test_region_is_kept_and_shown_in_every_verdict(bot: BotUnderTest, engine: Engine) -> None:
    user = bot.user(language_code="en")
    await user.send("/region")
    menu = await user.reply()
    assert menu.labels() == ["mainland China", "Hong Kong", "Taiwan", "the United States", "Somewhere else"]
    await user.press("mainland China")
    assert "mainland China" in (await user.reply()).text
    await user.send("/check Pay today or we will tell your employer and your parents.")
    assert "Law applied: mainland China" in (await user.all_replies())[-1].text
    await user.send("/region")
    menu = await user.reply()
    assert menu.labels()[0] == "✓ mainland China"
    await user.press("Somewhere else")
    await user.reply()
    await user.send("/check Pay today or we will tell your employer and your parents.")
    verdict = (await user.all_replies())[-1]
    assert "not covered yet" in verdict.text and "110" not in verdict.text and "12378" not in verdict.text


async def test_a_region_is_inferred_from_the_message_and_can_be_changed_in_one_tap(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await user.send("/check Your loan of KES 15,000 is overdue. We will tell your employer today.")
    verdict = (await user.all_replies())[-1]
    assert "not covered yet" in verdict.text and "Kenya" in verdict.text
    await user.press("Change region")
    menu = await user.reply()
    assert "the United States" in menu.labels()


async def test_rights_are_browsed_page_by_page_in_one_message(bot: BotUnderTest, engine: Engine) -> None:
    user = bot.user(language_code="en")
    await user.send("/rights")
    page1 = await user.reply()
    assert "(page 1 of" in page1.text and page1.labels()[-1] == "Next ▶"
    await user.press("Next ▶")
    page2 = await user.reply()
    assert page2.message_id == page1.message_id and "(page 2 of" in page2.text
    assert page2.labels()[-2:] == ["◀ Previous", "Next ▶"] or page2.labels()[-1] == "◀ Previous"
    title = page2.labels()[0]
    await user.press(title)
    assert title in (await user.reply()).bold()
    seen = set(page1.labels()) | set(page2.labels())
    assert "crisis" not in seen


async def test_help_privacy_cancel_and_unknown_input(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await user.send("/help")
    assert "/privacy" in (await user.reply()).text
    await user.send("/privacy")
    privacy = await user.reply()
    assert "180 days" in privacy.text and "/forget" in privacy.text
    await user.send("/check")
    await user.reply()
    await user.send("/cancel")
    assert "Cancelled" in (await user.reply()).text
    await user.send("/whatever")
    assert "/help" in (await user.reply()).text
    await user.send_other(
        sticker={
            "file_id": "x",
            "file_unique_id": "x",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    )
    assert "only read text" in (await user.reply()).text


# -- rendering -----------------------------------------------------------------------------------------------


async def test_user_html_is_shown_as_typed_and_never_breaks_a_reply(bot: BotUnderTest, engine: Engine) -> None:
    threat = practice_example(engine, "threat_violence")
    k = len(threat) // 2
    text = f"<b>&amp; {threat[:k]}<script>alert(1)</script>{threat[k:]} </i>& <a href=x>"
    user = bot.user(language_code="en")
    await user.send("/check " + text)
    replies = await user.all_replies()
    shown = "\n".join(r.text for r in replies)
    for f in engine.assess(text, "en", "CN").findings:
        assert f.evidence in shown  # quoted exactly, tags and all, as plain text
    await user.send("<b>hello</b> & <script>")
    assert await user.all_replies()


async def test_the_law_in_full_over_4096_characters_is_split_at_paragraphs(bot: BotUnderTest, engine: Engine) -> None:
    texts, cats = [], set()
    for s in engine.kb.signals:
        if engine.kb.kind_of(s.category) != "lawful" and s.category not in cats:
            ex = [t for lg, t in s.examples if lg == "zh-Hans"][:1]
            if ex:
                texts.append(ex[0])
                cats.add(s.category)
    text = "\n".join(texts)
    user = bot.user(language_code="en")
    await user.send("/region")
    await user.reply()
    await user.press("mainland China")
    await user.reply()
    await user.send("/check " + text)
    replies = await user.all_replies()
    verdict = replies[-1]
    assert len(verdict.text) < 1000 and "more in" in verdict.text  # the first screen stays short
    await user.press("The law in full", message=verdict)
    parts = await user.all_replies()
    assert len(parts) >= 2, "precondition: the law of all these practices is long"
    assert all(len(r.text.encode("utf-16-le")) // 2 <= 4096 for r in parts)
    a = engine.assess(text, "en", "CN")
    joined = "\n".join(r.text for r in parts)
    shown: dict[str, Any] = {}
    for f in a.findings:
        shown.setdefault(f.category, f)
    for f in list(shown.values())[:5]:
        assert f.signal.title.get("en") in joined


# -- privacy -------------------------------------------------------------------------------------------------


async def test_forget_deletes_every_row_about_the_user(bot: BotUnderTest, engine: Engine) -> None:
    other = bot.user(language_code="en", user_id=555001)
    await start(other)
    user = bot.user(language_code="en", user_id=777123)
    await start(user)
    await user.send("/lang")
    await user.reply()
    await user.press("English")
    await user.reply()
    await user.send(question_for(engine, "family_contact", "en"))
    await user.reply()
    await user.press("👍")
    await user.answer()
    await user.press("Check a message")  # leaves state in the persistence
    await user.reply()
    await asyncio.sleep(0.2)
    assert await bot.storage.rows_mentioning(user.id)
    await user.send("/forget")
    confirm = await user.reply()
    await user.press("No, keep it")
    assert "Nothing was deleted" in (await user.reply()).text
    await user.press("Yes, delete everything", message=confirm)
    done = await user.reply()
    assert "deleted" in done.text
    await bot.stop()
    con = sqlite3.connect(bot.db_path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        left = [
            (t, row)
            for t in tables
            for row in con.execute(f"SELECT * FROM {t}")
            if any(v == user.id or (isinstance(v, str) and str(user.id) in v) for v in row)
        ]
        others = [
            (t, row) for t in tables for row in con.execute(f"SELECT * FROM {t}") if any(v == other.id for v in row)
        ]
    finally:
        con.close()
    assert left == []
    assert others, "other users are untouched"


async def test_no_message_content_is_stored(bot: BotUnderTest, engine: Engine) -> None:
    user = bot.user(language_code="zh-hans")
    secret = practice_example(engine, "threat_violence") + " 我的电话13800138000"
    await user.send("/check")
    await user.reply()
    await user.send(secret)
    await user.all_replies()
    await user.send("我能不能分期还款？我的身份证是110101199003077777")
    await user.all_replies()
    await bot.stop()
    raw = bot.db_path.read_bytes() + (
        bot.db_path.with_name(bot.db_path.name + "-wal").read_bytes()
        if bot.db_path.with_name(bot.db_path.name + "-wal").exists()
        else b""
    )
    for needle in ("13800138000", "110101199003077777", secret[:6]):
        assert needle.encode() not in raw


async def test_state_survives_a_restart(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await start(user)
    await user.press("Check a message")
    await user.reply()
    await bot.restart()
    await user.send("Can they really send me to jail?")
    assert "Verdict" in (await user.all_replies())[-1].text


# -- groups --------------------------------------------------------------------------------------------------


async def test_groups_only_commands_and_mentions_and_no_private_assessment(bot: BotUnderTest, engine: Engine) -> None:
    group = bot.fake.group()
    member = bot.user(language_code="en").in_chat(group)
    await member.send("/start@rights_test_bot")
    assert "Check a message" in (await member.reply()).labels()
    await member.send("they keep calling my parents, what can I do")
    await member.send(f"@rights_test_bot {practice_example(engine, 'threat_violence')}")
    redirect = await member.reply()
    assert "private chat" in redirect.text and redirect.button("Open a private chat")["url"].startswith(
        "https://t.me/rights_test_bot"
    )
    await member.send("@rights_test_bot " + question_for(engine, "family_contact", "en"))
    answer = await member.reply()
    assert engine.kb.topic_by_id["family_contact"].title.get("en") in answer.bold()
    await member.send("/check@rights_test_bot")
    assert "private chat" in (await member.reply()).text
    await member.send("/forget@rights_test_bot")
    assert "private chat" in (await member.reply()).text
    assert await member.settle(quiet=0.5) == []


# -- robustness ----------------------------------------------------------------------------------------------


async def test_users_over_the_inbound_limit_get_one_friendly_note(bot: BotUnderTest) -> None:
    limit = bot.app.bot_data["services"].limiter.per_minute
    user = bot.user(language_code="en")
    for i in range(limit + 5):
        await user.send(f"hello {i}")
    replies = await user.all_replies(quiet=0.5)
    slow = [r for r in replies if "very fast" in r.text]
    assert len(slow) == 1
    assert len(replies) == limit + 1


async def test_an_error_is_logged_and_the_user_told_without_a_traceback(
    bot: BotUnderTest, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bot.app.bot_data["services"].dialogue, "respond", broken)
    user = bot.user(language_code="en")
    with caplog.at_level("ERROR"):
        await user.send("hello")
        reply = await user.reply()
    assert "something went wrong" in reply.text and "Traceback" not in reply.text
    assert any("error while handling update" in r.getMessage() for r in caplog.records)
    assert await user.settle(quiet=0.5) == []  # told once


async def test_a_broken_table_still_gets_an_answer(bot: BotUnderTest) -> None:
    async with bot.storage.transaction() as tx:
        await tx.execute("DROP TABLE users")  # the database breaks under the bot
    user = bot.user(language_code="en")
    await user.send("/start")
    assert "Check a message" in (await user.reply()).labels()


async def test_three_hundred_users_at_once_are_all_answered(bot: BotUnderTest, engine: Engine) -> None:
    texts = [
        "能不能分期还款？",
        practice_example(engine, "contact_third_party"),
        "hello",
        "can they call my boss?",
        "我不想活了",
        "【某某金融】您的账单已逾期，请登录官方APP还款。",
    ]
    users = [bot.user(language_code=list(LANGS)[i % 3]) for i in range(300)]
    for i, u in enumerate(users):
        await u.send(texts[i % len(texts)])
    first = await asyncio.gather(*(u.reply(timeout=60) for u in users))
    assert len(first) == 300 and all(m.text for m in first)


async def test_webhook_mode_receives_pushed_updates(fake_telegram: Any, engine: Engine, tmp_path: Any) -> None:
    from tornado.netutil import bind_sockets

    from handlers.app import build_application, start_application, stop_application

    sock = bind_sockets(0, "127.0.0.1")[0]
    port = sock.getsockname()[1]
    sock.close()
    harness = BotUnderTest(fake_telegram, engine, tmp_path / "bot.sqlite3")
    app = build_application(
        token=fake_telegram.token,
        engine=engine,
        settings=harness.settings(),
        base_url=fake_telegram.url,
        rate_limiter=False,
    )
    await start_application(app, polling=False)
    try:
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret-token",
        )
        assert fake_telegram.webhook and fake_telegram.webhook["secret_token"] == "s3cret-token"
        user = fake_telegram.user(language_code="en")
        await user.send("/start")
        assert "Check a message" in (await user.reply()).labels()
    finally:
        await stop_application(app)
    assert not fake_telegram.errors


async def test_concurrent_processing_keeps_each_users_order(fake_telegram: Any, engine: Engine, tmp_path: Any) -> None:
    harness = BotUnderTest(fake_telegram, engine, tmp_path / "bot.sqlite3", concurrent_updates=8)
    await harness.start()
    try:
        users = [harness.user(language_code="en") for _ in range(40)]
        for u in users:
            await u.send("/check")
            await u.send("Can they really send me to jail?")
        for u in users:
            prompt, verdict = await u.reply(timeout=30), await u.reply(timeout=30)
            assert "Paste or forward" in prompt.text and "Verdict" in verdict.text
    finally:
        await harness.stop()
    assert not fake_telegram.errors


async def test_the_retention_job_deletes_inactive_users(bot: BotUnderTest) -> None:
    from handlers.app import RightsContext, retention_job

    old, recent = bot.user(language_code="en"), bot.user(language_code="en")
    for u in (old, recent):
        await u.send("/lang")
        await u.reply()
        await u.press("English")
        await u.reply()
    days = bot.app.bot_data["services"].settings.retention_days
    await bot.storage.flush_seen()
    async with bot.storage.transaction() as tx:
        await tx.execute("UPDATE users SET last_seen = last_seen - ? WHERE user_id = ?", ((days + 1) * 86400, old.id))
    await retention_job(RightsContext(bot.app))
    assert await bot.storage.rows_mentioning(old.id) == []
    assert await bot.storage.get_user(recent.id) is not None
