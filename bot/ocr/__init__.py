"""Reading a screenshot or a photo of a collection message, offline (see reader.py and layout.py)."""

from bot.ocr.reader import (
    MAX_BYTES,
    MAX_PIXELS,
    AnimatedImage,
    ImageRejected,
    ImageTooLarge,
    NotAnImage,
    OcrTimeout,
    OcrUnavailable,
    PdfNotSupported,
    Reading,
    TooManyPixels,
    combine,
    engine_loaded,
    read_image,
    read_image_async,
)

__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "AnimatedImage",
    "combine",
    "ImageRejected",
    "ImageTooLarge",
    "NotAnImage",
    "OcrTimeout",
    "OcrUnavailable",
    "PdfNotSupported",
    "Reading",
    "TooManyPixels",
    "engine_loaded",
    "read_image",
    "read_image_async",
]
