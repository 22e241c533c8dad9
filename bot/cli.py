"""Command-line interface: `rights-bot assess | answer | kb | chat | run | plan`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from typing import Any, Callable, TextIO

from bot.config import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rights-bot", description="Stand by borrowers facing debt collectors.")
    sub = p.add_subparsers(dest="command")
    for name, func, helptext in (("assess", cmd_assess, "assess a collection message"),
                                 ("answer", cmd_answer, "answer a borrower's question")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("text", nargs="*", help="the text (default: standard input)")
        s.add_argument("--lang", help="zh-Hans | zh-Hant | en (default: the language of the text)")
        s.add_argument("--jurisdiction", help="CN | US (default: CN)")
        s.add_argument("--json", action="store_true", help="print one JSON object")
        s.add_argument("--jsonl", action="store_true",
                       help="read JSON lines {id, text, lang?, jurisdiction?} and write one JSON line each")
        if name == "assess":
            s.add_argument("--image", metavar="FILE", help="read the message from a screenshot or photo (offline)")
        s.set_defaults(func=func)
    kb = sub.add_parser("kb", help="knowledge-base tools")
    kbsub = kb.add_subparsers(dest="kb_command")
    chk = kbsub.add_parser("check", help="validate the knowledge base")
    chk.set_defaults(func=cmd_kb_check)
    st = kbsub.add_parser("stats", help="counts of practices, topics, patterns")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_kb_stats)
    chat = sub.add_parser("chat", help="talk to the bot in the terminal (the same handlers as on Telegram)")
    chat.set_defaults(func=cmd_chat)
    run = sub.add_parser("run", help="run the Telegram bot (token from TELEGRAM_BOT_TOKEN)")
    run.set_defaults(func=cmd_run)
    plan = sub.add_parser("plan", help="compute a repayment plan from answers in JSON")
    plan.set_defaults(func=cmd_plan)
    add_plan_arguments(plan)
    return p


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from bot.plan.cli import add_arguments
    except ImportError:
        return
    add_arguments(parser)


def cmd_run(args: argparse.Namespace) -> int:
    from handlers.app import run_bot

    return run_bot(args)


def cmd_plan(args: argparse.Namespace) -> int:
    from bot.plan.cli import run_plan

    return run_plan(args)


def _engine():
    from bot.engine import Engine
    from bot.kb.loader import KBInvalid, load_kb

    settings = load_settings()
    try:
        if os.environ.get("RIGHTS_BOT_LENIENT_KB") == "1":
            kb = load_kb(settings.knowledge_dir, lenient=True)
            for problem in kb.problems:
                print(f"rights-bot: lenient: {problem.describe()}", file=sys.stderr)
            return Engine(kb, settings)
        return Engine.load(settings=settings)
    except KBInvalid as exc:
        print(f"rights-bot: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def _read_text(args: argparse.Namespace) -> str:
    if args.text:
        return " ".join(args.text)
    data = sys.stdin.buffer.read()
    return data.decode("utf-8", errors="replace")


def cmd_assess(args: argparse.Namespace) -> int:
    from bot.output import assessment_json
    from bot.report import assessment_text

    engine = _engine()
    if getattr(args, "image", None):
        from bot.ocr.cli import assess_image

        return assess_image(engine, args)
    if args.jsonl:
        return run_jsonl(sys.stdin.buffer, sys.stdout,
                         lambda item: assessment_json(engine, engine.assess(item["text"], item.get("lang"),
                                                                            item.get("jurisdiction")), item.get("id")))
    a = engine.assess(_read_text(args), args.lang, args.jurisdiction)
    if args.json:
        _print_json(assessment_json(engine, a, full=True))
    else:
        print(assessment_text(engine, a))
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    from bot.output import answer_json
    from bot.report import answer_text

    engine = _engine()
    if args.jsonl:
        return run_jsonl(sys.stdin.buffer, sys.stdout,
                         lambda item: answer_json(engine, engine.answer(item["text"], item.get("lang"),
                                                                        item.get("jurisdiction")), item.get("id")))
    a = engine.answer(_read_text(args), args.lang, args.jurisdiction)
    if args.json:
        _print_json(answer_json(engine, a, full=True))
    else:
        print(answer_text(engine, a))
    return 0


def parse_jsonl_line(n: int, raw: bytes) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(item, None) for a good line, (None, error record) for a bad one."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, {"line": n, "error": f"invalid UTF-8 at byte {exc.start}"}
    line = line.strip().lstrip("\ufeff")
    if not line:
        return None, {"line": n, "error": "empty line"}
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, {"line": n, "error": f"not JSON: {exc.msg} at column {exc.colno}"}
    if not isinstance(item, dict):
        return None, {"line": n, "error": "expected a JSON object"}
    err: dict[str, Any] = {"line": n}
    if "id" in item:
        err["id"] = item["id"]
    if "text" not in item:
        return None, {**err, "error": "missing field: text"}
    if not isinstance(item["text"], str):
        return None, {**err, "error": "text must be a string"}
    for key in ("lang", "jurisdiction"):
        if item.get(key) is not None and not isinstance(item[key], str):
            return None, {**err, "error": f"{key} must be a string"}
    return item, None


def run_jsonl(stream, out: TextIO, handle: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
    for n, raw in enumerate(stream, 1):
        item, error = parse_jsonl_line(n, raw)
        if error is None and item is not None:
            try:
                record = handle(item)
            except Exception as exc:  # one bad item must not stop the stream
                record = {"line": n, "id": item.get("id"), "error": f"internal error: {type(exc).__name__}"}
        else:
            record = error or {"line": n, "error": "unreadable line"}
        out.write(_dumps(record) + "\n")
        out.flush()
    return 0


def _dumps(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from the input: escape them rather than crash
        text = json.dumps(obj, ensure_ascii=True)
    return text


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def cmd_kb_check(args: argparse.Namespace) -> int:
    from bot.engine import Engine
    from bot.kb.loader import KBInvalid, load_kb
    from bot.kb.yamlio import KBError

    settings = load_settings()
    try:
        kb = load_kb(settings.knowledge_dir)
        engine = Engine(kb, settings)
    except KBInvalid as exc:
        for e in exc.errors:
            print(e.describe(), file=sys.stderr)
        print(f"knowledge base INVALID: {len(exc.errors)} error(s)", file=sys.stderr)
        return 1
    except (KBError, ValueError) as exc:
        print(f"knowledge base INVALID: {exc}", file=sys.stderr)
        return 1
    stats = kb_stats(engine)
    failures = example_failures(engine)
    print(f"knowledge base OK: {stats['practices']} practices ({stats['by_jurisdiction']}), {stats['topics']} topics, "
          f"{stats['patterns']} patterns, {stats['terms']} terms, {stats['citations']} citations, "
          f"{stats['channels']} channels")
    if failures:
        print(f"{len(failures)} example(s) do not behave as written:")
        for f in failures[:40]:
            print("  " + f)
    return 0


def example_failures(engine) -> list[str]:
    """Examples that do not trigger their practice, counter-examples that do."""
    out = []
    for p in engine.kb.practices:
        for lang, text in p.examples.all():
            a = engine.assess(text, lang, p.jurisdiction)
            if p.id not in {f.practice.id for f in a.findings}:
                out.append(f"{p.id}: example not matched: {text[:60]!r}")
        for lang, text in p.counter_examples.all():
            a = engine.assess(text, lang, p.jurisdiction)
            if p.id in {f.practice.id for f in a.findings}:
                out.append(f"{p.id}: counter-example matched: {text[:60]!r}")
    return out


def kb_stats(engine) -> dict[str, Any]:
    kb = engine.kb
    unlawful_without = [p.id for p in kb.practices
                        if kb.kind_of(p.category) == "unlawful" and not p.legal_basis]
    langs = Counter(lang for p in kb.practices for lang, _ in p.examples.all())
    qlangs = Counter(lang for t in kb.topics for lang, _ in t.questions.all())
    return {
        "practices": len(kb.practices),
        "by_jurisdiction": dict(Counter(p.jurisdiction for p in kb.practices)),
        "by_category": dict(Counter(p.category for p in kb.practices)),
        "topics": len(kb.topics),
        "question_variants": dict(qlangs),
        "patterns": sum(len(p.patterns) for p in kb.practices) + sum(len(t.patterns) for t in kb.topics),
        "terms": sum(m.term_count for m in engine.matchers.values()) + engine.topic_matcher.term_count,
        "examples": dict(langs),
        "languages": ["zh-Hans", "zh-Hant", "en"],
        "citations": len(kb.citations),
        "laws": len(kb.laws),
        "channels": len(kb.channels),
        "practices_missing_legal_basis": unlawful_without,
    }


def cmd_kb_stats(args: argparse.Namespace) -> int:
    engine = _engine()
    stats = kb_stats(engine)
    if args.json:
        _print_json(stats)
    else:
        for k, v in stats.items():
            print(f"{k}: {v}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from handlers.local_chat import run_local_chat

    return run_local_chat(args)
