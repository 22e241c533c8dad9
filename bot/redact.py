"""Redaction of personal data and secrets, for anything stored and every log line.

`redact()` masks phone numbers, Chinese resident ID numbers, bank-card / account numbers, e-mail addresses and
Telegram bot tokens. It errs on the side of masking: a long run of digits is treated as personal data.
`SecretFilter` is a logging filter that applies the same masking (and any literal secret it is given, such as
the configured bot token) to the message, the arguments and the formatted traceback of every record.
"""

from __future__ import annotations

import datetime as dtm
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

# 123456789:AA... (the 35-character secret part); rules-bot's pattern, a little wider on the id
TOKEN_RE = re.compile(r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{30,}")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# mainland resident identity card: 18 characters (17 digits + digit or X), or the old 15-digit form
CN_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"|[1-9]\d{14})(?![0-9A-Za-z])"
)
# bank cards and account numbers: 12-19 digits, optionally grouped by spaces or dashes
CARD_RE = re.compile(r"(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)")
# international numbers written with a leading +: before the card pattern, which would take their digits
PHONE_INTL_RE = re.compile(r"(?<![\d+])\+\d{1,3}(?:[ -]?\(?\d{1,4}\)?){2,5}(?!\d)")
# phones: mainland mobiles (optionally +86), landlines with area code, international numbers, US numbers
PHONE_RE = re.compile(
    r"(?<![\d+])(?:"
    r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}"  # 138 0013 8000
    r"|0\d{2,3}[ -]?\d{7,8}"  # 010-12345678
    r"|\+\d{1,3}[ -]?(?:\(?\d{1,4}\)?[ -]?){2,4}\d{2,4}"  # +44 20 7946 0958
    r"|\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}"  # (555) 123-4567
    r")(?!\d)"
)

MASKS = (
    (TOKEN_RE, "[token]"),
    (EMAIL_RE, "[email]"),
    (CN_ID_RE, "[id-number]"),
    (PHONE_INTL_RE, "[phone]"),
    (CARD_RE, "[card-number]"),
    (PHONE_RE, "[phone]"),
)


def redact(text: str) -> str:
    """The text with personal data and secrets masked."""
    for pattern, mask in MASKS:
        text = pattern.sub(mask, text)
    return text


def redact_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """Only secrets (bot tokens and the given literal strings): used for log lines, which keep ids and numbers."""
    for s in secrets:
        if s:
            text = text.replace(s, "[token]")
    return TOKEN_RE.sub("[token]", text)


def redact_data(value: Any) -> Any:
    """Redact every string inside nested dicts, lists, tuples and sets (dict keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_data(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_data(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return type(value)(redact_data(v) for v in value)
    return value


# In what is logged, strings inside data (API parameters and results, updates as dicts) are shown only under
# these keys; any other string becomes "<N characters>" (texts, names, captions, file names, button labels,
# forward origins, addresses …), and these numbers become "<number>" (where someone is).
LOG_SAFE_KEYS = frozenset(
    {
        "update_id",
        "message_id",
        "chat_id",
        "user_id",
        "id",
        "type",
        "date",
        "parse_mode",
        "method",
        "offset",
        "limit",
        "timeout",
        "allowed_updates",
        "is_bot",
        "language_code",
        "ok",
        "error_code",
        "description",
        "show_alert",
        "cache_time",
        "action",
        "width",
        "height",
        "file_size",
        "mime_type",
        "duration",
        "file_id",
        "file_unique_id",
        "callback_query_id",
        "message_thread_id",
        "disable_notification",
        "protect_content",
        "command",
        "scope",
        "status",
        "endpoint",
        "drop_pending_updates",
        "max_connections",
    }
)
LOG_HIDDEN_NUMBERS = frozenset({"latitude", "longitude", "horizontal_accuracy", "heading", "proximity_alert_radius"})


def summarise_for_log(value: Any, key: Any = None) -> Any:
    """Nested data as it may be logged: walked to any depth (lists of lists of buttons included)."""
    if isinstance(value, dict):
        return {k: summarise_for_log(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [summarise_for_log(v, key) for v in value]
        return items if isinstance(value, (list, set, frozenset)) else tuple(items)
    if isinstance(value, str):
        return value if key in LOG_SAFE_KEYS else f"<{len(value)} characters>"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key in LOG_HIDDEN_NUMBERS:
        return "<number>"
    return value


_secrets: list[str] = []
_sanitizers: list[Callable[[Any], Any]] = []
_installed = False


def add_secret(secret: str) -> None:
    """Mask this literal string (e.g. the bot token) in every log record from now on."""
    if secret and secret not in _secrets:
        _secrets.append(secret)


def add_arg_sanitizer(func: Callable[[Any], Any]) -> None:
    """func(arg) -> arg: applied to each argument of a log record before formatting (e.g. to summarise an
    update instead of logging the user's text)."""
    if func not in _sanitizers:
        _sanitizers.append(func)


def install_log_redaction() -> None:
    """Redact secrets in every log record of the process, whichever handler receives it: the record factory
    formats the message and the traceback at creation and masks tokens in both. Idempotent."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scrub_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def scrub_record(record: logging.LogRecord, secrets: Iterable[str] = ()) -> None:
    allsecrets = [*_secrets, *secrets]
    if record.args and _sanitizers:
        args = record.args
        if isinstance(args, tuple):
            args = tuple(_sanitize(a) for a in args)
        elif isinstance(args, dict):
            args = {k: _sanitize(v) for k, v in args.items()}
        record.args = args
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep what we have
        message = str(record.msg)
    record.msg = redact_secrets(message, allsecrets)
    record.args = None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact_secrets(record.exc_text, allsecrets)
        record.exc_info = None
    if record.stack_info:
        record.stack_info = redact_secrets(record.stack_info, allsecrets)


def _sanitize(arg: Any) -> Any:
    for f in _sanitizers:
        arg = f(arg)
    return arg


class SecretFilter(logging.Filter):
    """The same masking as a handler filter (for handlers set up before install_log_redaction)."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record, self.secrets)
        return True


class SecretFormatter(logging.Formatter):
    """A formatter whose whole output is passed through redact_secrets (the last line of defence)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(super().format(record), _secrets)


class JsonFormatter(logging.Formatter):
    """One JSON object a line (RIGHTS_BOT_LOG_FORMAT=json): time, level, logger, message, and the exception or stack
    when there is one. The record was already scrubbed when it was made (install_log_redaction: user texts
    summarised, personal data in string arguments and secrets masked); each field, then the whole line, is passed
    through redact_secrets as the text format's output is."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dtm.datetime.fromtimestamp(record.created, dtm.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        out = {k: redact_secrets(v, _secrets) if isinstance(v, str) else v for k, v in out.items()}
        return redact_secrets(json.dumps(out, ensure_ascii=False), _secrets)
