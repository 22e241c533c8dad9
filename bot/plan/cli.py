"""`rights-bot plan --json INPUT.json [--pdf OUT.pdf] [--docx OUT.docx] [--ics OUT.ics] [--chart OUT.png] [--lang L]`.

Prints the plan as JSON on standard output (the input format and the output are described in docs/plan.md).
Exit status: 0 done; 2 the input is not valid (every problem listed on standard error); 1 the knowledge base
or the plan rules (knowledge/jurisdictions/*/plan.yaml) are invalid (RIGHTS_BOT_LENIENT_KB=1 loads the valid part
of the knowledge base, for its authors; plan rules are never loaded half-valid).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.config import LANGUAGES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        dest="input",
        metavar="INPUT.json",
        required=True,
        help="the answers as JSON (see docs/plan.md); - reads standard input",
    )
    parser.add_argument("--pdf", metavar="OUT.pdf", help="write the plan and the letters as a PDF")
    parser.add_argument("--docx", metavar="OUT.docx", help="write the letters as a Word document the user can edit")
    parser.add_argument("--ics", metavar="OUT.ics", help="write the payment dates as an iCalendar file")
    parser.add_argument("--chart", metavar="OUT.png", help="write the schedule chart as a PNG image")
    parser.add_argument("--lang", choices=LANGUAGES, help="language of the output (default: the input's lang)")


def _load_kb() -> Any:
    from bot.config import load_settings
    from bot.kb.loader import KBInvalid, load_kb

    settings = load_settings()
    try:
        return load_kb(settings.knowledge_dir, lenient=os.environ.get("RIGHTS_BOT_LENIENT_KB") == "1")
    except KBInvalid as exc:
        print(f"rights-bot: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def _read_input(name: str) -> Any:
    raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    return json.loads(raw.decode("utf-8-sig"))


def run_plan(args: argparse.Namespace) -> int:
    from bot.plan.model import PlanInput, PlanInputError
    from bot.plan.proposal import make_proposal
    from bot.plan.rules import PlanRulesInvalid, load_all

    try:
        load_all()
    except PlanRulesInvalid as exc:
        print(f"rights-bot plan: {exc}", file=sys.stderr)
        return 1

    try:
        data = _read_input(args.input)
    except OSError as exc:
        print(f"rights-bot plan: cannot read {args.input}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"rights-bot plan: {args.input} is not JSON in UTF-8: {exc}", file=sys.stderr)
        return 2
    if isinstance(data, dict) and args.lang:
        data = {**data, "lang": args.lang}
    try:
        inp = PlanInput.from_dict(data)
    except PlanInputError as exc:
        for err in exc.errors:
            print(f"rights-bot plan: {err}", file=sys.stderr)
        return 2
    proposal = make_proposal(inp, _load_kb())
    out = proposal.to_json()
    files: dict[str, str] = {}
    chart: bytes | None = None
    if args.chart or args.pdf:
        chart = proposal.chart_png()
    if args.chart:
        Path(args.chart).write_bytes(chart or b"")
        files["chart"] = args.chart
    if args.pdf:
        Path(args.pdf).write_bytes(proposal.pdf(chart))
        files["pdf"] = args.pdf
    if args.docx:
        Path(args.docx).write_bytes(proposal.docx())
        files["docx"] = args.docx
    if args.ics:
        Path(args.ics).write_bytes(proposal.ics())
        files["ics"] = args.ics
    if files:
        out["files"] = files
    sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    return 0
