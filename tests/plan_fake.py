"""Test helpers for /plan end to end: the fake Bot API of tests/fake_telegram.py plus sendPhoto and
sendDocument (the plan sends a chart, a PDF and a calendar file), whose uploaded bytes are kept for the tests."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from fake_telegram import BotMessage, BotUnderTest, FakeTelegram, Stored, _ApiHandler
from tornado import httputil


@dataclasses.dataclass
class Upload:
    chat_id: int
    method: str
    filename: str
    data: bytes
    caption: str


class _UploadApiHandler(_ApiHandler):
    def _params(self) -> dict[str, Any]:
        params = super()._params()
        ctype = self.request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            args: dict[str, list[bytes]] = {}
            files: dict[str, list[httputil.HTTPFile]] = {}
            httputil.parse_body_arguments(ctype, self.request.body or b"", args, files)
            params["_files"] = {k: (v[-1].filename, bytes(v[-1].body)) for k, v in files.items()}
        return params


class PlanFakeTelegram(FakeTelegram):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.uploads: list[Upload] = []

    async def _upload(self, method: str, field: str, p: dict[str, Any]) -> Any:
        chat = self._chat(p)
        files = p.get("_files") or {}
        if not files:
            from fake_telegram import BadRequest

            raise BadRequest(f"Bad Request: there is no {field} in the request")
        filename, data = next(iter(files.values()))
        caption = str(p.get("caption") or "")
        mid = self._next_message_id(chat.id)
        self.uploads.append(Upload(chat.id, method, filename, data, caption))
        stored = Stored(chat.id, mid, True, caption, caption, [], None)
        self.messages[(chat.id, mid)] = stored
        self._queue(chat.id).put_nowait(
            BotMessage(chat.id, mid, f"[{field} {filename}] {caption}", caption, [], None, "send")
        )
        out = self._message_json(stored)
        out.pop("text", None)
        if caption:
            out["caption"] = caption
        if field == "photo":
            out["photo"] = [{"file_id": f"p{mid}", "file_unique_id": f"up{mid}", "width": 800, "height": 600}]
        else:
            out["document"] = {
                "file_id": f"d{mid}",
                "file_unique_id": f"ud{mid}",
                "file_name": filename,
                "file_size": len(data),
            }
        out["date"] = int(time.time())
        return out

    async def api_sendphoto(self, p: dict[str, Any]) -> Any:
        return await self._upload("sendPhoto", "photo", p)

    async def api_senddocument(self, p: dict[str, Any]) -> Any:
        return await self._upload("sendDocument", "document", p)


class PlanBotUnderTest(BotUnderTest):
    """The real bot, with the per-user inbound limit raised: an interview is many quick answers."""

    def settings(self) -> Any:
        s = super().settings()
        return dataclasses.replace(s, telegram={**s.telegram, "user_messages_per_minute": 10_000})


PlanFakeTelegram.api_handler = _UploadApiHandler
