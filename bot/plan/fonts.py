"""The CJK font used for the PDF and the chart: WenQuanYi Micro Hei, vendored in bot/plan/fontdata/.

The file is Debian's `fonts-wqy-microhei` 0.2.0-beta-3.1, unaltered (its SHA-256 is in fontdata/README.md and is
checked by the tests), redistributed under the Apache License 2.0 (fontdata/COPYRIGHT, LICENSE-Apache-2.0). It is a
TrueType collection whose face 0 is the proportional face, covering simplified and traditional Chinese and Latin,
so every label and letter renders the same on a fresh machine after a plain `pip install`: nothing depends on the
fonts of the operating system or on a third-party font package. The PDF embeds a subset of it.
RIGHTS_BOT_CJK_FONT (a .ttf/.ttc path) overrides it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

FONT_FAMILY = "WenQuanYi Micro Hei"
FONT_FILE = Path(__file__).resolve().parent / "fontdata" / "wqy-microhei.ttc"
FONT_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    override = os.environ.get("RIGHTS_BOT_CJK_FONT")
    if override:
        path = Path(override)
        if not path.is_file():
            raise FontMissing(f"RIGHTS_BOT_CJK_FONT={override} is not a file")
        return path
    if not FONT_FILE.is_file():
        raise FontMissing(f"the CJK font file is missing: {FONT_FILE} (see bot/plan/fontdata/README.md)")
    return FONT_FILE
