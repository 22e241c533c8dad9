"""Personal data and secrets never reach storage or logs."""

from __future__ import annotations

import logging

import pytest

from bot.redact import SecretFilter, redact, redact_data, redact_secrets

TOKEN = "123456789:AAHfake-test-token_ABCDEFGHIJKLMNOPQRSTUV"


@pytest.mark.parametrize(
    "text, gone, mask",
    [
        ("我的电话13800138000，快打", "13800138000", "[phone]"),
        ("call +86 138 0013 8000 now", "138 0013 8000", "[phone]"),
        ("座机010-12345678", "12345678", "[phone]"),
        ("US (555) 123-4567 please", "123-4567", "[phone]"),
        ("身份证110101199003077777号", "110101199003077777", "[id-number]"),
        ("身份证11010119900307777X", "11010119900307777X", "[id-number]"),
        ("卡号6222 0212 3456 7890 123还款", "6222 0212 3456 7890 123", "[card-number]"),
        ("账号6222021234567890123😀", "6222021234567890123", "[card-number]"),
        ("mail lin.wang+debt@example.co.uk", "lin.wang+debt@example.co.uk", "[email]"),
        (f"token {TOKEN} leaked", TOKEN, "[token]"),
    ],
)
def test_personal_data_is_masked(text: str, gone: str, mask: str) -> None:
    out = redact(text)
    assert gone not in out and mask in out


@pytest.mark.parametrize("text", ["欠款5000元，逾期30天", "pay 1,200.50 by 2026-12-01", "第1038条", "我欠了3万"])
def test_amounts_dates_and_articles_are_kept(text: str) -> None:
    assert redact(text) == text


def test_nested_data_is_redacted() -> None:
    data = {"phone": "13800138000", "items": [("a", "x@y.cn")], "n": 5, "ok": {"k": {"13800138000"}}}
    out = redact_data(data)
    assert out == {"phone": "[phone]", "items": [("a", "[email]")], "n": 5, "ok": {"k": {"[phone]"}}}


def test_log_records_lose_the_token_in_message_args_and_traceback() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (f"http://h/bot{TOKEN}/getMe",), None)
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    SecretFilter(["literal-secret"]).filter(record)
    text = logging.Formatter().format(record)
    assert TOKEN not in text and "AAHfake" not in text and "[token]" in text
    assert "rejected by the server" in text
    assert redact_secrets("a literal-secret b", ["literal-secret"]) == "a [token] b"


def test_logged_data_keeps_ids_and_hides_texts_at_any_depth() -> None:
    from bot.redact import summarise_for_log

    data = {
        "chat_id": 5,
        "text": "我的电话13800138000",
        "reply_markup": {"inline_keyboard": [[{"text": "✏️ Debt 1: 秘密贷款", "callback_data": "p:rv:d:0"}]]},
        "forward_origin": {"type": "hidden_user", "sender_user_name": "Zhang San"},
        "location": {"latitude": 31.23, "longitude": 121.47},
        "document": {"file_name": "contract.pdf"},
    }
    out = repr(summarise_for_log(data))
    for secret in ("13800138000", "秘密贷款", "Zhang San", "31.23", "121.47", "contract.pdf", "p:rv:d:0"):
        assert secret not in out
    assert "'chat_id': 5" in out and "hidden_user" in out


def test_json_log_lines_are_redacted_like_text_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import sys

    from bot import redact as redaction
    from bot.redact import JsonFormatter
    from handlers.app import _summarise_log_arg

    literal = 'lit"eral\\secret'  # a literal secret with characters JSON escapes
    monkeypatch.setattr(redaction, "_secrets", [literal])
    monkeypatch.setattr(redaction, "_sanitizers", [_summarise_log_arg])
    record = logging.LogRecord(
        "rights_bot",
        logging.ERROR,
        __file__,
        1,
        "url %s text %s data %s also %s",
        (f"http://h/bot{TOKEN}/getMe", "call me on 13800138000", {"chat_id": 7, "text": "they will beat me"}, literal),
        None,
    )
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected; {literal}")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    redaction.scrub_record(record)  # what install_log_redaction does to every record
    line = JsonFormatter().format(record)
    out = json.loads(line)
    assert set(out) == {"time", "level", "logger", "message", "exception"}
    assert out["level"] == "ERROR" and out["logger"] == "rights_bot"
    for gone in (TOKEN, "AAHfake", "13800138000", "beat me", literal, json.dumps(literal)[1:-1]):
        assert gone not in line, gone
    assert "[token]" in out["message"] and "[phone]" in out["message"] and "'chat_id': 7" in out["message"]
    assert "rejected" in out["exception"] and "[token]" in out["exception"]
