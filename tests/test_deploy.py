"""The self-hosting files, read without Docker or systemd (neither runs here): compose.yaml parses and keeps the
state in a volume and the token in a secret; the Dockerfile runs as a non-root user with a volume for the state and
a health check; the systemd unit uses StateDirectory= and a credential; what they name exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from bot.config import APP_NAME, HEARTBEAT_FILE, ROOT

STATE = "/var/lib/rights-bot"


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical, out = "", []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        logical += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            word, _, rest = logical.partition(" ")
            out.append((word.upper(), rest.strip()))
            logical = ""
    return out


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def unit() -> dict[str, dict[str, list[str]]]:
    """The systemd unit as section -> key -> values (keys may repeat)."""
    out: dict[str, dict[str, list[str]]] = {}
    section = ""
    for raw in (ROOT / "deploy" / "rights-bot.service").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            out.setdefault(section, {})
            continue
        key, _, value = line.partition("=")
        out[section].setdefault(key, []).append(value)
    return out


def test_the_image_runs_as_a_non_root_user_with_a_volume_and_a_health_check() -> None:
    steps = final_stage()
    users = [args for word, args in steps if word == "USER"]
    assert users, "no USER in the final stage"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert f"--uid {user}" in " ".join(args for word, args in steps if word == "RUN")
    env = " ".join(args for word, args in steps if word == "ENV")
    assert f"STATE_DIRECTORY={STATE}" in env
    volumes = [args for word, args in steps if word == "VOLUME"]
    assert volumes and STATE in volumes[-1]
    (check,) = [args for word, args in steps if word == "HEALTHCHECK"]
    assert re.search(r"--interval=30s", check)
    assert check.split("CMD", 1)[1].strip() == '["rights-bot", "health"]'
    assert [args for word, args in steps if word == "ENTRYPOINT"] == ['["rights-bot"]']
    assert [args for word, args in steps if word == "CMD"] == ['["run"]']


def test_the_image_installs_the_locked_versions_and_copies_what_exists() -> None:
    steps = dockerfile()
    runs = " ".join(args for word, args in steps if word == "RUN")
    assert "--no-deps -r requirements-run.lock" in runs
    for word, args in steps:
        if word == "COPY" and not args.startswith("--from"):
            for src in shlex.split(args)[:-1]:
                assert (ROOT / src).exists(), f"the Dockerfile copies {src}, which is not in the repository"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignored and "secrets" in ignored and ".git" in ignored


def test_compose_keeps_the_state_in_a_volume_and_the_token_in_a_secret() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["rights-bot"]
    assert service["build"] == "."
    volume, _, target = next(v for v in service["volumes"] if v.endswith(f":{STATE}")).partition(":")
    assert volume in compose["volumes"]
    token_file = service["environment"]["TELEGRAM_BOT_TOKEN_FILE"]
    secret = token_file.removeprefix("/run/secrets/")
    assert token_file.startswith("/run/secrets/") and secret in service["secrets"] and secret in compose["secrets"]
    assert "TELEGRAM_BOT_TOKEN" not in service["environment"]  # no token written into the file
    assert service["read_only"] is True and "/tmp" in service["tmpfs"]
    assert service.get("user", "10001") not in ("root", "0")
    assert "ALL" in service["cap_drop"]


def test_the_systemd_unit_uses_a_state_directory_and_a_credential() -> None:
    service = unit()["Service"]
    assert service["StateDirectory"] == [APP_NAME]
    assert service["ExecStart"][0].endswith("/rights-bot run")
    assert service.get("DynamicUser") == ["yes"] or service.get("User", ["root"])[0] != "root"
    credential = service["LoadCredential"][0].split(":")[0]
    assert credential == "telegram_bot_token"  # the name bot.config.telegram_token() looks for
    assert "multi-user.target" in unit()["Install"]["WantedBy"]


def test_health_reads_the_file_the_bot_writes() -> None:
    from bot.health import DEFAULT_MAX_AGE
    from handlers.health import HEARTBEAT_SECONDS

    assert HEARTBEAT_FILE == "heartbeat.json"
    assert DEFAULT_MAX_AGE >= 3 * HEARTBEAT_SECONDS  # a late beat or two is no failure
    assert Path(ROOT / "deploy" / "rights-bot.service").is_file()
