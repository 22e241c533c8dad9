"""Normalisation of user text before matching, keeping a map back to the original offsets.

Steps: drop zero-width and control characters; NFKC (full-width -> half-width); traditional -> simplified
Chinese; lower case; remove separators that collectors put inside Chinese words (法 院, 起*诉, 征-信);
rewrite homophones and pinyin spellings (坐劳, gong安, zx) to the canonical word.
Every character of the normalised text knows the [start, end) of the original text it came from.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import ahocorasick
import opencc

from bot.kb.schema import Lexicon

_T2S = opencc.OpenCC("t2s")
# Typographic variants NFKC leaves alone but people type interchangeably.
_EXTRA = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2014": "-",
    "\u2013": "-",
    "\u2012": "-",
    "\u2015": "-",
    "\uff5e": "~",
    "\u3000": " ",
    "\u00a0": " ",
    "\r": "\n",
    "\t": " ",
    "\u2028": "\n",
    "\u2029": "\n",
    "\u30fb": "·",
}
# Inserted between Chinese characters to dodge keyword filters.
_FILLERS = set(" *-_.·•~|/\\^+=#'\"`°")
# A question mark does not end a sentence for matching: collectors ask in order to threaten
# (你儿子在实验小学吧?放学路上注意安全).
_SENTENCE_END = set("。!;\n")
_CLAUSE_END = _SENTENCE_END | set(",:?")  # not 、: a negation carries through a list
_URLISH = re.compile(r"(?:https?://|www\.)\S+|[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)+(?:/\S*)?", re.I)


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def cuts_word_left(text: str, start: int) -> bool:
    """A match starting at `start` would begin inside a longer Latin word ("sue" in "issue")."""
    return 0 < start < len(text) and _is_ascii_alnum(text[start]) and _is_ascii_alnum(text[start - 1])


def cuts_word_right(text: str, stop: int) -> bool:
    """A match ending before `stop` would end inside a longer Latin word ("apr" in "april")."""
    return 0 < stop < len(text) and _is_ascii_alnum(text[stop - 1]) and _is_ascii_alnum(text[stop])


@dataclass
class Normalised:
    original: str
    text: str
    starts: list[int]
    ends: list[int]
    traditional_chars: int = 0
    cjk_chars: int = 0

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of normalised [start, end)."""
        if start >= end:
            return self.starts[start], self.starts[start]
        return self.starts[start], self.ends[end - 1]

    @cached_property
    def units(self) -> list[int]:
        """Word index of every character: a Chinese character is one unit, an English word is one unit."""
        out, unit, prev_alnum = [], 0, False
        for ch in self.text:
            if is_cjk(ch):
                unit += 1
                prev_alnum = False
            elif _is_ascii_alnum(ch) or ch.isalnum():
                if not prev_alnum:
                    unit += 1
                prev_alnum = True
            else:
                prev_alnum = False
            out.append(unit)
        return out

    @cached_property
    def sentence_ids(self) -> list[int]:
        return self._segment(_SENTENCE_END)

    @cached_property
    def clause_ids(self) -> list[int]:
        return self._segment(_CLAUSE_END)

    def _segment(self, ends: set[str]) -> list[int]:
        out, seg, text = [], 0, self.text
        n = len(text)
        for i, ch in enumerate(text):
            out.append(seg)
            if ch in ends or (ch == "." and (i + 1 == n or text[i + 1] == " " or text[i + 1] == "\n")):
                seg += 1
        return out


