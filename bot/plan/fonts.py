"""The CJK font used for the PDF and the chart: WenQuanYi Micro Hei, from the PyPI package paperang-p2-fonts-cjk.

It is a TrueType collection (face 0 is the proportional face), covering simplified and traditional Chinese
and Latin, so every label and letter renders the same on a fresh machine after `make install`: nothing
depends on the fonts of the operating system. The PDF embeds a subset of it. RIGHTS_BOT_CJK_FONT (a .ttf/.ttc
path) overrides it.
Licence of the font: Apache-2.0 or GPL-3.0 with the font embedding exception (WenQuanYi project); the
package itself is MIT.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

FONT_FAMILY = "WenQuanYi Micro Hei"


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
    try:
        path = Path(str(files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"))
    except ModuleNotFoundError:
        raise FontMissing("the CJK font package paperang-p2-fonts-cjk is not installed (run `make install`)") \
            from None
    if not path.is_file():
        raise FontMissing(f"the CJK font file is missing: {path}")
    return path
