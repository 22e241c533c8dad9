"""What the bot says about a picture: the assessment of the recognised text, then the text itself, so the
user can check it and send it back corrected; and a clear sentence for each picture it will not read.
No Telegram here (handlers/photos.py sends these replies)."""

from __future__ import annotations

from bot.dialogue import Dialogue, Reply
from bot.engine import Assessment
from bot.i18n import gettext_for
from bot.ocr.reader import Reading
from bot.render import render


def rejection(code: str, lang: str, *, max_mb: int = 20, max_mp: int = 40) -> Reply:
    """The reply to a picture that is not read (ImageRejected.code, or "animated", "no_text")."""
    _ = gettext_for(lang)
    texts = {
        "too_large": _(
            "This picture is too large for me (over %(mb)d MB). Please send a screenshot or a smaller "
            "photo, or copy the words of the message."
        ),
        "too_many_pixels": _(
            "This picture is too large for me (over %(mp)d megapixels). Please send a screenshot "
            "or a smaller photo, or copy the words of the message."
        ),
        "unreadable": _(
            "I could not open this picture: the file seems damaged, or it is not a picture format I "
            "know. Please send the screenshot again (as a photo), or copy the words of the message."
        ),
        "pdf": _("I cannot read PDF files. Please send a screenshot or a photo of the page, or copy its words."),
        "animated": _(
            "I cannot read animated stickers, GIFs or videos. Please send a screenshot of the message, "
            "or copy its words."
        ),
        "timeout": _(
            "Reading this picture took too long. Please send a smaller or clearer picture, or copy the "
            "words of the message."
        ),
        "unavailable": _(
            "I cannot read pictures at the moment. Please copy the words of the message and send them as text."
        ),
        "no_text": _(
            "I found no text in this picture. Please send a clearer screenshot, or copy the words of the message."
        ),
    }
    text = texts.get(code, texts["unreadable"]) % {"mb": max_mb, "mp": max_mp}
    return Reply(render("notice.html.j2", lang, text=text))


def reading_replies(
    dialogue: Dialogue, reading: Reading, assessment: Assessment, lang: str, pictures: int = 1
) -> list[Reply]:
    """The assessment reply of a pasted text (danger first when violence is threatened, then the verdict with
    its buttons), with the recognised text below the verdict."""
    if not reading.text.strip():
        return [rejection("no_text", lang)]
    replies = dialogue.assessment(assessment, lang)
    verdict = replies[-1]
    verdict.html = (
        verdict.html
        + "\n\n"
        + render("recognised.html.j2", lang, text=reading.text, low=reading.low_confidence, pictures=pictures)
    )
    return replies