class Normaliser:
    def __init__(self, lexicon: Lexicon):
        self._cache: dict[str, str] = {}
        self._symbols = {unicodedata.normalize("NFKC", k): v for k, v in lexicon.symbols.items()}
        self._leet = dict(lexicon.leet)
        self._speak = {k.lower(): v for k, v in lexicon.text_speak.items()}
        self._rewrites = ahocorasick.Automaton()
        table = _rewrite_table(lexicon)
        self._speak_targets = set(lexicon.text_speak.values())
        for word, meaning in lexicon.text_speak.items():
            table.setdefault(word.lower(), meaning)
        for variant, canonical in table.items():
            self._rewrites.add_word(variant, (len(variant), canonical, variant.isascii()))
        self._has_rewrites = len(self._rewrites) > 0
        if self._has_rewrites:
            self._rewrites.make_automaton()

    def _map_char(self, ch: str) -> str:
        out = self._cache.get(ch)
        if out is None:
            base = self._symbols.get(ch) or _EXTRA.get(ch, ch)
            base = unicodedata.normalize("NFKC", base)
            if any(is_cjk(c) for c in base):
                base = _T2S.convert(base)
            out = base.lower()
            if len(self._cache) < 200_000:
                self._cache[ch] = out
        return out

    def normalise(self, text: str) -> Normalised:
        chars: list[str] = []
        starts: list[int] = []
        traditional = cjk = 0
        for i, ch in enumerate(text):
            cat = unicodedata.category(ch)
            if cat in ("Cf", "Cs", "Co", "Cn") or (cat == "Cc" and ch not in "\n\r\t"):
                continue  # zero-width joiners, bidi marks, surrogates, controls
            mapped = self._map_char(ch)
            if is_cjk(ch):
                cjk += 1
                if mapped != ch and len(mapped) == 1 and is_cjk(mapped):
                    traditional += 1
            for c in mapped:
                chars.append(c)
                starts.append(i)
        chars, (starts,) = _drop_fillers_inside_chinese(chars, starts)
        chars, starts = _join_spelled_out_letters(chars, starts, " " if cjk else ".")
        if self._leet and any(c in self._leet for c in chars):
            chars = self._unleet(chars)
        ends = [s + 1 for s in starts]
        norm = Normalised(text, "".join(chars), starts, ends, traditional, cjk)
        if self._has_rewrites and norm.text:
            norm = self._rewrite(norm)
        return norm

    def _unleet(self, chars: list[str]) -> list[str]:
        """c0urt -> court, c@ll -> call, j@1l -> jail: a run of look-alike symbols between two letters."""
        out = list(chars)
        n = len(chars)

        def letter(i: int) -> bool:
            return 0 <= i < n and chars[i].isascii() and chars[i].isalpha()

        i = 0
        while i < n:
            if chars[i] not in self._leet:
                i += 1
                continue
            j = i
            while j < n and chars[j] in self._leet:
                j += 1
            if letter(i - 1) and letter(j):
                for k in range(i, j):
                    out[k] = self._leet[chars[k]]
            i = j
        return out

    def _rewrite(self, norm: Normalised) -> Normalised:
        text = norm.text
        has_cjk = norm.cjk_chars > 0
        protected = [(m.start(), m.end()) for m in _URLISH.finditer(text)] if "." in text else []
        found: list[tuple[int, int, str]] = []
        for end, (length, canonical, ascii_only) in self._rewrites.iter(text):
            start = end - length + 1
            if ascii_only and not has_cjk and canonical not in self._speak_targets:
                continue
            if cuts_word_left(text, start) or cuts_word_right(text, end + 1):
                continue
            if any(a < end + 1 and start < b for a, b in protected) and any(c.isascii() for c in text[start : end + 1]):
                continue
            found.append((start, end + 1, canonical))
        if not found:
            return norm
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        out_chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for start, end, canonical in found:
            if start < pos:
                continue  # overlaps a longer rewrite already taken
            out_chars.append(text[pos:start])
            starts.extend(norm.starts[pos:start])
            ends.extend(norm.ends[pos:start])
            orig_start, orig_end = norm.starts[start], norm.ends[end - 1]
            out_chars.append(canonical)
            starts.extend([orig_start] * len(canonical))
            ends.extend([orig_end] * len(canonical))
            pos = end
        out_chars.append(text[pos:])
        starts.extend(norm.starts[pos:])
        ends.extend(norm.ends[pos:])
        # "zheng xin xiu fu" became "征信 修复": close the gaps the rewrite left between Chinese words
        chars, (starts, ends) = _drop_fillers_inside_chinese(list("".join(out_chars)), starts, ends)
        return Normalised(norm.original, "".join(chars), starts, ends, norm.traditional_chars, norm.cjk_chars)


