"""Pictures end to end: the real bot over HTTP against the fake Bot API (getFile and the file download as
Telegram does them), reading the committed screenshots with the real OCR engine."""

from __future__ import annotations

import io
import time
from pathlib import Path

from fake_telegram import BotMessage, BotUnderTest, FakeUser
from PIL import Image
from screens import load_set

from bot.engine import Engine
from bot.i18n import gettext_for
from bot.report import verdict_label

SET = {s.name[:2]: s for s in load_set(Path(__file__).resolve().parent / "data" / "ocr")}


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


async def replies_until(user: FakeUser, needle: str, timeout: float = 60.0) -> list[BotMessage]:
    """The bot's replies up to and including the first that contains `needle` (reading takes a while)."""
    out: list[BotMessage] = []
    deadline = time.monotonic() + timeout
    while not out or needle not in out[-1].text:
        out.append(await user.reply(timeout=max(0.1, deadline - time.monotonic())))
    return out


def crisis_caption(engine: Engine) -> str:
    topic = engine.kb.topic_by_id["crisis"]
    for lang, q in topic.questions.all():
        if lang == "zh-Hans" and engine.answer(q, "zh-Hans").topic == "crisis":
            return q
    raise AssertionError("no crisis question in zh-Hans")


async def test_a_photo_gets_the_verdict_with_quoted_words_and_the_recognised_text(
    bot: BotUnderTest, engine: Engine
) -> None:
    s = SET["09"]  # 你的住址、单位、身份证号我们都打印好了，明天寄给你父母和邻居。
    _ = gettext_for("zh-Hans")
    original = engine.assess(s.expected, "zh-Hans", "CN")
    user = bot.user(language_code="zh-hans")
    await user.send_photo(s.data())
    replies = await replies_until(user, _("Text I read in the picture"))
    verdict = replies[-1]
    assert f"{_('Verdict')}: {verdict_label(original.verdict, 'zh-Hans')}" in verdict.text
    for f in original.findings:
        assert f.evidence in verdict.text
    assert _("Text I read in the picture") in verdict.text
    assert "明天寄给你父母和邻居" in verdict.text.split(_("Text I read in the picture"))[1]
    assert "10690573261" in verdict.text  # the sender is shown
    assert _("What to reply") in verdict.labels()
    assert bot.fake.calls.get("getFile") == 1  # the largest size only, not the thumbnail


async def test_an_image_sent_as_a_file_is_read_too(bot: BotUnderTest, engine: Engine) -> None:
    s = SET["03"]  # Buy a Target gift card ... (a scam)
    user = bot.user(language_code="en")
    await user.send_document(s.data(), file_name="Screenshot_2026-10-12.png", mime_type="image/png")
    verdict = (await replies_until(user, "Text I read in the picture"))[-1]
    expected = engine.assess(s.expected, "en", "US")
    assert expected.verdict == "scam"
    assert "Text I read in the picture" in verdict.text
    assert "Target gift card" in verdict.text


async def test_an_album_is_read_as_one_message_and_its_caption_gets_the_crisis_check(
    bot: BotUnderTest, engine: Engine
) -> None:
    first, second = SET["02"], SET["09"]
    _ = gettext_for("zh-Hans")
    user = bot.user(language_code="zh-hans")
    await user.send_photo(first.data(), media_group_id="album-1", caption=crisis_caption(engine))
    await user.send_photo(second.data(), media_group_id="album-1")
    replies = await replies_until(user, _("Text I read in the %(n)d pictures") % {"n": 2})
    assert "你写的话让我担心" in replies[0].text and "12356" in replies[0].text  # support first
    later = await user.settle(quiet=2.5, timeout=10)
    headers = (_("Text I read in the picture"), _("Text I read in the %(n)d pictures") % {"n": 2})
    reads = [r for r in replies + later if any(h in r.text for h in headers)]
    assert len(reads) == 1  # one reply for the album, not one a photo
    text = reads[0].text
    assert f"{_('Verdict')}: {verdict_label('unlawful', 'zh-Hans')}" in text
    recognised = text.split(_("Text I read in the %(n)d pictures") % {"n": 2})[1]
    assert recognised.index("報送") < recognised.index("打印好了")  # in the order sent
    assert recognised.count("10690573261") == 1  # the same sender once


async def test_a_forwarded_photo_is_assessed_as_a_received_message(bot: BotUnderTest) -> None:
    s = SET["06"]  # We know where your kids go to school ...
    user = bot.user(language_code="en")
    await user.send_photo(s.data(), forward_from="Recovery Dept.")
    replies = await replies_until(user, "Text I read in the picture")
    assert "kids go to school" in replies[-1].text


async def test_oversized_pictures_are_refused_with_a_clear_message(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    await user.send_document(png(Image.new("1", (8000, 6000), 1)), file_name="huge.png", mime_type="image/png")
    reply = await user.reply(timeout=30)
    assert "too large" in reply.text and "40 megapixels" in reply.text
    await user.send_document(
        b"\xff\xd8\xff\xe0" + b"\0" * (21 * 1024 * 1024), file_name="big.jpg", mime_type="image/jpeg"
    )
    reply = await user.reply(timeout=30)
    assert "too large" in reply.text and "20 MB" in reply.text


async def test_corrupt_pictures_pdfs_and_animated_stickers_get_a_clear_reply(bot: BotUnderTest) -> None:
    user = bot.user(language_code="en")
    good = SET["00"].data()
    await user.send_document(good[: len(good) // 2], file_name="broken.png", mime_type="image/png")
    assert "could not open this picture" in (await user.reply(timeout=30)).text
    await user.send_document(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", file_name="letter.pdf", mime_type="application/pdf")
    assert "cannot read PDF files" in (await user.reply(timeout=30)).text
    await user.send_other(
        sticker={
            "file_id": "CAACsticker",
            "file_unique_id": "stk",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": True,
            "is_video": False,
        }
    )
    assert "cannot read animated stickers" in (await user.reply(timeout=30)).text
    # and the bot goes on answering texts
    await user.send("/help")
    assert (await user.reply()).text
