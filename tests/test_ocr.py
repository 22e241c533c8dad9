"""Reading screenshots: the real OCR engine on the committed images (tests/data/ocr, made by tests/screens.py
from the knowledge base's examples) and on images generated here; the layout on hand-made boxes; every kind
of bad input; the command line. Speed and memory are measured by benchmarks/ocr.py, not here."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from PIL import Image, ImageFilter
from rapidfuzz.distance import Levenshtein
from screens import load_set, make_one, photo_of_screen

from bot.engine import Engine
from bot.ocr import (
    MAX_BYTES,
    AnimatedImage,
    ImageTooLarge,
    NotAnImage,
    OcrTimeout,
    PdfNotSupported,
    TooManyPixels,
    combine,
    read_image,
    read_image_async,
)
from bot.ocr.assess import assess_reading
from bot.ocr.layout import OcrLine, arrange

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "ocr"
SET = load_set(DATA)


def accuracy(expected: str, got: str) -> float:
    ref = "".join(unicodedata.normalize("NFKC", expected).split())
    hyp = "".join(unicodedata.normalize("NFKC", got).split())
    return 1 - Levenshtein.distance(ref, hyp) / len(ref)


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


# -- the committed screenshots through the real engine -------------------------------------------------------


@pytest.mark.parametrize("screen", SET, ids=[s.name for s in SET])
def test_committed_screenshot_is_read_with_its_sender_time_and_message(screen, engine: Engine) -> None:
    reading = read_image(screen.data())
    # the other party's message is read, traditional Chinese as well as the rest (錢 債 說 繳 were lost before the
    # recogniser was PP-OCRv6's)
    assert accuracy(screen.expected, reading.text) >= 0.97, reading.text
    lines = screen.expected.splitlines()
    if screen.kind != "letter":
        sender, when = lines[0], lines[1]
        got = reading.text.splitlines()
        assert "".join(got[0].split()) == "".join(sender.split())  # the sender (number or name) first
        assert "".join(when.split()) in "".join(reading.text.split())  # the time shown is kept
    assert not reading.low_confidence
    # the assessment of the recognised text is that of the message itself; evidence points into the text
    a = assess_reading(engine, reading, screen.lang, screen.jurisdiction)
    original = engine.assess(screen.expected, screen.lang, screen.jurisdiction)
    assert (a.verdict, set(a.categories)) == (original.verdict, set(original.categories))
    for f in a.findings:
        assert reading.text[f.start : f.end] == f.evidence


def test_chat_chrome_and_own_bubbles_are_left_out(engine: Engine) -> None:
    import random

    text = engine.kb.signals[0].examples[0][1]
    s = make_one("wechat", text, "zh-Hans", "CN", random.Random(5), "t")
    reading = read_image(s.data())
    reasons = {ln.reason for ln in reading.dropped}
    assert {"status bar", "own message"} <= reasons
    for reply in ("我现在真的没钱", "请不要再打给我家人"):
        assert reply not in reading.text
    assert reading.kind == "chat"
    assert reading.blocks[0][2] == "sender" and reading.blocks[1][2] == "time"


def test_traditional_characters_a_debt_message_turns_on_are_read(engine: Engine) -> None:
    import random

    # none of 錢 債 說 繳 盡 was in the former recogniser's character list
    text = "你欠的錢再不繳清，我們就去你公司說你欠債不還，盡快處理！"
    s = make_one("sms_android", text, "zh-Hant", "HK", random.Random(7), "t")
    reading = read_image(s.data())
    for ch in "錢債說繳盡":
        assert ch in reading.text, reading.text
    a = assess_reading(engine, reading, "zh-Hant", "HK")
    original = engine.assess(text, "zh-Hant", "HK")
    assert a.verdict == original.verdict == "unlawful" and set(a.categories) == set(original.categories)


def test_each_bubble_is_one_line_of_the_text(engine: Engine) -> None:
    import random

    s = make_one(
        "sms_ios",
        "Final notice. We will contact your employer tomorrow about this debt unless you pay "
        "the full balance of $1,250 today. Call us back at once to avoid further action.",
        "en",
        "US",
        random.Random(2),
        "b",
    )
    reading = read_image(s.data())
    message = [reading.text[a:b] for a, b, role in reading.blocks if role == "message"]
    assert len(message) == len([ln for ln in s.expected.splitlines()[2:]])
    assert any("contact your employer tomorrow" in m for m in message)


def test_a_photo_of_a_screen_is_straightened_and_read(engine: Engine) -> None:
    import random

    s = next(x for x in SET if x.variant == "photo" and x.kind == "wechat")
    reading = read_image(s.data())
    assert accuracy(s.expected, reading.text) >= 0.95
    rng = random.Random(9)
    tilted = photo_of_screen(
        make_one(
            "sms_android", "你的住址、单位我们都打印好了，明天寄给你父母和邻居。", "zh-Hans", "CN", rng, "p"
        ).image,
        rng,
    )
    reading = read_image(png(tilted.rotate(4, expand=True, fillcolor=(30, 30, 30))))
    assert "明天寄给你父母和邻居" in reading.text


def test_a_blurred_thumbnail_is_read_with_low_confidence() -> None:
    s = next(x for x in SET if x.name.startswith("00_"))
    img = s.image.convert("RGB")
    small = img.resize((img.width // 5, img.height // 5)).filter(ImageFilter.GaussianBlur(1.6))
    reading = read_image(png(small))
    assert reading.low_confidence


def test_an_album_is_one_message_in_order_with_the_sender_once() -> None:
    a, b = (next(x for x in SET if x.name.startswith(p)) for p in ("02_", "09_"))
    ra, rb = read_image(a.data()), read_image(b.data())
    both = combine([ra, rb])
    assert both.text.index("報送") < both.text.index("打印好了")
    assert both.text.count("10690573261") == 1  # the same sender at the top of both screenshots
    for s, e, _ in both.blocks:
        assert both.text[s:e] and "\n" not in both.text[s:e]


async def test_reading_runs_in_a_worker_thread_with_a_timeout() -> None:
    data = SET[0].data()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    reading = await read_image_async(data)
    task.cancel()
    assert reading.text and ticks >= 10  # the event loop went on while the picture was read
    with pytest.raises(OcrTimeout):
        await read_image_async(data, timeout=0.01)


# -- the layout on hand-made boxes (no engine) ---------------------------------------------------------------


def line(text: str, x0: float, y0: float, x1: float, y1: float, conf: float = 0.99) -> OcrLine:
    return OcrLine(text, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], conf)


def test_layout_of_an_sms_screenshot() -> None:
    lines = [
        line("23:47", 60, 30, 180, 80),
        line("5G", 900, 30, 960, 80),
        line("86%", 970, 30, 1050, 80),
        line("<", 20, 150, 50, 200),
        line("106 9027 8815", 160, 150, 600, 200),
        line("今天 23:47", 420, 300, 660, 340),
        line("您的借款已逾期，今天不还就联系", 45, 400, 740, 450),
        line("你的家人和单位。", 45, 465, 420, 515),
        line("请不要再打给我家人。", 600, 600, 1030, 650),
        line("短信", 180, 2250, 280, 2300),
    ]
    layout = arrange(lines, 1080, 2400)
    assert [b.role for b in layout.blocks] == ["sender", "time", "message"]
    assert [b.text for b in layout.blocks] == [
        "106 9027 8815",
        "今天 23:47",
        "您的借款已逾期，今天不还就联系你的家人和单位。",
    ]
    assert {ln.text: ln.reason for ln in layout.dropped} == {
        "23:47": "status bar",
        "5G": "status bar",
        "86%": "status bar",
        "<": "button",
        "请不要再打给我家人。": "own message",
        "短信": "input bar",
    }


def test_layout_keeps_one_sided_bubbles_and_letters_whole() -> None:
    only_right = [line("9:41", 60, 30, 160, 80), line("Pay now or we call your boss.", 400, 500, 1030, 550)]
    assert arrange(only_right, 1080, 2400).blocks[-1].text == "Pay now or we call your boss."
    letter = [
        line("催收通知函", 500, 100, 740, 150),
        line("您的借款已逾期三十天，我司将依法向人民法院提起诉讼，请", 120, 250, 1120, 290),
        line("于收到本函之日起七日内还款。", 120, 310, 640, 350),
        line("某某资产管理有限公司", 760, 450, 1120, 490),
        line("2026年10月12日", 880, 510, 1120, 550),
    ]
    layout = arrange(letter, 1240, 1754)
    assert layout.kind == "document"
    assert [b.text for b in layout.blocks] == [
        "催收通知函",
        "您的借款已逾期三十天，我司将依法向人民法院提起诉讼，请于收到本函之日起七日内还款。",
        "某某资产管理有限公司",
        "2026年10月12日",
    ]


# -- bad input ---------------------------------------------------------------------------------------------------


def test_bad_input_gets_a_clear_error_never_a_traceback() -> None:
    good = SET[0].data()
    with pytest.raises(NotAnImage):
        read_image(good[: len(good) // 3])  # truncated
    with pytest.raises(NotAnImage):
        read_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)  # a broken header
    with pytest.raises(NotAnImage):
        read_image(b'{"tgs": 1, "v": "5.5.2", "fr": 60}')  # an animated (Lottie) sticker's content
    with pytest.raises(PdfNotSupported):
        read_image(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    frames = [Image.new("RGB", (64, 64), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(AnimatedImage):
        read_image(buf.getvalue())
    with pytest.raises(TooManyPixels):
        read_image(png(Image.new("1", (8000, 6000), 1)))  # 48 megapixels
    with pytest.raises(ImageTooLarge):
        read_image(good + b"\0" * MAX_BYTES)


def test_a_picture_without_text_reads_as_empty() -> None:
    reading = read_image(png(Image.new("RGB", (1080, 2400), (240, 240, 240))))
    assert reading.text == "" and reading.low_confidence


# -- start-up and the command line ---------------------------------------------------------------------------


def test_the_engine_is_loaded_on_the_first_image_only() -> None:
    code = (
        "import sys; from bot.engine import Engine; from handlers.app import build_application; "
        "build_application(token='123456789:AAHfake-test-token_ABCDEFGHIJKLMNOPQRSTUV', engine=Engine.load(), "
        "updater=False, job_queue=False); "
        "assert 'rapidocr_onnxruntime' not in sys.modules and 'onnxruntime' not in sys.modules, 'loaded'; "
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_cli_assess_image_prints_the_text_and_the_assessment(engine: Engine) -> None:
    s = next(x for x in SET if x.name.startswith("09_"))
    exe = [sys.executable, "-m", "bot", "assess"]
    out = subprocess.run([*exe, "--image", s.meta["path"]], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "明天寄给你父母和邻居" in out.stdout
    original = engine.assess(s.expected, "zh-Hans", "CN")
    assert original.verdict == "unlawful"
    data = json.loads(
        subprocess.run(
            [*exe, "--json", "--image", s.meta["path"]], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout
    )
    assert data["verdict"] == original.verdict
    lines = data["image"]["lines"]
    assert lines and all(len(ln["box"]) == 4 and 0 < ln["confidence"] <= 1 for ln in lines)
    text = data["image"]["text"]
    for f in data["findings"]:
        assert text[f["start"] : f["end"]] == f["evidence"]
    bad = subprocess.run([*exe, "--image", str(DATA / "index.json")], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1 and "not read" in bad.stderr and "Traceback" not in bad.stderr
