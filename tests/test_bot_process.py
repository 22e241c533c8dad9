"""The bot as a process: `rights-bot run` against the fake Bot API (token never logged, SIGTERM, kill -9), and
`rights-bot chat`, the local chat of `make run` without a token."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from fake_telegram import BotMessage, FakeTelegram, FakeUser

from bot.config import ROOT

WRONG_TOKEN = "987654321:AAGwrong-token_abcdefghijklmnopqrstuv"


def env(fake: FakeTelegram, db: Path, token: str | None = None, **extra: str) -> dict[str, str]:
    out = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token or fake.token,
        "TELEGRAM_BASE_URL": fake.url,
        "RIGHTS_BOT_DB": str(db),
        "RIGHTS_BOT_LOG_LEVEL": "DEBUG",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    out.pop("RIGHTS_BOT_LENIENT_KB", None)
    return out


async def spawn(environment: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(proc: asyncio.subprocess.Process, timeout: float = 30) -> tuple[int, str]:
    _, err = await asyncio.wait_for(proc.communicate(), timeout)
    return int(proc.returncode or 0), err.decode("utf-8", "replace")


async def first_reply(user: FakeUser, proc: asyncio.subprocess.Process) -> BotMessage:
    """The bot's first reply; if the process died instead, fail with what it said."""
    waiter = asyncio.ensure_future(user.reply(timeout=60))
    died = asyncio.ensure_future(proc.wait())
    done, _ = await asyncio.wait({waiter, died}, return_when=asyncio.FIRST_COMPLETED)
    if waiter in done:
        died.cancel()
        return waiter.result()
    waiter.cancel()
    assert proc.stderr is not None
    err = (await proc.stderr.read()).decode("utf-8", "replace")
    raise AssertionError(f"the bot exited with {proc.returncode}:\n{err[-3000:]}")


async def test_run_polls_answers_survives_kill_9_and_stops_on_sigterm_without_logging_the_token(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    user = fake_telegram.user(language_code="en")
    proc = await spawn(env(fake_telegram, db))
    try:
        await user.send("/start")
        start = await first_reply(user, proc)
        assert "Check a message" in start.labels()
        await user.press("Check a message")
        await user.reply()
        await asyncio.sleep(0.5)  # the state is written right after the update
    finally:
        if proc.returncode is None:
            proc.kill()  # kill -9: no shutdown, no flush
        _, first_log = await finish(proc)
    proc = await spawn(env(fake_telegram, db))
    try:
        await user.send("Can they really send me to jail for this, my phone is 13800138000?")
        verdict = ([await first_reply(user, proc), *await user.settle(quiet=1.0)])[-1]
        assert "Verdict" in verdict.text  # still in "check a message" mode after kill -9
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code, second_log = await finish(proc)
    assert code == 0
    logs = first_log + second_log
    assert "DEBUG" in logs
    assert fake_telegram.token not in logs
    assert fake_telegram.token.split(":")[1] not in logs
    assert "13800138000" not in logs and "send me to jail" not in logs  # user texts stay out of the logs
    assert not fake_telegram.errors


async def test_a_rejected_token_exits_with_an_error_and_is_not_logged(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    proc = await spawn(env(fake_telegram, tmp_path / "bot.sqlite3", token=WRONG_TOKEN))
    code, log = await finish(proc)
    assert code == 1
    assert "rejected the token" in log
    assert WRONG_TOKEN not in log and WRONG_TOKEN.split(":")[1] not in log


def test_run_without_a_token_says_what_to_do(tmp_path: Path) -> None:
    e = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=e, capture_output=True, timeout=60)
    assert proc.returncode == 2 and b"TELEGRAM_BOT_TOKEN" in proc.stderr


def test_local_chat_runs_the_same_handlers_presses_buttons_by_number_and_ends_at_eof(tmp_path: Path) -> None:
    e = {**os.environ, "RIGHTS_BOT_DB": str(tmp_path / "chat.sqlite3"), "RIGHTS_BOT_CHAT_LANG": "en"}
    e.pop("TELEGRAM_BOT_TOKEN", None)
    lines = "/start\n#1\nThey said they will beat me up tonight if I don't pay\n/rights\n#9\n\n"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat"], cwd=ROOT, env=e, input=lines.encode(), capture_output=True, timeout=120
    )
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert "[#1] Check a message" in out and "» Check a message" in out
    assert "Verdict" in out
    assert "There is no button 9." in out
    assert "<b>" not in out


