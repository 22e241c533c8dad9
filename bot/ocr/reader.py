"""Read the text of an image on this machine: RapidOCR on onnxruntime's CPU build, with the PP-OCRv4 text
detector shipped inside the rapidocr-onnxruntime wheel and PaddleOCR's PP-OCRv6 small recogniser vendored in
bot/ocr/modeldata/ (PP-OCRv4's recogniser knows 6,623 mostly simplified characters and cannot write 錢, 債, 說
or 繳; PP-OCRv6's knows 18,708, traditional included). Nothing is downloaded, nothing is written: the image is
decoded in memory, read, and dropped.

    reading = read_image(data)            # bytes of a PNG / JPEG / WebP / BMP / TIFF / static GIF
    reading.text                          # what the assessment reads (see layout.py)
    reading.lines                         # every kept line: text, box, confidence, role, block

The engine is created on the first image (start-up of the bot is unchanged) and runs on one thread, so that
one large image takes one core and the bot's other work the other. `read_image_async` runs it in a worker
thread with a timeout, for the Telegram bot.
"""

from __future__ import annotations

import asyncio
import bisect
import io
import math
import re
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.ocr.layout import Layout, OcrLine, arrange

MAX_BYTES = 20 * 1024 * 1024  # Telegram's bots may download files up to 20 MB
MAX_PIXELS = 40_000_000  # a phone camera's photo is 12-48 MP; screenshots are 2-4 MP
WORK_PIXELS = 10_000_000  # larger images are scaled down to this before reading
DET_SIDE = 736  # the detector sees the short side at this many pixels (PP-OCR's default)
DET_MAX_PIXELS = 2_200_000  # ... and at most this many pixels (long screenshots are scaled further)
REC_BATCH = 1  # lines recognised together
STRIP, OVERLAP = 448, 128  # the detector runs on strips of this many rows (memory), overlapping
MIN_SCORE = 0.5  # recognised lines below this are noise (icons, textures)
LOW_CONFIDENCE = 0.85  # below this mean confidence per character, the reader says so
TIMEOUT = 30.0  # seconds for one image, waiting time included
MODEL_DATA = Path(__file__).resolve().parent / "modeldata"
REC_MODEL = MODEL_DATA / "PP-OCRv6_small_rec.onnx"
REC_KEYS = MODEL_DATA / "PP-OCRv6_small_rec_dict.txt"  # its character list: the model file carries none


# -- what can go wrong ----------------------------------------------------------------------------------------


class ImageRejected(Exception):
    """An image this reader will not read; `code` says which case (the reply to the user depends on it)."""

    code = "unreadable"


class ImageTooLarge(ImageRejected):
    code = "too_large"


class TooManyPixels(ImageRejected):
    code = "too_many_pixels"


class NotAnImage(ImageRejected):
    """Corrupt or truncated data, or a format that is no picture (a Lottie sticker, a video ...)."""

    code = "unreadable"


class PdfNotSupported(ImageRejected):
    code = "pdf"


class AnimatedImage(ImageRejected):
    code = "animated"


class OcrTimeout(ImageRejected):
    code = "timeout"


class OcrUnavailable(ImageRejected):
    """The OCR engine could not be loaded on this machine (a missing package or system library)."""

    code = "unavailable"


# -- the result -------------------------------------------------------------------------------------------------


@dataclass
class Reading:
    text: str
    lines: list[OcrLine]  # kept lines, in the order of the text
    dropped: list[OcrLine]  # chrome and the borrower's own bubbles
    blocks: list[tuple[int, int, str]]  # (start, end, role) of each line of `text`
    block_of: list[int]  # for each kept line, the index of its block
    confidence: float  # mean confidence per character of the kept text (0-1)
    low_confidence: bool
    kind: str  # chat | document
    width: int
    height: int
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "low_confidence": self.low_confidence,
            "kind": self.kind,
            "width": self.width,
            "height": self.height,
            "seconds": round(self.seconds, 3),
            "blocks": [{"start": s, "end": e, "role": r} for s, e, r in self.blocks],
            "lines": [_line_json(ln, self.block_of[i]) for i, ln in enumerate(self.lines)],
            "dropped": [_line_json(ln, None) for ln in self.dropped],
        }


def _line_json(ln: OcrLine, block: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": ln.text,
        "box": [[round(x), round(y)] for x, y in ln.box],
        "confidence": round(ln.confidence, 4),
        "role": ln.role,
    }
    if block is not None:
        out["block"] = block
    if ln.reason:
        out["reason"] = ln.reason
    return out


# -- the engine ---------------------------------------------------------------------------------------------------

_engine: Any = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()


