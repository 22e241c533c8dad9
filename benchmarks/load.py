"""Load benchmark: many users write to the real bot at once, through the fake Bot API over loopback HTTP.

    .venv/bin/python benchmarks/load.py [--users 1000] [--limited-users 300] [--concurrency 1]

The bot runs in its own process (as in production, where Telegram is another machine); this process runs the
fake Bot API server and the users.

Prints replies/s and the p50/p99 latency (from the update reaching the fake server to the bot's first reply in
that chat) with the outgoing rate limiter off, then checks that no reply is lost with PTB's AIORateLimiter on
(Telegram's 30 messages/s, so that run is slower by design). Target: >= 300 replies/s with the limiter off.
With each run, the bot process's CPU time (user + system, from /proc/<pid>/stat) per reply, and the share of
one core the bot would use at Telegram's 30 messages/s; for the limited run, the share it did use.
Needs the test dependencies (tornado comes with python-telegram-bot[webhooks]).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_telegram import FakeTelegram  # noqa: E402
from telegram.ext import AIORateLimiter  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.engine import Engine  # noqa: E402
from handlers.app import build_application, configure_logging, start_application, stop_application  # noqa: E402

# (language_code, text, forwarded): half questions, half collection messages forwarded from SMS/WeChat
TEXTS = [
    ("zh-hans", "不还钱会坐牢吗？", False),
    ("zh-hans", "【某某金融】您的借款已逾期15天，今天不还款我们将通知您的紧急联系人和单位领导。", True),
    ("en", "can they call my mother about my debt?", False),
    ("zh-hant", "你再唔還錢，我哋就打俾你公司同事同埋你屋企人。", True),
    ("en", "Pay today or we will tell your employer and your parents.", True),
    ("zh-hans", "我可以和平台协商分期还款吗", False),
]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; nan elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)


async def serve_bot(url: str, token: str, db: str, limiter: bool, concurrency: int) -> None:
    """The bot process: the real Application polling the fake server until SIGTERM."""
    import signal

    engine = Engine.load()
    settings = dataclasses.replace(
        load_settings(), database=Path(db), telegram={**load_settings().telegram, "user_messages_per_minute": 0}
    )
    app = build_application(
        token=token,
        engine=engine,
        settings=settings,
        base_url=url,
        rate_limiter=AIORateLimiter(max_retries=3) if limiter else False,
        concurrent_updates=concurrency,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await start_application(app, poll_timeout=1.0)
    print("ready", flush=True)
    await stop.wait()
    await stop_application(app)


async def run(users: int, limiter: bool, concurrency: int) -> dict[str, float]:
    fake = await FakeTelegram().start()
    with tempfile.TemporaryDirectory() as tmp:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve-bot",
            fake.url,
            fake.token,
            str(Path(tmp) / "bench.sqlite3"),
            "1" if limiter else "0",
            str(concurrency),
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert proc.stdout is not None
            await asyncio.wait_for(proc.stdout.readline(), 120)
            people = [fake.user(language_code=TEXTS[i % len(TEXTS)][0]) for i in range(users)]
            await asyncio.sleep(0.5)
            fake.calls.clear()
            sent: dict[int, float] = {}
            cpu0 = cpu_seconds(proc.pid)
            t0 = time.perf_counter()
            for i, u in enumerate(people):
                sent[u.id] = time.perf_counter()
                _, text, forwarded = TEXTS[i % len(TEXTS)]
                await u.send(text, forward_from="催收" if forwarded else None)

            async def first_reply(u: object) -> float:
                await u.reply(timeout=600)  # type: ignore[attr-defined]
                return time.perf_counter() - sent[u.id]  # type: ignore[attr-defined]

            latencies = await asyncio.gather(*(first_reply(u) for u in people))
            await asyncio.sleep(0.5)  # let the last multi-message replies go out
            elapsed = time.perf_counter() - t0
            cpu = cpu_seconds(proc.pid) - cpu0
        finally:
            proc.terminate()
            await proc.wait()
            await fake.stop()
    replies = fake.calls.get("sendMessage", 0)
    latencies = sorted(latencies)
    return {
        "users": users,
        "answered": len(latencies),
        "replies": replies,
        "replies_per_s": replies / max(elapsed - 0.5, 1e-9),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": len(fake.errors),
        "cpu_s": cpu,
        "cpu_ms_per_reply": cpu / max(replies, 1) * 1000,
        "cpu_share": cpu / max(elapsed, 1e-9),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--limited-users", type=int, default=300)
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[1, 8],
        help="updates processed at once, each user's in order (config: telegram.concurrent_updates)",
    )
    parser.add_argument(
        "--serve-bot", nargs=5, metavar=("URL", "TOKEN", "DB", "LIMITER", "CONCURRENCY"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    if args.serve_bot:
        url, token, db, limiter, concurrency = args.serve_bot
        asyncio.run(serve_bot(url, token, db, limiter == "1", int(concurrency)))
        return 0
    ok = True
    runs = [(f"rate limiter off, concurrency {c}", args.users, False, c) for c in args.concurrency]
    runs.append(("rate limiter on (30 msg/s)", args.limited_users, True, args.concurrency[0]))
    for label, users, limiter, concurrency in runs:
        r = asyncio.run(run(users, limiter, concurrency))
        lost = r["users"] - r["answered"]
        print(
            f"{label}: {r['users']} users, {r['replies']} replies, {r['replies_per_s']:.0f} replies/s, "
            f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, lost {lost}, API errors {r['errors']}; "
            f"bot CPU {r['cpu_ms_per_reply']:.2f} ms/reply, so {r['cpu_ms_per_reply'] * 30 / 10:.0f} % of one "
            f"core at 30 replies/s" + (f" (used: {r['cpu_share']:.0%} of one core)" if limiter else "")
        )
        ok = ok and lost == 0 and r["errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
