"""Pictures sent to the bot (thin Telegram adapter; the reading is bot.ocr, the replies bot.ocr.replies).

In a private chat: a photo, an image sent as a file, a forwarded photo, and an album (several photos sent
together share a media_group_id and arrive as separate updates: they are collected for ALBUM_WAIT seconds
after the last one and read in order as one message). A caption of the user's own (not forwarded) counts as
the user's words and gets the crisis check, once per album. PDFs, animated stickers, GIFs and videos get a
clear reply.

The picture is downloaded into memory, read in the OCR worker thread (bot.ocr.read_image_async, with a
timeout, so other users are never blocked) and dropped: it is never written anywhere.

Registered in group PHOTO_GROUP, before the crisis guard and the text handlers (a caption is not a text
message to them): every update handled here ends with ApplicationHandlerStop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from bot.ocr import MAX_BYTES, MAX_PIXELS, ImageRejected, Reading, combine, read_image_async
from bot.ocr.assess import assess_reading
from bot.ocr.replies import reading_replies, rejection
from handlers.context import lang_code, prefs, send

_LOGGER = logging.getLogger("rights_bot.photos")

PHOTO_GROUP = -15
ALBUM_WAIT = 1.5  # seconds without a new photo of the album before it is read
MAX_ALBUM = 10  # Telegram's own limit for an album

# static stickers stay with handlers.app.on_other
MEDIA = (
    filters.PHOTO
    | filters.Document.IMAGE
    | filters.Document.PDF
    | filters.Sticker.ANIMATED
    | filters.Sticker.VIDEO
    | filters.ANIMATION
    | filters.VIDEO
    | filters.Document.VIDEO
)


def add_photo_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & MEDIA, on_media), group=PHOTO_GROUP
    )


@dataclass
class _Album:
    updates: list[Update] = field(default_factory=list)
    event: asyncio.Event = field(default_factory=asyncio.Event)


def _albums(app: Application[Any, Any, Any, Any, Any, Any]) -> dict[tuple[int, str], _Album]:
    return app.bot_data.setdefault("albums", {})


async def on_media(update: Update, context: Any) -> None:
    msg = update.effective_message
    if msg is None or update.effective_chat is None:
        return

    lang, _ = await prefs(update, context)
    code = _not_a_picture(msg)
    if code:
        await send(update, context, [rejection(code, lang, max_mb=MAX_BYTES // 2**20, max_mp=MAX_PIXELS // 10**6)])
        raise ApplicationHandlerStop
    if msg.media_group_id:
        key = (update.effective_chat.id, str(msg.media_group_id))
        albums = _albums(context.application)
        album = albums.get(key)
        if album is None:
            album = albums[key] = _Album()
            context.application.create_task(_read_album(key, album, context), update=update)
        if len(album.updates) < MAX_ALBUM:
            album.updates.append(update)
        album.event.set()
        raise ApplicationHandlerStop
    await _read_and_reply([update], context)
    raise ApplicationHandlerStop


def _not_a_picture(msg: Message) -> str | None:
    if msg.sticker is not None:
        return "animated"
    if msg.animation is not None or msg.video is not None:
        return "animated"
    doc = msg.document
    if doc is not None and (doc.mime_type or "").lower() == "application/pdf":
        return "pdf"
    if doc is not None and (doc.mime_type or "").lower().startswith("video/"):
        return "animated"
    return None


async def _read_album(key: tuple[int, str], album: _Album, context: Any) -> None:
    """Wait until the album is complete (no new photo for ALBUM_WAIT seconds), then read it in order."""
    try:
        while True:
            album.event.clear()
            try:
                await asyncio.wait_for(album.event.wait(), ALBUM_WAIT)
            except TimeoutError:
                break
        _albums(context.application).pop(key, None)
        updates = sorted(album.updates, key=lambda u: u.effective_message.message_id if u.effective_message else 0)
        await _read_and_reply(updates, context)
    except Exception:  # a background task: tell the user rather than fail silently
        _LOGGER.exception("error while reading an album")
        _albums(context.application).pop(key, None)
        if album.updates:
            update = album.updates[-1]
            lang, _ = await prefs(update, context)
            await send(update, context, [context.services.dialogue.error(lang)])


async def _read_and_reply(updates: list[Update], context: Any) -> None:
    update = updates[0]
    msg = update.effective_message
    assert msg is not None and update.effective_chat is not None
    services = context.services
    dialogue = services.dialogue
    lang, jur = await prefs(update, context)
    forwarded = msg.forward_origin is not None
    # the user's own caption(s): crisis support first
    captions = [u.effective_message.caption for u in updates if u.effective_message and u.effective_message.caption]
    if captions and not forwarded:
        said = dialogue.analyse("\n".join(captions), lang, jur, lang_code(update))
        if said.crisis:
            await send(update, context, [dialogue.crisis_banner(lang, said.audience, "assessment")])
    readings: list[Reading] = []
    for u in updates:
        m = u.effective_message
        if m is None:
            continue
        try:
            data = await _download(m, context)
            await _typing(context, update.effective_chat.id)
            readings.append(await read_image_async(data))
        except ImageRejected as exc:
            # one picture of an album that cannot be read is said so; the others are still read
            await send(u, context, [rejection(exc.code, lang, max_mb=MAX_BYTES // 2**20, max_mp=MAX_PIXELS // 10**6)])
    if not readings:
        return
    reading = combine(readings)
    if forwarded:  # a forwarded photo's caption is the sender's words: part of the message
        extra = "\n".join(captions)
        if extra:
            reading = combine([reading, _caption_reading(extra)])
    assessment = assess_reading(services.engine, reading, lang, jur)
    await send(update, context, reading_replies(dialogue, reading, assessment, lang, pictures=len(readings)))


def _caption_reading(text: str) -> Reading:
    return Reading(text, [], [], [(0, len(text), "caption")], [], 1.0, False, "caption", 0, 0)


async def _download(msg: Message, context: Any) -> bytes:
    """The picture's bytes, in memory. Telegram lets bots download files up to 20 MB."""
    if msg.photo:
        item: Any = max(msg.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
    else:
        item = msg.document
    if item is None:
        raise ImageRejected("nothing to read")
    if (item.file_size or 0) > MAX_BYTES:
        raise _too_large()
    try:
        tg_file = await context.bot.get_file(item.file_id)
    except BadRequest as exc:
        if "too big" in str(exc).lower():
            raise _too_large() from None
        raise
    if (tg_file.file_size or 0) > MAX_BYTES:
        raise _too_large()
    return bytes(await tg_file.download_as_bytearray())


def _too_large() -> ImageRejected:
    from bot.ocr import ImageTooLarge  # noqa: PLC0415

    return ImageTooLarge("over 20 MB")


async def _typing(context: Any, chat_id: int) -> None:
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError:
        pass