def engine() -> Any:
    """The RapidOCR engine, created once, on first use (about 0.5 s and 150 MB)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR  # noqa: PLC0415
                except (ImportError, OSError) as exc:  # OSError: a system library that OpenCV needs
                    raise OcrUnavailable(f"the OCR engine cannot be loaded: {exc}") from exc
                if not (REC_MODEL.is_file() and REC_KEYS.is_file()):
                    raise OcrUnavailable(f"the recognition model is missing from {MODEL_DATA}")
                eng = RapidOCR(
                    intra_op_num_threads=1,
                    inter_op_num_threads=1,
                    print_verbose=False,
                    rec_model_path=str(REC_MODEL),
                    rec_keys_path=str(REC_KEYS),
                )
                # lines are recognised one at a time (not 6): a batch is as wide as its widest line; with
                # PP-OCRv6 three lines at a time took 40-110 MB more at its peak, and no less CPU
                eng.text_rec.rec_batch_num = REC_BATCH
                _engine = eng
    return _engine


def engine_loaded() -> bool:
    return _engine is not None


# -- reading ------------------------------------------------------------------------------------------------------


def read_image(data: bytes) -> Reading:
    """Decode, check, read and lay out one image. Raises an ImageRejected for every bad input."""
    t0 = time.perf_counter()
    try:
        rgb = decode(data)
        lines = recognise(rgb)
        h, w = rgb.shape[:2]
        del rgb
    finally:
        _release_memory()
    reading = build_reading(lines, w, h)
    reading.seconds = time.perf_counter() - t0
    return reading


def _release_memory() -> None:
    """Give the freed buffers of the image and of the detector back to the system (glibc keeps them
    otherwise, and a long-running bot would grow with every large picture)."""
    try:
        import ctypes  # noqa: PLC0415

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def decode(data: bytes) -> Any:
    """The image as an RGB array (numpy, height x width x 3), after every check on the input."""
    if len(data) > MAX_BYTES:
        raise ImageTooLarge(f"{len(data)} bytes")
    head = bytes(data[:1024]).lstrip()
    if head.startswith(b"%PDF"):
        raise PdfNotSupported("a PDF document")
    import numpy as np  # noqa: PLC0415
    from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: PLC0415

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im: Image.Image = Image.open(io.BytesIO(data))
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise TooManyPixels(f"{w}x{h}")
            frames = getattr(im, "n_frames", 1)
            if getattr(im, "is_animated", False) and frames > 1:
                raise AnimatedImage(f"{im.format} with {frames} frames")
            if im.format == "JPEG" and w * h > WORK_PIXELS:
                im.draft("RGB", (w // 2, h // 2))  # decoded at half size: a quarter of the memory
            im.load()
            if im.width * im.height > WORK_PIXELS:
                if im.mode not in ("RGB", "RGBA", "L", "LA"):  # reduce() needs one of these
                    im = im.convert("RGBA" if "transparency" in im.info or im.mode == "PA" else "RGB")
                factor = int(math.sqrt(im.width * im.height / WORK_PIXELS))
                if factor >= 2:
                    im = im.reduce(factor)
                if im.width * im.height > WORK_PIXELS:
                    scale = math.sqrt(WORK_PIXELS / (im.width * im.height))
                    im = im.resize(
                        (max(1, int(im.width * scale)), max(1, int(im.height * scale))), Image.Resampling.LANCZOS
                    )
            if im.getexif().get(0x0112, 1) != 1:  # a camera's orientation tag (a copy only then)
                im = ImageOps.exif_transpose(im)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise TooManyPixels(str(exc)) from None
    except UnidentifiedImageError:
        raise NotAnImage("not a picture format") from None
    except ImageRejected:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError) as exc:
        raise NotAnImage(f"corrupt image: {type(exc).__name__}") from None
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        canvas = Image.new("RGBA", im.size, (255, 255, 255, 255))
        canvas.alpha_composite(im)
        im = canvas
    rgb = np.asarray(im.convert("RGB"))
    if rgb.shape[0] < 8 or rgb.shape[1] < 8:
        raise NotAnImage("too small to hold text")
    return rgb


def recognise(rgb: Any) -> list[OcrLine]:
    """Detected and recognised lines (boxes in the coordinates of `rgb`), in no particular order."""
    import numpy as np  # noqa: PLC0415

    eng = engine()
    import cv2  # noqa: PLC0415  (present: the engine imported it)

    bgr = np.ascontiguousarray(rgb[..., ::-1])
    h, w = bgr.shape[:2]
    scale = DET_SIDE / min(h, w)
    scale = min(scale, math.sqrt(DET_MAX_PIXELS / (h * w)))
    small = cv2.resize(
        bgr,
        (max(32, int(w * scale)), max(32, int(h * scale))),
        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC,
    )
    packed, segments = _collapse_blank_rows(small)
    with _run_lock:
        eng.text_det.limit_side_len, eng.text_det.limit_type = 32, "min"  # no further resizing
        boxes = _detect(eng, packed)
        if len(boxes) == 0:
            return []
        box_array = np.array(
            [_unpack_box(b, segments, small.shape[1] / w, small.shape[0] / h, w, h) for b in boxes], dtype=np.float32
        )
        # no direction classifier: screenshots are upright, and on them it turns some lines upside down
        crops = eng.get_crop_img_list(bgr, box_array)
        results, _ = eng.text_rec(crops, True)
    out = []
    for box, crop, (text, score, info) in zip(box_array, crops, results, strict=False):
        if not text.strip() or float(score) < MIN_SCORE:
            continue
        text = respace(text, info, crop)
        out.append(OcrLine(text, [(float(x), float(y)) for x, y in box.tolist()], float(score)))
    return out


_BEFORE_SPACE = re.compile(r"[A-Za-z0-9.,;:!?)'’%\"]")  # a space may follow these ...
_AFTER_SPACE = re.compile(r"[A-Za-z0-9($'‘\"]")  # ... and precede these


def respace(text: str, info: Any, crop: Any) -> str:
    """Put back the spaces between Latin words that the recogniser dropped ("Weknowwhere"): where two
    characters of the line have a blank gap between them as wide as a space in the picture itself."""
    if not re.search(r"[A-Za-z]", text) or not info or len(info) < 3:
        return text
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    ncol, words, cols = info[0], info[1], info[2]
    chars = [(c, col) for w, cl in zip(words, cols, strict=False) for c, col in zip(w, cl, strict=False)]
    if "".join(c for c, _ in chars) != text or not ncol:
        return text
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if ink.mean() > 0.5:  # light text on a dark bubble
        ink = 1 - ink
    h, w = ink.shape[:2]
    inked = ink.sum(axis=0) >= max(1, int(0.04 * h))
    min_gap = 0.24 * h
    out = [chars[0][0]]
    for (a, ca), (b, cb) in zip(chars, chars[1:], strict=False):
        if (
            _BEFORE_SPACE.match(a)
            and _AFTER_SPACE.match(b)
            and not (a.isdigit() and b.isdigit())
            and not (a in ".,:" and b.isdigit())
        ):
            x0, x1 = int(ca / ncol * w), int(cb / ncol * w)
            if x1 - x0 > min_gap and _longest_blank(inked[x0:x1]) >= min_gap:
                out.append(" ")
        out.append(b)
    return "".join(out)


def _longest_blank(inked: Any) -> int:
    best = run = 0
    for v in inked:
        run = 0 if v else run + 1
        best = max(best, run)
    return best


def _detect(eng: Any, img: Any) -> list[Any]:
    """Text boxes of the detector, run on horizontal strips of at most STRIP rows that overlap by OVERLAP:
    the detector's memory grows with the pixels it sees (about 300 bytes a pixel), strips keep it at about
    100 MB whatever the image. A box is kept from the strip whose core (the strip less half the overlap at
    each inner edge) holds its centre, so a line cut by one strip's edge comes whole from the next."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    height = img.shape[0]
    if height <= STRIP + OVERLAP:
        boxes, _ = eng.text_det(img)
        return [] if boxes is None else list(boxes)
    out: list[Any] = []
    y = 0
    while True:
        y1 = min(height, y + STRIP)
        strip = img[y:y1]
        if strip.shape[0] < STRIP:  # the same shape every time: onnxruntime plans its memory once
            fill = [int(v) for v in np.median(strip[-1], axis=0)]
            strip = cv2.copyMakeBorder(strip, 0, STRIP - strip.shape[0], 0, 0, cv2.BORDER_CONSTANT, value=fill)
        boxes, _ = eng.text_det(np.ascontiguousarray(strip))
        core0 = y + OVERLAP / 2 if y > 0 else 0
        core1 = y1 - OVERLAP / 2 if y1 < height else height
        for box in [] if boxes is None else boxes:
            box = np.array(box, dtype=np.float32)
            box[:, 1] += y
            if core0 <= float(box[:, 1].mean()) < core1:
                box[:, 1] = np.minimum(box[:, 1], height - 1)
                out.append(box)
        if y1 >= height:
            return out
        y += STRIP - OVERLAP


