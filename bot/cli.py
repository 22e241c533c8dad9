"""Command-line interface: `rights-bot assess | answer | kb | corpus | chat | run | health | plan`."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any, TextIO

from bot.config import ConfigInvalid, load_settings
from bot.load_engine import load_engine


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ConfigInvalid as exc:
        print(f"rights-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rights-bot", description="Stand by borrowers facing debt collectors.")
    sub = p.add_subparsers(dest="command")
    for name, func, helptext in (
        ("assess", cmd_assess, "assess a collection message"),
        ("answer", cmd_answer, "answer a borrower's question"),
    ):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("text", nargs="*", help="the text (default: standard input)")
        s.add_argument("--lang", help="the language of the reply: zh-Hans | zh-Hant | en (default: the text's)")
        s.add_argument(
            "--jurisdiction",
            help="a jurisdiction of the knowledge base (CN, US …) or any ISO 3166 "
            "code (GB, KE …: judged as not covered); default: inferred from the text, else the "
            "language's usual region",
        )
        s.add_argument("--json", action="store_true", help="print one JSON object")
        s.add_argument(
            "--jsonl",
            action="store_true",
            help="read JSON lines {id, text, lang?, jurisdiction?} and write one JSON line each",
        )
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
    corpus = sub.add_parser("corpus", help="the corpus of real messages (corpus/)")
    csub = corpus.add_subparsers(dest="corpus_command")
    cchk = csub.add_parser("check", help="validate the corpus (file, entry, field, line)")
    cchk.set_defaults(func=cmd_corpus_check)
    cst = csub.add_parser("stats", help="the datasheet's counts")
    cst.add_argument("--json", action="store_true")
    cst.set_defaults(func=cmd_corpus_stats)
    chat = sub.add_parser("chat", help="talk to the bot in the terminal (the same handlers as on Telegram)")
    chat.set_defaults(func=cmd_chat)
    run = sub.add_parser("run", help="run the Telegram bot (token from TELEGRAM_BOT_TOKEN or TELEGRAM_BOT_TOKEN_FILE)")
    run.set_defaults(func=cmd_run)
    health = sub.add_parser("health", help="exit 0 when a running bot's heartbeat (in the state directory) is fresh")
    health.add_argument(
        "--max-age",
        type=float,
        default=90.0,
        metavar="SECONDS",
        help="the oldest heartbeat that counts as alive (default 90: three missed)",
    )
    health.add_argument("--json", action="store_true", help="print the heartbeat's content")
    health.set_defaults(func=cmd_health)
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


def cmd_health(args: argparse.Namespace) -> int:
    from bot.health import check

    code, line, beat = check(load_settings().heartbeat_file, args.max_age)
    if args.json:
        _print_json({"healthy": code == 0, "message": line, "heartbeat": beat})
    else:
        print(line, file=sys.stdout if code == 0 else sys.stderr)
    return code


def cmd_plan(args: argparse.Namespace) -> int:
    from bot.plan.cli import run_plan

    return run_plan(args)


def _read_text(args: argparse.Namespace) -> str:
    if args.text:
        return " ".join(args.text)
    data = sys.stdin.buffer.read()
    return data.decode("utf-8", errors="replace")


def cmd_assess(args: argparse.Namespace) -> int:
    from bot.output import assessment_json
    from bot.report import assessment_text

    engine = load_engine()
    if getattr(args, "image", None):
        from bot.ocr.cli import assess_image

        return assess_image(engine, args)
    if args.jsonl:
        return run_jsonl(
            sys.stdin.buffer,
            sys.stdout,
            lambda item: assessment_json(
                engine, engine.assess(item["text"], item.get("lang"), item.get("jurisdiction")), item.get("id")
            ),
        )
    a = engine.assess(_read_text(args), args.lang, args.jurisdiction)
    if args.json:
        _print_json(assessment_json(engine, a, full=True))
    else:
        print(assessment_text(engine, a))
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    from bot.output import answer_json
    from bot.report import answer_text

    engine = load_engine()
    if args.jsonl:
        return run_jsonl(
            sys.stdin.buffer,
            sys.stdout,
            lambda item: answer_json(
                engine, engine.answer(item["text"], item.get("lang"), item.get("jurisdiction")), item.get("id")
            ),
        )
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
    for w in kb.warnings:
        print(f"warning: {w.describe()}", file=sys.stderr)
    stats = kb_stats(engine)
    failures = example_failures(engine)
    print(
        f"knowledge base OK: {stats['signals']} signals ({stats['signals_by_language']}), "
        f"{len(stats['jurisdictions'])} jurisdictions ({', '.join(stats['jurisdictions'])}), {stats['topics']} "
        f"topics, {stats['patterns']} patterns, {stats['terms']} terms, {stats['citations']} citations, "
        f"{stats['channels']} channels, {len(kb.warnings)} warning(s)"
    )
    if failures:
        print(f"{len(failures)} example(s) do not behave as written:")
        for f in failures[:40]:
            print("  " + f)
    return 0


def example_failures(engine) -> list[str]:
    """Examples that do not trigger their signal, counter-examples that do, in every jurisdiction it applies in."""
    out = []
    for s in engine.kb.signals:
        for jur in engine.kb.jurisdictions:
            if not s.applies_in(jur):
                continue
            for lang, text in s.examples:
                if s.id not in _pattern_findings(engine, text, lang, jur):
                    out.append(f"{s.id} [{jur}]: example not matched: {text[:60]!r}")
            for lang, text in s.counter_examples:
                if s.id in _pattern_findings(engine, text, lang, jur):
                    out.append(f"{s.id} [{jur}]: counter-example matched: {text[:60]!r}")
    return out


def _pattern_findings(engine, text: str, lang: str, jur: str) -> set[str]:
    """The signals the patterns find (examples prove the patterns; the learned detector is measured elsewhere)."""
    return {f.id for f in engine.assess(text, lang, jur).findings if f.source == "pattern"}


def kb_stats(engine) -> dict[str, Any]:
    kb = engine.kb
    unlawful_without = [
        f"{code}:{s.id}"
        for code in kb.covered
        for s in kb.signals
        if kb.kind_of(s.category) == "unlawful" and not kb.judgement(code, s).legal_basis
    ]
    langs = Counter(lang for s in kb.signals for lang, _ in s.examples)
    qlangs = Counter(lang for t in kb.topics for lang, _ in t.questions.all())
    by_folder = Counter(p.parent.name for p in {kb.files["signal:" + s.id] for s in kb.signals})
    return {
        "signals": len(kb.signals),
        "signals_by_language": dict(by_folder),
        "by_category": dict(Counter(s.category for s in kb.signals)),
        "jurisdictions": kb.covered,
        "regions_not_covered": sorted(kb.regions),
        "topics": len(kb.topics),
        "question_variants": dict(qlangs),
        "patterns": sum(len(s.patterns) for s in kb.signals) + sum(len(t.patterns) for t in kb.topics),
        "terms": engine.pattern_detector.matcher.term_count + engine.topic_matcher.term_count,
        "examples": dict(langs),
        "languages": list(kb.languages.languages),
        "citations": len(kb.citations),
        "laws": len(kb.laws),
        "channels": len(kb.channels),
        "practices_missing_legal_basis": unlawful_without,
    }


def cmd_kb_stats(args: argparse.Namespace) -> int:
    engine = load_engine()
    stats = kb_stats(engine)
    if args.json:
        _print_json(stats)
    else:
        for k, v in stats.items():
            print(f"{k}: {v}")
    return 0


def _corpus():
    from bot.corpus import load_corpus
    from bot.kb.loader import KBInvalid, load_kb

    settings = load_settings()
    if not settings.corpus_dir.is_dir():
        # not in an installed package: the corpus is the project's training and evaluation data, not the bot's
        print(
            f"rights-bot: no corpus at {settings.corpus_dir}: it is part of the source repository, not of the "
            "installed package; run this in a checkout, or set corpus_dir (RIGHTS_BOT_CORPUS_DIR)",
            file=sys.stderr,
        )
        raise SystemExit(1)
    try:
        kb = load_kb(settings.knowledge_dir)
    except KBInvalid as exc:
        print(f"rights-bot: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    return load_corpus(settings.corpus_dir, kb)


def cmd_corpus_check(args: argparse.Namespace) -> int:
    corpus, errors = _corpus()
    for e in errors:
        print(e.describe(), file=sys.stderr)
    if errors:
        print(f"corpus INVALID: {len(errors)} error(s)", file=sys.stderr)
        return 1
    real = corpus.select(origin="real")
    print(
        f"corpus OK: {len(corpus.items)} items ({len(real)} real, "
        f"{sum(1 for it in real if it.verdict in ('scam', 'unlawful'))} of them unlawful or scam), "
        f"{len(corpus.sources)} sources, {len(corpus.select('heldout', 'real'))} real items held out"
    )
    return 0


def cmd_corpus_stats(args: argparse.Namespace) -> int:
    from bot.corpus import datasheet_counts

    corpus, errors = _corpus()
    stats = datasheet_counts(corpus)
    if args.json:
        _print_json(stats)
    else:
        for k, v in stats.items():
            print(f"{k}: {v}")
    return 1 if errors else 0


def cmd_chat(args: argparse.Namespace) -> int:
    from handlers.local_chat import run_local_chat

    return run_local_chat(args)
