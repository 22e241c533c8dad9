"""Load, validate and cross-check the knowledge base. Every problem is reported with file, entry, field, line."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.kb.schema import (Channel, ChannelsFile, Citation, Law, LawsFile, Lexicon, PracticesFile, Practice, Taxonomy,
                           Topic, TopicsFile, VocabFile)
from bot.kb.yamlio import KBError, LocatedYAML, load_located

M = TypeVar("M", bound=BaseModel)
JURISDICTIONS = ("CN", "US")


class KBInvalid(Exception):
    def __init__(self, errors: list[KBError]):
        self.errors = errors
        shown = "\n".join(e.describe() for e in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"the knowledge base has {len(errors)} error(s):\n{shown}{more}")


@dataclass
class KnowledgeBase:
    root: Path
    taxonomy: Taxonomy
    lexicon: Lexicon
    laws: dict[str, Law] = field(default_factory=dict)
    citations: dict[str, Citation] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    vocab: dict[str, list[str]] = field(default_factory=dict)
    practices: list[Practice] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    practice_files: dict[str, Path] = field(default_factory=dict)
    problems: list[KBError] = field(default_factory=list)   # only filled in lenient mode

    def kind_of(self, category: str) -> str:
        return self.taxonomy.practices[category]["kind"]

    @property
    def practice_by_id(self) -> dict[str, Practice]:
        return {p.id: p for p in self.practices}

    @property
    def topic_by_id(self) -> dict[str, Topic]:
        return {t.id: t for t in self.topics}


def load_kb(root: Path, lenient: bool = False) -> KnowledgeBase:
    """Load everything under root; raise KBInvalid listing every error found.

    lenient (for knowledge-base authors only, RIGHTS_BOT_LENIENT_KB=1): skip broken files and entries that
    refer to unknown vocabulary, keep the problems in kb.problems instead of refusing to load.
    """
    errors: list[KBError] = []
    taxonomy = _parse(root / "taxonomy.yaml", Taxonomy, errors)
    lexicon = _parse(root / "lexicon.yaml", Lexicon, errors)
    if taxonomy is None or lexicon is None:
        raise KBInvalid(errors)
    kb = KnowledgeBase(root, taxonomy, lexicon)
    seen: dict[tuple[str, str], Path] = {}

    def unique(kind: str, key: str, path: Path) -> bool:
        if (kind, key) in seen:
            errors.append(KBError(path, f"duplicate {kind} id (also in {seen[(kind, key)]})", entry=key))
            return False
        seen[(kind, key)] = path
        return True

    for path in sorted((root / "laws").glob("*.yaml")):
        doc = _parse(path, LawsFile, errors)
        if doc:
            for k, v in doc.laws.items():
                if unique("law", k, path):
                    kb.laws[k] = v
            for k, v in doc.citations.items():
                if unique("citation", k, path):
                    kb.citations[k] = v
    for path in sorted((root / "channels").glob("*.yaml")):
        doc = _parse(path, ChannelsFile, errors)
        if doc:
            for k, v in doc.channels.items():
                if unique("channel", k, path):
                    kb.channels[k] = v
    for path in sorted((root / "vocab").glob("*.yaml")):
        doc = _parse(path, VocabFile, errors)
        if doc:
            for k, v in doc.vocab.items():
                if unique("vocab", k, path):
                    kb.vocab[k] = [str(t) for t in v]
    for path in sorted((root / "practices").rglob("*.yaml")):
        doc = _parse(path, PracticesFile, errors)
        if doc:
            for p in doc.practices:
                if unique("practice", p.id, path):
                    kb.practices.append(p)
                    kb.practice_files[p.id] = path
    for path in sorted((root / "topics").glob("*.yaml")):
        doc = _parse(path, TopicsFile, errors)
        if doc:
            for t in doc.topics:
                if unique("topic", t.id, path):
                    kb.topics.append(t)
                    kb.practice_files["topic:" + t.id] = path
    errors.extend(cross_check(kb))
    if errors and not lenient:
        raise KBInvalid(errors)
    if lenient:
        kb.problems = errors
        kb.practices = [p for p in kb.practices
                        if all(t[1:] in kb.vocab for pat in p.patterns for t in _pattern_terms(pat) if t.startswith("$"))]
        kb.topics = [t for t in kb.topics
                     if all(x[1:] in kb.vocab for pat in t.patterns for x in _pattern_terms(pat) if x.startswith("$"))]
    return kb


def _parse(path: Path, model: type[M], errors: list[KBError]) -> M | None:
    if not path.exists():
        errors.append(KBError(path, "file is missing"))
        return None
    try:
        located = load_located(path)
    except KBError as exc:
        errors.append(exc)
        return None
    if not isinstance(located.data, dict):
        errors.append(KBError(path, "expected a mapping at the top level (version: 1, …)", line=1))
        return None
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        errors.extend(_located_errors(located, exc))
        return None


def _located_errors(located: LocatedYAML, exc: ValidationError) -> list[KBError]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        entry, rest = "", loc
        if len(loc) >= 2 and isinstance(loc[1], int) and loc[0] in ("practices", "topics"):
            try:
                entry = str(located.data[loc[0]][loc[1]].get("id") or f"{loc[0]}[{loc[1]}]")
            except (AttributeError, IndexError, KeyError, TypeError):
                entry = f"{loc[0]}[{loc[1]}]"
            rest = loc[2:]
        elif len(loc) >= 2 and loc[0] in ("laws", "citations", "channels", "vocab"):
            entry, rest = str(loc[1]), loc[2:]
        fieldname = ".".join(str(x) for x in rest)
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field (typo?)"
        out.append(KBError(located.path, msg, entry=entry, field=fieldname, line=located.line_of(loc)))
    return out


def cross_check(kb: KnowledgeBase) -> list[KBError]:
    """References between files, coverage of the taxonomy, and the legal-basis rule."""
    errors: list[KBError] = []
    tax_practices, tax_topics = kb.taxonomy.practices, kb.taxonomy.topics
    for cid, c in kb.citations.items():
        if c.law not in kb.laws:
            errors.append(KBError(kb.root / "laws", f"citation refers to unknown law {c.law}", entry=cid, field="law"))
    for o in kb.lexicon.overrides:
        for cat in [o.category, *o.by]:
            if cat not in tax_practices:
                errors.append(KBError(kb.root / "lexicon.yaml", f"unknown category {cat}", field="overrides"))
    for p in kb.practices:
        path = kb.practice_files[p.id]

        def err(msg: str, fld: str, pid: str = p.id, file: Path = path) -> None:
            errors.append(KBError(file, msg, entry=pid, field=fld))

        if p.category not in tax_practices:
            err(f"unknown taxonomy category {p.category!r}", "category")
            continue
        if p.jurisdiction not in JURISDICTIONS:
            err(f"unknown jurisdiction {p.jurisdiction!r}", "jurisdiction")
        if not p.id.startswith(p.jurisdiction.lower() + "."):
            err(f"id must start with '{p.jurisdiction.lower()}.'", "id")
        for ref in p.legal_basis:
            if ref not in kb.citations:
                err(f"unknown citation {ref!r}", "legal_basis")
        kind = kb.kind_of(p.category)
        if kind == "unlawful":
            usable = [r for r in p.legal_basis if r in kb.citations and kb.citations[r].status != "unconfirmed"]
            if not usable:
                err("an unlawful practice needs a legal basis that is not UNCONFIRMED", "legal_basis")
        for ch in p.next_steps.channels:
            if ch not in kb.channels:
                err(f"unknown channel {ch!r}", "next_steps.channels")
        if not p.examples.all():
            err("at least one example is needed", "examples")
        for i, pat in enumerate(p.patterns):
            for term in _pattern_terms(pat):
                if term.startswith("$") and term[1:] not in kb.vocab:
                    err(f"unknown vocabulary list {term}", f"patterns.{i}")
        for term in p.context:
            if term.startswith("$") and term[1:] not in kb.vocab:
                err(f"unknown vocabulary list {term}", "context")
    covered = Counter((p.jurisdiction, p.category) for p in kb.practices)
    for jur in JURISDICTIONS:
        for cat in tax_practices:
            if not covered[(jur, cat)]:
                errors.append(KBError(kb.root / "practices" / jur.lower(), f"no practice covers category {cat}",
                                      entry=jur))
    topic_ids = {t.id for t in kb.topics}
    for t in kb.topics:
        path = kb.practice_files["topic:" + t.id]
        if t.id not in tax_topics:
            errors.append(KBError(path, f"unknown taxonomy topic {t.id!r}", entry=t.id, field="id"))
        if "CN" not in t.answers:
            errors.append(KBError(path, "an answer for CN is required", entry=t.id, field="answers"))
        for jur, ans in t.answers.items():
            for ref in ans.sources:
                if ref not in kb.citations:
                    errors.append(KBError(path, f"unknown citation {ref!r}", entry=t.id, field=f"answers.{jur}.sources"))
        for cat in t.related_categories:
            if cat not in tax_practices:
                errors.append(KBError(path, f"unknown category {cat!r}", entry=t.id, field="related_categories"))
        for ch in t.channels:
            if ch not in kb.channels:
                errors.append(KBError(path, f"unknown channel {ch!r}", entry=t.id, field="channels"))
        for term in [*t.keywords, *(x for pat in t.patterns for x in _pattern_terms(pat))]:
            if term.startswith("$") and term[1:] not in kb.vocab:
                errors.append(KBError(path, f"unknown vocabulary list {term}", entry=t.id, field="patterns"))
        if not t.questions.all():
            errors.append(KBError(path, "questions are needed", entry=t.id, field="questions"))
    for tid in tax_topics:
        if tid not in topic_ids:
            errors.append(KBError(kb.root / "topics", f"no topic file covers topic {tid}", entry=tid))
    return errors


def _pattern_terms(pat: Any) -> list[str]:
    terms = list(pat.any or []) + [t for g in (pat.all or []) for t in g] + list(pat.unless)
    return [str(t) for t in terms]
