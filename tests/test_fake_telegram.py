"""The fake Bot API rejects what Telegram rejects (otherwise the end-to-end tests would prove little)."""

from __future__ import annotations

import json

import httpx
import pytest
from fake_telegram import FakeTelegram, parse_html


@pytest.mark.parametrize(
    "html, error",
    [
        ("a < b", 'Unsupported start tag ""'),
        ("<script>x</script>", 'Unsupported start tag "script"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("<b>x", "Can't find end tag"),
        ("x</b>", "Unexpected end tag"),
        ("line<br>break", 'Unsupported start tag "br"'),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
    ],
)
def test_bad_html_is_refused(html: str, error: str) -> None:
    with pytest.raises(Exception) as exc:
        parse_html(html)
    assert "can't parse entities" in str(exc.value) and error in str(exc.value)


def test_good_html_gives_text_and_utf16_entities() -> None:
    text, entities = parse_html('😀 <b>粗 &lt;体&gt;</b> &amp; <a href="https://x.org/?a=1&amp;b=2">l</a> &#39;q&#x27;')
    assert text == "😀 粗 <体> & l 'q'"
    assert entities[0] == {"type": "bold", "offset": 3, "length": 5}
    assert entities[1]["url"] == "https://x.org/?a=1&b=2"
    assert parse_html("AT&T &nbsp;")[0] == "AT&T &nbsp;"  # Telegram keeps unknown entities


async def test_the_server_answers_400_like_telegram(fake_telegram: FakeTelegram) -> None:
    user = fake_telegram.user()
    await user.send("hi")
    base = f"{fake_telegram.url}/bot{fake_telegram.token}"
    async with httpx.AsyncClient() as client:

        async def call(method: str, **params: object) -> httpx.Response:
            data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            return await client.post(f"{base}/{method}", data=data)

        ok = await call("sendMessage", chat_id=user.id, text="<b>hi</b>", parse_mode="HTML")
        assert ok.json()["ok"] and ok.json()["result"]["entities"][0]["type"] == "bold"
        too_long = await call("sendMessage", chat_id=user.id, text="x" * 4097)
        assert too_long.status_code == 400 and "too long" in too_long.json()["description"]
        emoji = await call("sendMessage", chat_id=user.id, text="😀" * 2049)
        assert emoji.status_code == 400
        bad_data = await call(
            "sendMessage",
            chat_id=user.id,
            text="x",
            reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "中" * 22}]]},
        )
        assert bad_data.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"
        shape = await call("sendMessage", chat_id=user.id, text="x", reply_markup={"inline_keyboard": [{"text": "a"}]})
        assert "Array of Arrays" in shape.json()["description"]
        no_action = await call(
            "sendMessage", chat_id=user.id, text="x", reply_markup={"inline_keyboard": [[{"text": "a"}]]}
        )
        assert no_action.status_code == 400
        assert (await call("sendMessage", chat_id=999, text="x")).json()["description"] == "Bad Request: chat not found"
        assert (await call("sendMessage", chat_id=user.id, text="  ")).status_code == 400
        mid = ok.json()["result"]["message_id"]
        same = await call("editMessageText", chat_id=user.id, message_id=mid, text="<b>hi</b>", parse_mode="HTML")
        assert "not modified" in same.json()["description"]
        assert (await call("answerCallbackQuery", callback_query_id="nope")).status_code == 400
        assert (await client.post(f"{fake_telegram.url}/bot1:wrong/getMe")).status_code == 401
    fake_telegram.errors.clear()
