"""OCR benchmark: screenshots made from the knowledge base's examples (tests/screens.py), read by the real
engine, on one core.

    .venv/bin/python benchmarks/ocr.py [--per-lang 12] [--show-failures] [--rss]

Prints, for clean screenshots and for degraded ones (JPEG artefacts, slight rotation, photo of a screen):
- character accuracy: 1 - edit distance / length of the expected text, both NFKC-normalised (the engine
  normalises the same way) and without white space (Chinese has none; English word spaces are counted
  separately as "with spaces");
- assessment agreement: the share of images whose recognised text gets the same verdict and the same
  categories as the expected text;
- seconds per phone screenshot (decode + detection + recognition + layout, one thread, after a warm-up): CPU
  time of the process (what one core spends, whatever else runs on the machine) and wall-clock time;
- peak RSS of a process that has loaded the engine and the knowledge base and read every image (--rss runs
  the bot's own import path in a fresh process: start-up without OCR, then after the first image).
Targets: accuracy >= 98 % clean and >= 95 % degraded, agreement >= 95 %, <= 1.5 s, peak RSS <= 400 MB.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import resource
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

os.environ.setdefault("OMP_NUM_THREADS", "1")

from rapidfuzz.distance import Levenshtein  # noqa: E402

from bot.engine import Engine  # noqa: E402
from bot.ocr import read_image  # noqa: E402
from bot.ocr.assess import assess_reading, assess_text  # noqa: E402


def squash(text: str, spaces: bool = False) -> str:
    t = unicodedata.normalize("NFKC", text)
    if spaces:
        return " ".join(t.split())
    return "".join(t.split())


def accuracy(expected: str, got: str, spaces: bool = False) -> float:
    ref, hyp = squash(expected, spaces), squash(got, spaces)
    if not ref:
        return 1.0 if not hyp else 0.0
    return max(0.0, 1.0 - Levenshtein.distance(ref, hyp) / len(ref))


def same_assessment(a, b) -> bool:
    return a.verdict == b.verdict and set(a.categories) == set(b.categories)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-lang", type=int, default=12, help="knowledge-base messages per language (x4 images)")
    ap.add_argument("--show-failures", action="store_true")
    ap.add_argument("--rss", action="store_true", help="also measure the bot's RSS in a fresh process")
    ap.add_argument("--committed", action="store_true", help="also read the committed set tests/data/ocr")
    args = ap.parse_args()
    from screens import load_set, make_screens  # noqa: PLC0415

    engine = Engine.load()
    screens = make_screens(engine, per_lang=args.per_lang)
    if args.committed:
        screens = itertools.chain(load_set(ROOT / "tests" / "data" / "ocr"), screens)
    first = None
    rows = []
    cpu_times: list = []
    for s in screens:
        data = s.data()
        if first is None:
            first = data
            read_image(data)  # warm-up: loads the engine
        t, c = time.perf_counter(), time.process_time()
        reading = read_image(data)
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        same = same_assessment(
            assess_reading(engine, reading, s.lang, s.jurisdiction),
            assess_text(engine, s.expected, s.lang, s.jurisdiction),
        )
        cpu_times.append((s, cpu))
        rows.append(
            (
                dataclasses.replace(s, image=None),
                reading,
                dt,
                accuracy(s.expected, reading.text),
                accuracy(s.expected, reading.text, True),
                same,
            )
        )
    print(
        f"{len(rows)} images ({sum(1 for r in rows if not r[0].degraded)} clean, "
        f"{sum(1 for r in rows if r[0].degraded)} degraded) from {len(rows) // 4} knowledge-base messages"
    )
    for label, sel in (
        ("clean", [r for r in rows if not r[0].degraded]),
        ("degraded", [r for r in rows if r[0].degraded]),
    ) + tuple((f"  {v}", [r for r in rows if r[0].variant == v]) for v in ("jpeg", "rotated", "photo")):
        if not sel:
            continue
        acc = statistics.mean(r[3] for r in sel)
        acc_sp = statistics.mean(r[4] for r in sel)
        agree = sum(r[5] for r in sel) / len(sel)
        low = sum(r[1].low_confidence for r in sel)
        print(
            f"{label:10s} character accuracy {acc:6.2%} (with spaces {acc_sp:6.2%})   assessment agreement "
            f"{agree:6.1%}   low-confidence {low}/{len(sel)}"
        )
    for lang in ("zh-Hans", "zh-Hant", "en"):
        sel = [r for r in rows if r[0].lang == lang]
        if sel:
            print(
                f"  {lang:8s} character accuracy {statistics.mean(r[3] for r in sel):6.2%}   agreement "
                f"{sum(r[5] for r in sel) / len(sel):6.1%}   ({len(sel)} images)"
            )
    agree_all = sum(r[5] for r in rows) / len(rows)
    print(f"assessment agreement, all images: {agree_all:.1%}")
    phone = [r[2] for r in rows if r[0].kind != "letter" and r[0].variant in ("clean", "jpeg")]
    phone_cpu = [c for s, c in cpu_times if s.kind != "letter" and s.variant in ("clean", "jpeg")]
    for label, ts in (("CPU", phone_cpu), ("wall-clock", phone)):
        print(
            f"seconds per phone screenshot, {label} (one thread): median {statistics.median(ts):.2f}, "
            f"p90 {sorted(ts)[int(0.9 * (len(ts) - 1))]:.2f}, max {max(ts):.2f} ({len(ts)} screenshots)"
        )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (the machine has {os.cpu_count()} cores)")
    allt = [r[2] for r in rows]
    print(f"seconds per image, all kinds: median {statistics.median(allt):.2f}, max {max(allt):.2f}")
    print(
        f"peak RSS of this benchmark process (it also draws the images): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    if args.rss:
        print(bot_rss())
    if args.show_failures:
        for s, reading, _dt, acc, _, same in rows:
            if acc < 0.98 or not same:
                print(f"--- {s.name} acc {acc:.2%} same {same} conf {reading.confidence:.3f}")
                print("expected:", s.expected.replace("\n", " | "))
                print("read:    ", reading.text.replace("\n", " | "))
    return 0


_RSS_CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1])


def hwm():   # this process's peak RSS (VmHWM; ru_maxrss would include the parent's, inherited across exec)
    with open("/proc/self/status") as fh:
        return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM")) / 1024


from bot.engine import Engine
from handlers.app import build_application
engine = Engine.load()
app = build_application(token="123456789:AAHfake-test-token_ABCDEFGHIJKLMNOPQRSTUV", engine=engine, updater=False)
from bot.ocr import engine_loaded, read_image
from bot.ocr.assess import assess_reading
before = hwm()
assert not engine_loaded()
for path in sys.argv[2:]:
    assess_reading(engine, read_image(open(path, "rb").read()), None, None)
print(f"bot process (knowledge base loaded, application built): peak RSS {before:.0f} MB before the first image "
      f"(OCR not loaded), {hwm():.0f} MB after reading {len(sys.argv) - 2} images")
"""


def bot_rss() -> str:
    """The bot's own import path in a fresh process: build the application, then read the committed images
    and a 40-megapixel photo (the largest accepted)."""
    import tempfile  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415

    folder = ROOT / "tests" / "data" / "ocr"
    paths = sorted(str(p) for p in folder.iterdir() if p.suffix in (".png", ".jpg"))
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.jpg"
        src = Image.open(paths[-1]).convert("RGB")
        src.resize((5160, 7740)).save(big, "JPEG", quality=80)  # 39.9 megapixels
        out = subprocess.run(
            [sys.executable, "-c", _RSS_CHILD, str(ROOT), *paths, str(big)],
            capture_output=True,
            text=True,
            check=False,
            cwd=str(ROOT),
        )
    return (out.stdout or out.stderr).strip()


if __name__ == "__main__":
    raise SystemExit(main())
