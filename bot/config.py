"""Project paths and settings: config.yaml as the base, every key overridable from the environment.

Where things are:
- the data the bot reads (knowledge/, locales/, config.yaml): the source tree in a checkout (and an editable
  install); in an installed wheel, the copy the build put into the package (bot/_data/, see setup.py);
- the state the bot writes (the SQLite file, the heartbeat, the local chat's files): the state directory,
  `$STATE_DIRECTORY` (systemd's StateDirectory=; the Docker image sets it), else `$XDG_STATE_HOME/rights-bot`,
  else `~/.local/state/rights-bot`. `RIGHTS_BOT_DB` names the SQLite file itself.

Settings: config.yaml (or the file `RIGHTS_BOT_CONFIG` names) as the base; each key can be overridden by an
environment variable `RIGHTS_BOT_<KEY>`, nested keys joined by `__`: `RIGHTS_BOT_TELEGRAM__MODE=webhook`,
`RIGHTS_BOT_STORAGE__RETENTION_DAYS=90`, `RIGHTS_BOT_LOG_LEVEL=DEBUG` (pydantic-settings). `RIGHTS_BOT_DB` wins
over `storage.database`. Secrets never live in the file: the token comes from `TELEGRAM_BOT_TOKEN` or the file
`TELEGRAM_BOT_TOKEN_FILE` names (`telegram_token()`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
# the source tree (tests and tools read it); in an installed wheel this is site-packages, not a place for data
ROOT = PACKAGE_DIR.parent
# knowledge/, locales/ and config.yaml: in the package when installed from a wheel, else the source tree
PACKAGED_DATA = PACKAGE_DIR / "_data"
DATA_ROOT = PACKAGED_DATA if (PACKAGED_DATA / "config.yaml").is_file() else ROOT
APP_NAME = "rights-bot"
DEFAULT_DATABASE = "rights-bot.sqlite3"
HEARTBEAT_FILE = "heartbeat.json"


def state_dir() -> Path:
    """Where the bot keeps its state (see the module docstring)."""
    systemd = os.environ.get("STATE_DIRECTORY", "")
    if systemd:  # systemd passes one path per StateDirectory= entry, ':'-separated
        return Path(systemd.split(":")[0])
    xdg = os.environ.get("XDG_STATE_HOME", "")
    if xdg and Path(xdg).is_absolute():  # the XDG spec: a relative value is to be ignored
        return Path(xdg) / APP_NAME
    try:
        return Path.home() / ".local" / "state" / APP_NAME
    except RuntimeError:  # no home directory (an arbitrary uid in a container): the working directory
        return Path.cwd() / f".{APP_NAME}-state"


# -- the configuration file's schema ---------------------------------------------------------------------------


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EngineConfig(_Section):
    answer_confidence: float = Field(0.45, ge=0, le=1)
    answer_floor: float = Field(0.12, ge=0, le=1)
    answer_margin: float = Field(0.03, ge=0, le=1)
    answer_ratio: float = Field(1.35, ge=1)
    learned_detector: bool = True


class StorageConfig(_Section):
    database: str = DEFAULT_DATABASE  # a relative path is under the state directory
    retention_days: int = Field(180, ge=1)


class TelegramConfig(_Section):
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_path: str = ""  # empty: a random path at each start
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(8443, ge=1, le=65535)
    user_messages_per_minute: int = Field(20, ge=0)
    concurrent_updates: int = Field(8, ge=1)
    bootstrap_retries: int = Field(-1, ge=-1)


class FileConfig(BaseSettings):
    """config.yaml, then the environment over it."""

    model_config = SettingsConfigDict(
        env_prefix="RIGHTS_BOT_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    knowledge_dir: str = "knowledge"
    locales_dir: str = "locales"
    corpus_dir: str = "corpus"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    engine: EngineConfig = EngineConfig()
    storage: StorageConfig = StorageConfig()
    telegram: TelegramConfig = TelegramConfig()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # first wins, merged key by key: the environment over the file (given as init arguments)
        return env_settings, init_settings


class ConfigInvalid(ValueError):
    """config.yaml or an environment variable has a value the bot cannot use."""


# -- the settings the code uses ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path
    locales_dir: Path
    corpus_dir: Path = DATA_ROOT / "corpus"
    default_language: str = "zh-Hans"  # from knowledge/languages.yaml (the one table of languages)
    answer_confidence: float = 0.45
    answer_floor: float = 0.12
    learned_detector: bool = True  # the model beside the patterns (bot/model.py)
    answer_margin: float = 0.03  # the top topic must lead the next different one by this much ...
    answer_ratio: float = 1.35  # ... and score this many times as high (unless above answer_confidence)
    database: Path = field(default_factory=lambda: state_dir() / DEFAULT_DATABASE)
    retention_days: int = 180
    telegram: dict[str, Any] = field(default_factory=dict)
    state_dir: Path = field(default_factory=state_dir)
    log_level: str = "INFO"
    log_format: str = "text"  # text | json

    @property
    def heartbeat_file(self) -> Path:
        return self.state_dir / HEARTBEAT_FILE


def config_path() -> Path:
    return Path(os.environ.get("RIGHTS_BOT_CONFIG") or DATA_ROOT / "config.yaml")


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigInvalid(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise ConfigInvalid(f"{path}: expected a mapping of settings at the top level")
    try:
        cfg = FileConfig(**raw)
    except ValidationError as exc:
        raise ConfigInvalid(_describe(exc, path)) from None
    state = state_dir()
    database = Path(os.environ.get("RIGHTS_BOT_DB") or cfg.storage.database).expanduser()
    knowledge_dir = _data_path(cfg.knowledge_dir)
    return Settings(
        knowledge_dir=knowledge_dir,
        locales_dir=_data_path(cfg.locales_dir),
        corpus_dir=_data_path(cfg.corpus_dir),
        default_language=_language_table(knowledge_dir)[0],
        answer_confidence=cfg.engine.answer_confidence,
        answer_floor=cfg.engine.answer_floor,
        learned_detector=cfg.engine.learned_detector,
        answer_margin=cfg.engine.answer_margin,
        answer_ratio=cfg.engine.answer_ratio,
        database=database if database.is_absolute() else state / database,
        retention_days=cfg.storage.retention_days,
        telegram=cfg.telegram.model_dump(),
        state_dir=state,
        log_level=cfg.log_level,
        log_format=cfg.log_format,
    )


def _describe(exc: ValidationError, path: Path) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        env = "RIGHTS_BOT_" + "__".join(str(p) for p in err["loc"]).upper()
        lines.append(f"{key}: {err['msg']} (from {path.name} or {env})")
    return f"invalid settings in {path} or the environment:\n  " + "\n  ".join(lines)


def _data_path(p: str | Path) -> Path:
    p = Path(p).expanduser()
    return p if p.is_absolute() else DATA_ROOT / p


def telegram_token() -> str:
    """The bot token: TELEGRAM_BOT_TOKEN, else the file TELEGRAM_BOT_TOKEN_FILE names (a Docker or compose secret),
    else `telegram_bot_token` in systemd's credentials directory (LoadCredential=). "" when none is set."""
    return secret("TELEGRAM_BOT_TOKEN", credential="telegram_bot_token")