def _drop_fillers_inside_chinese(chars: list[str], *offsets: list[int]) -> tuple[list[str], tuple[list[int], ...]]:
    """Remove runs of spaces and symbols that stand between two Chinese characters (and their offsets)."""
    keep = [True] * len(chars)
    i, n = 0, len(chars)
    while i < n:
        if _is_filler(chars[i]):
            j = i
            while j < n and _is_filler(chars[j]):
                j += 1
            if i > 0 and j < n and is_cjk(chars[i - 1]) and is_cjk(chars[j]):
                for k in range(i, j):
                    keep[k] = False
            i = j
        else:
            i += 1
    if all(keep):
        return chars, offsets
    return (
        [c for c, k in zip(chars, keep, strict=True) if k],
        tuple([s for s, k in zip(off, keep, strict=True) if k] for off in offsets),
    )


def _join_spelled_out_letters(chars: list[str], starts: list[int], sep: str) -> tuple[list[str], list[int]]:
    """A word spelled out letter by letter is one word: "l a o l a i" in Chinese text, "P.a.y" in English."""
    n = len(chars)
    if sep not in chars:
        return chars, starts

    def lone(i: int) -> bool:
        return (
            0 <= i < n
            and chars[i].isascii()
            and chars[i].isalpha()
            and (i == 0 or not _is_ascii_alnum(chars[i - 1]))
            and (i + 1 == n or not _is_ascii_alnum(chars[i + 1]))
        )

    drop = {i for i in range(1, n - 1) if chars[i] == sep and lone(i - 1) and lone(i + 1)}
    if not drop:
        return chars, starts
    return [c for i, c in enumerate(chars) if i not in drop], [s for i, s in enumerate(starts) if i not in drop]


def _is_filler(ch: str) -> bool:
    return ch in _FILLERS or unicodedata.category(ch) in ("So", "Sk", "Zs")


def _rewrite_table(lexicon: Lexicon) -> dict[str, str]:
    """Variant spelling -> canonical word.

    From each pinyin word: every mix of characters, full syllables and initials (fan罪, gong安, tx录, 单wei),
    also with a space where Latin meets Chinese (单 wei); fully Latin spellings only when 5 letters or longer
    (zhengxin, tong xun lu) because short ones collide with names and English words.
    """
    table: dict[str, str] = {}
    for word, syllables in lexicon.pinyin_words.items():
        pinyin = syllables.split()
        if len(pinyin) != len(word):
            raise ValueError(f"lexicon.yaml: pinyin_words: {word}: {len(word)} characters but {len(pinyin)} syllables")
        options = [[c, p] + ([p[0]] if len(p) > 1 else []) for c, p in zip(word, pinyin, strict=True)]
        for parts in itertools.product(*options):
            latin = [x.isascii() for x in parts]
            if not any(latin):
                continue
            if all(latin):
                if list(parts) == pinyin and len("".join(pinyin)) >= 5:
                    table.setdefault("".join(pinyin), word)
                    table.setdefault(" ".join(pinyin), word)
                continue
            table.setdefault("".join(parts), word)
            spaced = parts[0]
            for cur, was_latin, is_latin in zip(parts[1:], latin, latin[1:], strict=False):
                spaced += (" " if was_latin != is_latin else "") + cur
            table.setdefault(spaced, word)
    for short, word in lexicon.abbreviations.items():
        table[short.lower()] = word
    for variant, word in lexicon.replacements.items():
        table[_T2S.convert(unicodedata.normalize("NFKC", variant)).lower()] = word
    return table
