"""`rights-bot assess --image FILE`: the recognised text and its assessment; with --json, every line's box and
confidence as well."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.ocr.assess import assess_reading
from bot.ocr.reader import ImageRejected, read_image


def assess_image(engine: Any, args: argparse.Namespace) -> int:
    from bot.output import assessment_json  # noqa: PLC0415
    from bot.report import assessment_text  # noqa: PLC0415

    path = Path(args.image)
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        print(f"rights-bot: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        reading = read_image(data)
    except ImageRejected as exc:
        print(f"rights-bot: {path}: not read ({exc.code}): {exc}", file=sys.stderr)
        return 1
    a = assess_reading(engine, reading, args.lang, args.jurisdiction)
    if args.json:
        out = assessment_json(engine, a, full=True)
        out["image"] = reading.to_json()
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    note = "  (low confidence: check it, or send a clearer picture)" if reading.low_confidence else ""
    print(f"Recognised text (confidence {reading.confidence:.0%}){note}:")
    print(reading.text or "(no text found)")
    print()
    print(assessment_text(engine, a))
    return 0