def secret(name: str, credential: str | None = None) -> str:
    """A secret from the environment variable `name`, or the file `<name>_FILE` names, or a systemd credential.
    An unreadable file raises ConfigInvalid (the bot must not start with a secret it was told to read)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    file = os.environ.get(f"{name}_FILE", "").strip()
    credentials = os.environ.get("CREDENTIALS_DIRECTORY", "")
    if not file and credential and credentials and (Path(credentials) / credential).is_file():
        file = str(Path(credentials) / credential)
    if not file:
        return ""
    try:
        return Path(file).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigInvalid(f"{name}_FILE={file}: cannot read it ({type(exc).__name__})") from None


def _language_table(knowledge_dir: Path) -> tuple[str, tuple[str, ...]]:
    """(default language, every language) from knowledge/languages.yaml, read without validation: the full check
    is `rights-bot kb check`, and the interface needs the list before the knowledge base is loaded."""
    try:
        raw = yaml.safe_load((knowledge_dir / "languages.yaml").read_text(encoding="utf-8")) or {}
        langs = tuple(raw.get("languages") or ())
        return str(raw.get("default") or (langs[0] if langs else "zh-Hans")), langs or ("zh-Hans",)
    except (OSError, yaml.YAMLError, AttributeError):
        return "zh-Hans", ("zh-Hans",)


# the languages of the interface, in the order of the table
LANGUAGES: tuple[str, ...] = _language_table(DATA_ROOT / "knowledge")[1]