def _collapse_blank_rows(img: Any, keep: int = 24) -> tuple[Any, list[tuple[int, int, int]]]:
    """Shrink long runs of blank rows (a screenshot is mostly empty) to `keep` rows, so the detector has
    less to look at. Returns the packed image and its segments (new_start, old_start, length)."""
    import numpy as np  # noqa: PLC0415

    gray = img.mean(axis=2) if img.ndim == 3 else img
    spread = gray.max(axis=1) - gray.min(axis=1)
    blank = spread < 12
    segments: list[tuple[int, int, int]] = []
    rows: list[Any] = []
    y, n, new = 0, len(blank), 0
    while y < n:
        z = y
        while z < n and blank[z] == blank[y]:
            z += 1
        length = z - y
        if blank[y] and length > 2 * keep:
            parts = [(y, keep // 2), (z - keep // 2, keep // 2)]
        else:
            parts = [(y, length)]
        for start, ln in parts:
            segments.append((new, start, ln))
            rows.append(img[start : start + ln])
            new += ln
        y = z
    if len(segments) <= 1 or new > 0.9 * n:
        return img, [(0, 0, n)]
    return np.ascontiguousarray(np.concatenate(rows, axis=0)), segments


def _unpack_box(
    box: Any, segments: list[tuple[int, int, int]], sx: float, sy: float, w: int, h: int
) -> list[tuple[float, float]]:
    """A detected box in the coordinates of the original image."""
    starts = [seg[0] for seg in segments]
    pts = []
    for x, y in box:
        i = max(0, bisect.bisect_right(starts, float(y)) - 1)
        new_start, old_start, _ = segments[i]
        pts.append((min(w - 1.0, max(0.0, float(x) / sx)), min(h - 1.0, max(0.0, (old_start + y - new_start) / sy))))
    return pts


def build_reading(lines: list[OcrLine], width: int, height: int) -> Reading:
    layout: Layout = arrange(lines, width, height)
    parts: list[str] = []
    blocks: list[tuple[int, int, str]] = []
    kept: list[OcrLine] = []
    block_of: list[int] = []
    pos = 0
    for b in layout.blocks:
        if not b.text:
            continue
        if parts:
            pos += 1
        blocks.append((pos, pos + len(b.text), b.role))
        parts.append(b.text)
        pos += len(b.text)
        for ln in b.lines:
            kept.append(ln)
            block_of.append(len(blocks) - 1)
    text = "\n".join(parts)
    chars = sum(len(ln.text) for ln in kept)
    confidence = sum(ln.confidence * len(ln.text) for ln in kept) / chars if chars else 0.0
    low = not text.strip() or confidence < LOW_CONFIDENCE
    return Reading(text, kept, layout.dropped, blocks, block_of, confidence, low, layout.kind, width, height)


# -- in a worker thread, with a timeout ------------------------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr")
    return _executor


async def read_image_async(data: bytes, timeout: float = TIMEOUT) -> Reading:
    """read_image in the OCR worker thread (one image at a time, on one core); OcrTimeout after `timeout`
    seconds, waiting included. The event loop, and so every other user, is never blocked."""
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(_pool(), read_image, bytes(data))
    try:
        return await asyncio.wait_for(future, timeout)
    except TimeoutError:
        raise OcrTimeout(f"no result within {timeout:.0f} s") from None


def combine(readings: list[Reading]) -> Reading:
    """Several pictures sent together (an album) as one message, in order. A sender repeated at the top of
    the next screenshot of the same conversation is given once."""
    if len(readings) == 1:
        return readings[0]
    parts: list[str] = []
    blocks: list[tuple[int, int, str]] = []
    lines: list[OcrLine] = []
    block_of: list[int] = []
    dropped: list[OcrLine] = []
    last_sender = None
    pos = 0
    for r in readings:
        dropped += r.dropped
        index: dict[int, int] = {}
        for bi, (s, e, role) in enumerate(r.blocks):
            piece = r.text[s:e]
            if role == "sender" and piece == last_sender:
                continue
            if role == "sender":
                last_sender = piece
            if parts:
                pos += 1
            index[bi] = len(blocks)
            blocks.append((pos, pos + len(piece), role))
            parts.append(piece)
            pos += len(piece)
        for ln, bi in zip(r.lines, r.block_of, strict=True):
            if bi in index:
                lines.append(ln)
                block_of.append(index[bi])
    text = "\n".join(parts)
    chars = sum(len(ln.text) for ln in lines)
    confidence = sum(ln.confidence * len(ln.text) for ln in lines) / chars if chars else 0.0
    return Reading(
        text,
        lines,
        dropped,
        blocks,
        block_of,
        confidence,
        any(r.low_confidence for r in readings if r.text.strip()) or not text.strip(),
        "+".join(sorted({r.kind for r in readings})),
        max(r.width for r in readings),
        sum(r.height for r in readings),
        sum(r.seconds for r in readings),
    )
