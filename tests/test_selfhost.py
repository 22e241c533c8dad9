"""What a self-hoster runs: `rights-bot run` configured from the environment alone (webhook mode, the token from a
secrets file, JSON logs), GET /healthz, and `rights-bot health` over the heartbeat file, in both modes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fake_telegram import FakeTelegram
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.netutil import bind_sockets

from bot.config import ROOT

pytestmark = pytest.mark.e2e

WEBHOOK_SECRET = "webhook-secret-Zq3xV9pL2mN8rT5wK7yB4cD1"


def free_port() -> int:
    sock = bind_sockets(0, "127.0.0.1")[0]
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def base_env(fake: FakeTelegram, tmp_path: Path, **extra: str) -> dict[str, str]:
    token_file = tmp_path / "secrets" / "telegram_bot_token"
    token_file.parent.mkdir(exist_ok=True)
    token_file.write_text(fake.token + "\n", encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("RIGHTS_BOT_") and k not in ("TELEGRAM_BOT_TOKEN", "STATE_DIRECTORY")
    }
    return {
        **env,
        "TELEGRAM_BOT_TOKEN_FILE": str(token_file),
        "TELEGRAM_BASE_URL": fake.url,
        "STATE_DIRECTORY": str(tmp_path / "state"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


async def spawn(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    return int(proc.returncode or 0), err.decode("utf-8", "replace")


def health(env: dict[str, str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "-m", "bot", "health", "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    return out.returncode, json.loads(out.stdout)


async def until_healthy(env: dict[str, str], timeout: float = 30) -> dict:  # type: ignore[type-arg]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        code, report = await asyncio.to_thread(health, env)
        if code == 0 or asyncio.get_running_loop().time() > deadline:
            return report
        await asyncio.sleep(0.3)


async def test_webhook_mode_from_the_environment_serves_healthz_and_logs_json_without_secrets(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    port = free_port()
    env = base_env(
        fake_telegram,
        tmp_path,
        RIGHTS_BOT_TELEGRAM__MODE="webhook",
        RIGHTS_BOT_TELEGRAM__WEBHOOK_URL=f"http://127.0.0.1:{port}",
        RIGHTS_BOT_TELEGRAM__WEBHOOK_PATH="hook",
        RIGHTS_BOT_TELEGRAM__WEBHOOK_PORT=str(port),
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        RIGHTS_BOT_LOG_FORMAT="json",
        RIGHTS_BOT_LOG_LEVEL="DEBUG",
    )
    user = fake_telegram.user(language_code="en")
    client = AsyncHTTPClient()
    proc = await spawn(env)
    try:
        report = await until_healthy(env)
        assert report["healthy"], report
        assert report["heartbeat"]["mode"] == "webhook" and report["heartbeat"]["storage"]["state"] == "open"
        assert fake_telegram.webhook == {"url": f"http://127.0.0.1:{port}/hook", "secret_token": WEBHOOK_SECRET}
        await user.send("/start")
        assert "Check a message" in (await user.reply(timeout=30)).labels()
        await user.send("Can they really send me to jail for this, my phone is 13800138000?")
        await user.settle(quiet=1.0, expect_any=True, timeout=30)
        resp = await client.fetch(f"http://127.0.0.1:{port}/healthz")
        state = json.loads(resp.body)
        assert resp.code == 200 and state["ok"] and state["status"] == "running" and state["mode"] == "webhook"
        assert state["storage"]["state"] == "open"
        with pytest.raises(HTTPClientError) as refused:  # no secret token, no update
            await client.fetch(
                HTTPRequest(
                    f"http://127.0.0.1:{port}/hook",
                    method="POST",
                    body="{}",
                    headers={"Content-Type": "application/json"},
                )
            )
        assert refused.value.code == 403
    finally:
        code, log = await stop(proc)
    assert code == 0, log[-3000:]
    assert not (tmp_path / "state" / "heartbeat.json").exists()  # removed at a clean stop
    assert health(env)[0] == 1
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line is JSON
    assert lines and all({"time", "level", "logger", "message"} <= set(r) for r in lines)
    assert any(r["level"] == "DEBUG" for r in lines)
    for secret in (
        fake_telegram.token,
        fake_telegram.token.split(":")[1],
        WEBHOOK_SECRET,
        "13800138000",
        "send me to jail",
    ):
        assert secret not in log, secret
    assert not fake_telegram.errors


async def test_polling_writes_a_heartbeat_that_reports_unusable_storage(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    not_a_file = tmp_path / "a-directory"
    not_a_file.mkdir()
    env = base_env(fake_telegram, tmp_path, RIGHTS_BOT_DB=str(not_a_file), RIGHTS_BOT_LOG_FORMAT="json")
    user = fake_telegram.user(language_code="en")
    proc = await spawn(env)
    try:
        await user.send("/start")
        assert "Check a message" in (await user.reply(timeout=30)).labels()
        report = await until_healthy(env)
        assert report["healthy"], report
        beat = report["heartbeat"]
        assert beat["mode"] == "polling" and beat["ok"] and beat["storage"]["state"] == "unavailable"
        assert str(not_a_file) not in json.dumps(beat)  # a reason in a word, no path
    finally:
        code, log = await stop(proc)
    assert code == 0, log[-3000:]
    assert not (tmp_path / "state" / "heartbeat.json").exists()


def test_health_says_why_not(tmp_path: Path) -> None:
    from bot.health import check

    beat = tmp_path / "heartbeat.json"
    assert check(beat)[0] == 1 and "no heartbeat" in check(beat)[1]
    beat.write_text(
        json.dumps({"ok": True, "status": "running", "mode": "polling", "time": 1000.0, "storage": {"state": "open"}}),
        encoding="utf-8",
    )
    assert check(beat, now=1030.0)[0] == 0
    code, line, _ = check(beat, now=1200.0)
    assert code == 1 and "200 s old" in line
    beat.write_text(json.dumps({"ok": False, "status": "stopped", "time": 1000.0}), encoding="utf-8")
    assert check(beat, now=1001.0)[:2] == (1, "unhealthy: the bot reports stopped")
    beat.write_text("{half", encoding="utf-8")
    assert check(beat)[0] == 1
