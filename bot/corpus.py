"""The corpus of real collection messages (corpus/): loading, validation and the held-out split.

Every item is verbatim from a public source named in corpus/sources.yaml (origin `real`), or marked for what it
is: `synthetic` (machine-written or demo text a public dataset carries) or `variant` (written by the project where
real sources are thin). Only `real` items count in figures reported as real. Sources, not items, are split into
`train` and `heldout` (by source group: a repository or a site), so held-out figures are measured on sources
the patterns and the model never saw. `rights-bot corpus check` validates it the way `kb check` validates the
knowledge base: file, entry, field and line of every problem.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from bot.kb.loader import KnowledgeBase, _located_errors
from bot.kb.schema import Strict
from bot.kb.yamlio import KBError, load_located
from bot.redact import CN_ID_RE, PHONE_RE

VERDICT_ORDER = ("scam", "unlawful", "lawful")
MAX_TEXT = 2000


class CorpusSource(Strict):
    kind: Literal["code", "court", "news", "police", "regulator", "complaint_site", "forum", "research", "other"]
    ref: str = Field(min_length=1)  # repository:path, or the URL
    publisher: str = ""
    title: str = ""
    date: str = ""
    licence: str = Field(min_length=1)  # the licence, the site's terms, or "unknown (short quotation …)"
    jurisdiction: str
    notes: str = ""
    group: str = Field(min_length=1)  # the repository or site: the unit of the train / held-out split
    split: Literal["train", "heldout"]
    synthetic: bool = False  # the source's texts are machine-written or demo data


class CorpusItem(Strict):
    id: str
    source: str
    origin: Literal["real", "synthetic", "variant"]
    lang: str
    jurisdiction: str
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    filled_placeholders: bool = False
    categories: list[str] = Field(default_factory=list)
    verdict: Literal["scam", "unlawful", "lawful", "unclear"]
    note: str = ""


class SourcesFile(Strict):
    version: Literal[1]
    sources: dict[str, CorpusSource]


class ItemsFile(Strict):
    version: Literal[1]
    items: list[CorpusItem]


@dataclass
class Corpus:
    root: Path
    sources: dict[str, CorpusSource] = field(default_factory=dict)
    items: list[CorpusItem] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    def split_of(self, item: CorpusItem) -> str:
        return self.sources[item.source].split

    def select(self, split: str | None = None, origin: str | None = None) -> list[CorpusItem]:
        return [
            it
            for it in self.items
            if (split is None or self.split_of(it) == split) and (origin is None or it.origin == origin)
        ]


def load_corpus(root: Path, kb: KnowledgeBase) -> tuple[Corpus, list[KBError]]:
    corpus = Corpus(root)
    errors: list[KBError] = []
    sources_path = root / "sources.yaml"
    doc = _parse(sources_path, SourcesFile, errors)
    if doc is not None:
        corpus.sources = dict(doc.sources)
    seen: dict[str, Path] = {}
    for path in sorted((root / "items").glob("*.yaml")):
        items = _parse(path, ItemsFile, errors)
        for it in items.items if items else []:
            if it.id in seen:
                errors.append(KBError(path, f"duplicate item id (also in {seen[it.id]})", entry=it.id))
                continue
            seen[it.id] = path
            corpus.items.append(it)
            corpus.files[it.id] = path
    errors.extend(_check(corpus, kb))
    return corpus, errors


def _parse(path: Path, model: type[SourcesFile] | type[ItemsFile], errors: list[KBError]):
    try:
        located = load_located(path)
    except KBError as exc:
        errors.append(exc)
        return None
    except FileNotFoundError:
        errors.append(KBError(path, "file is missing"))
        return None
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        errors.extend(_located_errors(located, exc))
        return None


def verdict_of(categories: list[str], kb: KnowledgeBase) -> str:
    kinds = {kb.kind_of(c) for c in categories if c in kb.taxonomy.practices}
    return next((k for k in VERDICT_ORDER if k in kinds), "unclear")


def _check(corpus: Corpus, kb: KnowledgeBase) -> list[KBError]:
    errors = []
    used = Counter(it.source for it in corpus.items)
    for it in corpus.items:
        path = corpus.files[it.id]

        def err(msg: str, fld: str, item: CorpusItem = it, file: Path = path) -> None:
            errors.append(KBError(file, msg, entry=item.id, field=fld))

        src = corpus.sources.get(it.source)
        if src is None:
            err(f"unknown source {it.source!r}", "source")
        elif src.synthetic and it.origin == "real":
            err("the source's texts are synthetic: origin must be synthetic", "origin")
        if it.lang not in kb.languages.languages:
            err(f"unknown language {it.lang!r}", "lang")
        for c in it.categories:
            if c not in kb.taxonomy.practices:
                err(f"unknown taxonomy category {c!r}", "categories")
        if it.verdict != verdict_of(it.categories, kb):
            err(
                f"verdict {it.verdict} does not follow from the categories ({verdict_of(it.categories, kb)})", "verdict"
            )
        mobile = (
            next((m.group(0) for m in PHONE_RE.finditer(it.text) if _personal_mobile(m.group(0))), None)
            if it.lang.startswith("zh")
            else None
        )  # 1-800 and Indian 1860 lines look like mobiles in English
        if mobile:
            err(f"an unmasked mobile number {mobile!r} (mask personal data: 138****5678)", "text")
        if CN_ID_RE.search(it.text):
            err("an unmasked ID number (mask personal data)", "text")
    for sid in corpus.sources:
        if not used[sid]:
            errors.append(KBError(corpus.root / "sources.yaml", "source with no item", entry=sid))
    return errors


def _personal_mobile(number: str) -> bool:
    """A mainland mobile number (a person's); landlines and companies' service lines may stay."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return (len(digits) == 11 and digits.startswith("1")) or (len(digits) == 13 and digits.startswith("861"))


def datasheet_counts(corpus: Corpus) -> dict[str, object]:
    """Counts for the datasheet: items by origin, by split, and language × category of the real items."""
    real = corpus.select(origin="real")
    by_lang_cat: Counter[tuple[str, str]] = Counter()
    for it in real:
        for c in it.categories or ["(none)"]:
            by_lang_cat[(it.lang, c)] += 1
    return {
        "items": len(corpus.items),
        "by_origin": dict(Counter(it.origin for it in corpus.items)),
        "real_unsafe": sum(1 for it in real if it.verdict in ("scam", "unlawful")),
        "real_by_split": dict(Counter(corpus.split_of(it) for it in real)),
        "real_by_lang": dict(Counter(it.lang for it in real)),
        "real_by_verdict": dict(Counter(it.verdict for it in real)),
        "sources": len(corpus.sources),
        "real_by_lang_category": {f"{lang} {cat}": n for (lang, cat), n in sorted(by_lang_cat.items())},
    }
