"""Settings: config.yaml as the base, every key overridable from the environment (RIGHTS_BOT_<KEY>, nested keys
joined by __), the old variables still working, the state directory, and the token from a secrets file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DATA_ROOT, ConfigInvalid, load_settings, state_dir, telegram_token


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in (
        "RIGHTS_BOT_DB",
        "RIGHTS_BOT_CONFIG",
        "RIGHTS_BOT_LOG_LEVEL",
        "RIGHTS_BOT_LOG_FORMAT",
        "STATE_DIRECTORY",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_BOT_TOKEN_FILE",
        "CREDENTIALS_DIRECTORY",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))


def test_config_yaml_is_the_base() -> None:
    s = load_settings()
    assert s.telegram["mode"] == "polling" and s.telegram["webhook_port"] == 8443
    assert s.telegram["concurrent_updates"] == 8 and s.retention_days == 180
    assert s.knowledge_dir == DATA_ROOT / "knowledge"
    assert s.log_level == "INFO" and s.log_format == "text"


def test_every_key_can_be_overridden_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTS_BOT_TELEGRAM__MODE", "webhook")
    monkeypatch.setenv("RIGHTS_BOT_TELEGRAM__WEBHOOK_PORT", "8080")
    monkeypatch.setenv("RIGHTS_BOT_TELEGRAM__WEBHOOK_URL", "https://bot.example.org")
    monkeypatch.setenv("RIGHTS_BOT_STORAGE__RETENTION_DAYS", "30")
    monkeypatch.setenv("RIGHTS_BOT_ENGINE__LEARNED_DETECTOR", "false")
    monkeypatch.setenv("RIGHTS_BOT_ENGINE__ANSWER_FLOOR", "0.2")
    monkeypatch.setenv("RIGHTS_BOT_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("RIGHTS_BOT_LOG_FORMAT", "json")
    s = load_settings()
    assert s.telegram["mode"] == "webhook" and s.telegram["webhook_port"] == 8080
    assert s.telegram["webhook_url"] == "https://bot.example.org"
    assert s.telegram["concurrent_updates"] == 8  # the file's other keys stay
    assert s.retention_days == 30 and s.learned_detector is False and s.answer_floor == 0.2
    assert s.log_level == "DEBUG" and s.log_format == "json"


def test_the_database_is_in_the_state_directory_unless_rights_bot_db_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert load_settings().database == tmp_path / "xdg" / "rights-bot" / "rights-bot.sqlite3"
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "systemd"))
    assert state_dir() == tmp_path / "systemd"
    assert load_settings().database == tmp_path / "systemd" / "rights-bot.sqlite3"
    assert load_settings().heartbeat_file == tmp_path / "systemd" / "heartbeat.json"
    monkeypatch.setenv("RIGHTS_BOT_STORAGE__DATABASE", str(tmp_path / "env.sqlite3"))
    assert load_settings().database == tmp_path / "env.sqlite3"
    monkeypatch.setenv("RIGHTS_BOT_DB", str(tmp_path / "db.sqlite3"))
    assert load_settings().database == tmp_path / "db.sqlite3"


def test_a_relative_xdg_state_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert state_dir() == tmp_path / ".local" / "state" / "rights-bot"


def test_rights_bot_config_names_another_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "bot.yaml"
    cfg.write_text(
        "telegram:\n  mode: webhook\n  webhook_url: https://x.example\nstorage:\n  database: a/b.db\n", encoding="utf-8"
    )
    monkeypatch.setenv("RIGHTS_BOT_CONFIG", str(cfg))
    s = load_settings()
    assert s.telegram["mode"] == "webhook" and s.telegram["user_messages_per_minute"] == 20  # the default
    assert s.database == tmp_path / "xdg" / "rights-bot" / "a" / "b.db"


@pytest.mark.parametrize(
    ("var", "value", "named"),
    [
        ("RIGHTS_BOT_TELEGRAM__MODE", "hook", "telegram.mode"),
        ("RIGHTS_BOT_TELEGRAM__WEBHOOK_PORT", "eighty", "telegram.webhook_port"),
        ("RIGHTS_BOT_LOG_FORMAT", "xml", "log_format"),
    ],
)
def test_a_bad_value_is_named_with_its_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, named: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigInvalid) as exc:
        load_settings()
    assert named in str(exc.value) and var in str(exc.value)


def test_a_misspelt_key_in_the_file_is_an_error(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("telegram:\n  mdoe: webhook\n", encoding="utf-8")
    with pytest.raises(ConfigInvalid, match="telegram.mdoe"):
        load_settings(cfg)


def test_the_token_from_the_environment_or_a_secrets_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert telegram_token() == ""
    secret = tmp_path / "token"
    secret.write_text("123456:ABCdef_from_a_file\n", encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN_FILE", str(secret))
    assert telegram_token() == "123456:ABCdef_from_a_file"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCdef_from_the_env")
    assert telegram_token() == "123456:ABCdef_from_the_env"
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigInvalid, match="TELEGRAM_BOT_TOKEN_FILE"):
        telegram_token()


def test_the_token_from_a_systemd_credential(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "telegram_bot_token").write_text("123456:ABCdef_credential", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert telegram_token() == "123456:ABCdef_credential"
