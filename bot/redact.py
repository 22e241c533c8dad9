"""Redaction of personal data and secrets, for anything stored and every log line.

`redact()` masks phone numbers, Chinese resident ID numbers, bank-card / account numbers, e-mail addresses and
Telegram bot tokens. It errs on the side of masking: a long run of digits is treated as personal data.
`SecretFilter` is a logging filter that applies the same masking (and any literal secret it is given, such as
the configured bot token) to the message, the arguments and the formatted traceback of every record.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterable

# 123456789:AA... (the 35-character secret part); rules-bot's pattern, a little wider on the id
TOKEN_RE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# mainland resident identity card: 18 characters (17 digits + digit or X), or the old 15-digit form
CN_ID_RE = re.compile(r"(?<![0-9A-Za-z])(?:[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                      r"|[1-9]\d{14})(?![0-9A-Za-z])")
# bank cards and account numbers: 12-19 digits, optionally grouped by spaces or dashes
CARD_RE = re.compile(r"(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)")
# phones: mainland mobiles (optionally +86), landlines with area code, international numbers, US numbers
PHONE_RE = re.compile(
    r"(?<![\d+])(?:"
    r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}"                    # 138 0013 8000
    r"|0\d{2,3}[ -]?\d{7,8}"                                       # 010-12345678
    r"|\+\d{1,3}[ -]?(?:\(?\d{1,4}\)?[ -]?){2,4}\d{2,4}"           # +44 20 7946 0958
    r"|\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}"                           # (555) 123-4567
    r")(?!\d)")

MASKS = (
    (TOKEN_RE, "[token]"),
    (EMAIL_RE, "[email]"),
    (CN_ID_RE, "[id-number]"),
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


class SecretFilter(logging.Filter):
    """Mask bot tokens (and literal secrets) in a log record: message, arguments and traceback.

    Attach it to every *handler* (a filter on a logger does not see records propagated from child loggers).
    """

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def add_secret(self, secret: str) -> None:
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what we have
            message = str(record.msg)
        record.msg = redact_secrets(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_secrets(record.exc_text, self.secrets)
        record.exc_info = None if record.exc_text else record.exc_info
        if record.stack_info:
            record.stack_info = redact_secrets(record.stack_info, self.secrets)
        return True


class SecretFormatter(logging.Formatter):
    """A formatter whose whole output is passed through redact_secrets (the last line of defence)."""

    def __init__(self, fmt: str | None = None, secrets: SecretFilter | None = None):
        super().__init__(fmt)
        self._filter = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(super().format(record), self._filter.secrets if self._filter else ())