async def test_debug_logs_carry_no_names_places_file_names_or_plan_answers(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    user = fake_telegram.user(language_code="en", first_name="Zhang Secretname")
    proc = await spawn(env(fake_telegram, tmp_path / "bot.sqlite3"))
    try:
        await user.send("Pay today or we will visit your family.", forward_from="Collector Hiddenname")
        await first_reply(user, proc)
        await user.settle(quiet=1.0)
        await user.send_other(location={"latitude": 31.230416, "longitude": 121.473701})
        await user.reply(timeout=30)
        await user.send_other(document={"file_id": "d1", "file_unique_id": "u1", "file_name": "contract-of-lin.pdf"})
        await user.reply(timeout=30)
        await user.send("/plan")
        await user.settle(quiet=1.0, expect_any=True, timeout=30)
        await user.send("Secretlender Finance")
        assert "What kind of debt" in (await user.reply(timeout=30)).text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code, log = await finish(proc)
    assert code == 0 and "DEBUG" in log
    for secret in (
        "Secretname",
        "Hiddenname",
        "31.230416",
        "121.473701",
        "contract-of-lin",
        "Secretlender",
        "visit your family",
    ):
        assert secret not in log, secret
    assert not fake_telegram.errors


async def test_the_bot_waits_for_the_network_at_start_up(tmp_path: Path) -> None:
    from tornado.netutil import bind_sockets

    sock = bind_sockets(0, "127.0.0.1")[0]
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there yet
    fake = FakeTelegram()
    fake.port = port
    proc = await spawn(env(fake, tmp_path / "bot.sqlite3"))
    try:
        await asyncio.sleep(3)
        assert proc.returncode is None  # still trying, not dead
        await fake.start(port=port)
        user = fake.user(language_code="en")
        await user.send("/start")
        assert "Check a message" in (await first_reply(user, proc)).labels()
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code, log = await finish(proc)
        await fake.stop()
    assert code == 0


async def test_a_damaged_database_still_assesses_and_answers(fake_telegram: FakeTelegram, tmp_path: Path) -> None:
    from test_storage import damage

    from bot.storage import Storage

    db = tmp_path / "bot.sqlite3"
    s = await Storage(db).open()
    for uid in range(300):
        await s.set_user(uid, language="en")
    await s.close()
    damage(db, page=2)
    user = fake_telegram.user(language_code="en")
    proc = await spawn(env(fake_telegram, db, RIGHTS_BOT_LOG_LEVEL="INFO"))
    try:
        await user.send("Pay today or we will tell your employer and your parents.", forward_from="Lender")
        assert "Verdict" in ([await first_reply(user, proc), *await user.settle(quiet=1.0)])[-1].text
        await user.send("/plan")
        assert "storage is not working" in (await user.reply(timeout=30)).text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code, log = await finish(proc)
    assert code == 0
    assert log.count("the database cannot be used (damaged)") == 1 and "Traceback" not in log


def _chat(lines: str, tmp_path: Path) -> str:
    e = {**os.environ, "RIGHTS_BOT_DB": str(tmp_path / "chat.sqlite3"), "RIGHTS_BOT_CHAT_LANG": "en"}
    e.pop("TELEGRAM_BOT_TOKEN", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat"], cwd=ROOT, env=e, input=lines.encode(), capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return proc.stdout.decode()


def test_local_chat_takes_a_typed_number_as_an_answer_not_a_button(tmp_path: Path) -> None:
    # an English user without a region gets the US lender kinds: Credit card, Bank loan, ...
    out = _chat("/plan\n某银行\n#2\n30000\n", tmp_path)
    assert "» Bank loan" in out
    assert "How much interest" in out and "There is no button" not in out


def test_local_chat_reads_a_long_line_whole(tmp_path: Path) -> None:
    filler = "Your account is past due. Please log in to the official app to arrange payment. " * 70
    text = filler + "If you do not pay today we will come to your home and beat you."
    assert len(text.encode()) > 4096
    out = _chat(f"/check\n{text}\n", tmp_path)
    assert "Verdict: Unlawful collection" in out


def test_local_chat_on_a_terminal_takes_a_long_multi_line_paste_as_one_message(tmp_path: Path) -> None:
    import pty
    import select
    import time

    filler = "Your account is past due. Please log in to the official app to arrange payment.\n" * 70
    text = filler + "If you do not pay today we will come to your home and beat you."
    e = {
        **os.environ,
        "RIGHTS_BOT_DB": str(tmp_path / "chat.sqlite3"),
        "RIGHTS_BOT_CHAT_LANG": "en",
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }
    e.pop("TELEGRAM_BOT_TOKEN", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the local chat on a terminal
        os.chdir(ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "bot", "chat"], e)
    os.set_blocking(fd, False)
    seen = bytearray()
    ready_for_input = b"\x1b[?2004h"  # the prompt turns bracketed paste on

    def pump(until: bytes, after: int = 0, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while seen.find(until, after) < 0 and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    seen.extend(os.read(fd, 65536))
                except OSError:
                    break
        assert seen.find(until, after) >= 0, bytes(seen[-1500:])
        return len(seen)

    def drain(seconds: float) -> None:
        if select.select([fd], [], [], seconds)[0]:
            try:
                seen.extend(os.read(fd, 65536))
            except OSError:
                pass

    def type_in(data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                drain(0.2)  # let the chat read before writing more

    try:
        mark = pump(b"Check a message")
        mark = pump(ready_for_input, mark)
        type_in(b"/check\r")
        mark = pump(b"Paste or forward", mark)
        mark = pump(ready_for_input, mark)
        type_in(b"\x1b[200~" + text.encode() + b"\x1b[201~\r")  # a bracketed paste, as terminals send it
        pump(b"Unlawful collection", mark, timeout=90)
        pump(ready_for_input, mark)
        assert seen.count(b"Verdict") == 1
        type_in(b"\x04")  # Ctrl-D
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                assert os.waitstatus_to_exitcode(status) == 0
                break
            drain(0.2)
        else:
            raise AssertionError("the chat did not end at Ctrl-D")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(fd)
