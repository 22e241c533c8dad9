"""Load, validate and cross-check the knowledge base. Every problem is reported with file, entry, field, line.

Layout (knowledge/README.md):
    taxonomy.yaml  lexicon.yaml  languages.yaml  regions.yaml  vocab/*.yaml
    signals/<lang>/<category>.yaml            what messages say, per language of the message
    topics/<topic>.yaml                       questions people ask, per language
    jurisdictions/<code>/jurisdiction.yaml    name, numbers, currency, phone formats, late hours, cues
    jurisdictions/<code>/laws.yaml            laws and citations
    jurisdictions/<code>/channels.yaml        where to complain or get help
    jurisdictions/<code>/judgements/<category>.yaml   what the law says about each category (finer per signal)
    jurisdictions/<code>/answers.yaml         the answer to every topic
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.kb import schema
from bot.kb.schema import (
    AnswersFile,
    Channel,
    ChannelsFile,
    Citation,
    JudgementFields,
    JudgementFile,
    Jurisdiction,
    JurisdictionFile,
    LanguagesFile,
    Law,
    LawsFile,
    Lexicon,
    NextSteps,
    Pattern,
    Region,
    RegionsFile,
    Replies,
    SignalPart,
    SignalsFile,
    Taxonomy,
    Text,
    TextList,
    Topic,
    TopicAnswer,
    TopicsFile,
    VocabFile,
)
from bot.kb.yamlio import KBError, LocatedYAML, load_located

M = TypeVar("M", bound=BaseModel)
GENERAL = "general"  # the honest-scope judge for regions the knowledge base does not cover
# words of research notes that must never reach a user
RESEARCH_MARKERS = re.compile(
    r"尚待核实|尚待核實|未经核实|未經核實|待核实|待核實|未核实|未核實"
    r"|UNCONFIRMED|\bTODO\b|\bFIXME\b|\bTBD\b"
    r"|(?i:\bunconfirmed\b|\bnot yet (?:verified|confirmed)\b"
    r"|\bcould not be (?:verified|confirmed)\b|\bnot verified\))"
)


class KBInvalid(Exception):
    def __init__(self, errors: list[KBError]):
        self.errors = errors
        shown = "\n".join(e.describe() for e in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"the knowledge base has {len(errors)} error(s):\n{shown}{more}")


@dataclass(frozen=True)
class Signal:
    """A practice as a message shows it, merged over the languages it is written in."""

    id: str
    category: str
    title: Text
    patterns: tuple[Pattern, ...]
    context: tuple[str, ...]
    only: frozenset[str]
    examples: tuple[tuple[str, str], ...]  # (lang, text)
    counter_examples: tuple[tuple[str, str], ...]
    # each language part's patterns with its own context (a Chinese part's context words mean nothing to English)
    parts: tuple[tuple[tuple[Pattern, ...], tuple[str, ...]], ...] = ()

    def applies_in(self, jurisdiction: str) -> bool:
        return not self.only or jurisdiction in self.only


@dataclass(frozen=True)
class Judgement:
    """What one jurisdiction says about one signal (category fields with the signal's own on top)."""

    jurisdiction: str
    category: str
    kind: str
    severity: str
    explanation: Text
    what_to_do: Text
    legal_basis: tuple[str, ...]
    replies: Replies
    next_steps: NextSteps


@dataclass
class JurisdictionData:
    info: Jurisdiction
    folder: Path
    judgements: dict[str, JudgementFile] = field(default_factory=dict)
    answers: dict[str, TopicAnswer] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.info.code


@dataclass
class KnowledgeBase:
    root: Path
    taxonomy: Taxonomy
    lexicon: Lexicon
    languages: LanguagesFile
    regions: dict[str, Region] = field(default_factory=dict)
    jurisdictions: dict[str, JurisdictionData] = field(default_factory=dict)
    laws: dict[str, Law] = field(default_factory=dict)
    citations: dict[str, Citation] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    vocab: dict[str, list[str]] = field(default_factory=dict)
    signals: list[Signal] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # "signal:<id>", "topic:<id>" -> file
    warnings: list[KBError] = field(default_factory=list)
    problems: list[KBError] = field(default_factory=list)  # only filled in lenient mode
    _judgements: dict[tuple[str, str], Judgement] = field(default_factory=dict)

    def kind_of(self, category: str) -> str:
        return self.taxonomy.practices[category]["kind"]

    @property
    def signal_by_id(self) -> dict[str, Signal]:
        return {s.id: s for s in self.signals}

    @property
    def topic_by_id(self) -> dict[str, Topic]:
        return {t.id: t for t in self.topics}

    @property
    def covered(self) -> list[str]:
        """Codes of the jurisdictions whose law the knowledge base covers, in file order."""
        return [c for c, j in self.jurisdictions.items() if j.info.covered]

    def judge_for(self, region: str) -> JurisdictionData:
        """The jurisdiction whose judgements apply to a region: its own, or the honest-scope one."""
        return self.jurisdictions.get(region) or self.jurisdictions[GENERAL]

    def judgement(self, jurisdiction: str, signal: Signal) -> Judgement:
        data = self.judge_for(jurisdiction)
        key = (data.code, signal.id)
        found = self._judgements.get(key)
        if found is None:
            found = self._judgements[key] = _resolve(data, signal, self.kind_of(signal.category))
        return found


def _resolve(data: JurisdictionData, signal: Signal, kind: str) -> Judgement:
    cat = data.judgements[signal.category]
    own = cat.signals.get(signal.id)

    def pick(name: str) -> Any:
        value = getattr(own, name, None) if own is not None else None
        return value if value is not None else getattr(cat, name)

    return Judgement(
        data.code,
        signal.category,
        kind,
        pick("severity"),
        pick("explanation"),
        pick("what_to_do"),
        tuple(pick("legal_basis")),
        pick("replies"),
        pick("next_steps"),
    )


def load_kb(root: Path, lenient: bool = False) -> KnowledgeBase:
    """Load everything under root; raise KBInvalid listing every error found.

    lenient (for knowledge-base authors only, RIGHTS_BOT_LENIENT_KB=1): skip broken files and entries that
    refer to unknown vocabulary, keep the problems in kb.problems instead of refusing to load.
    """
    errors: list[KBError] = []
    taxonomy = _parse(root / "taxonomy.yaml", Taxonomy, errors)
    lexicon = _parse(root / "lexicon.yaml", Lexicon, errors)
    languages = _parse(root / "languages.yaml", LanguagesFile, errors)
    if taxonomy is None or lexicon is None or languages is None:
        raise KBInvalid(errors)
    schema.FALLBACK_ORDER[:] = languages.fallback or [languages.default, *languages.languages]
    kb = KnowledgeBase(root, taxonomy, lexicon, languages)
    seen: dict[tuple[str, str], Path] = {}

    def unique(kind: str, key: str, path: Path) -> bool:
        if (kind, key) in seen:
            errors.append(KBError(path, f"duplicate {kind} id (also in {seen[(kind, key)]})", entry=key))
            return False
        seen[(kind, key)] = path
        return True

    regions = _parse(root / "regions.yaml", RegionsFile, errors)
    if regions:
        kb.regions = dict(regions.regions)
    for path in sorted((root / "vocab").glob("*.yaml")):
        vdoc = _parse(path, VocabFile, errors)
        if vdoc:
            for k, v in vdoc.vocab.items():
                if unique("vocab", k, path):
                    kb.vocab[k] = [str(t) for t in v]
    for folder in sorted(p for p in (root / "jurisdictions").iterdir() if p.is_dir()):
        _load_jurisdiction(kb, folder, errors, unique)
    parts: dict[str, list[tuple[SignalPart, Path]]] = {}
    for path in sorted((root / "signals").rglob("*.yaml")):
        sdoc = _parse(path, SignalsFile, errors)
        if sdoc:
            for part in sdoc.signals:
                parts.setdefault(part.id, []).append((part, path))
    for sid, found in parts.items():
        signal = _merge_signal(sid, found, errors)
        if signal is not None:
            kb.signals.append(signal)
            kb.files["signal:" + sid] = found[0][1]
    for path in sorted((root / "topics").glob("*.yaml")):
        tdoc = _parse(path, TopicsFile, errors)
        if tdoc:
            for t in tdoc.topics:
                if unique("topic", t.id, path):
                    kb.topics.append(t)
                    kb.files["topic:" + t.id] = path
    errors.extend(cross_check(kb))
    if errors and not lenient:
        raise KBInvalid(errors)
    if lenient:
        kb.problems = errors
        kb.signals = [
            s
            for s in kb.signals
            if all(t[1:] in kb.vocab for pat in s.patterns for t in _pattern_terms(pat) if t.startswith("$"))
        ]
        kb.topics = [
            t
            for t in kb.topics
            if all(x[1:] in kb.vocab for pat in t.patterns for x in _pattern_terms(pat) if x.startswith("$"))
        ]
        kb.jurisdictions = {
            c: j for c, j in kb.jurisdictions.items() if set(kb.taxonomy.practices) <= set(j.judgements)
        }
    return kb


def _load_jurisdiction(kb: KnowledgeBase, folder: Path, errors: list[KBError], unique: Any) -> None:
    jdoc = _parse(folder / "jurisdiction.yaml", JurisdictionFile, errors)
    if jdoc is None:
        return
    info = jdoc.jurisdiction
    code = info.code
    expected = GENERAL if code == GENERAL else code.lower()
    if folder.name != expected:
        errors.append(
            KBError(
                folder / "jurisdiction.yaml",
                f"the folder of jurisdiction {code} must be named {expected!r}",
                field="jurisdiction.code",
            )
        )
        return
    if not unique("jurisdiction", code, folder / "jurisdiction.yaml"):
        return
    data = JurisdictionData(info, folder)
    prefix = folder.name + "."
    ldoc = _parse(folder / "laws.yaml", LawsFile, errors, optional=code == GENERAL)
    if ldoc:
        for k, law in ldoc.laws.items():
            if _owned(k, prefix, folder / "laws.yaml", "law", errors) and unique("law", k, folder):
                kb.laws[k] = law.model_copy(update={"jurisdiction": code})
        for k, cit in ldoc.citations.items():
            if _owned(k, prefix, folder / "laws.yaml", "citation", errors) and unique("citation", k, folder):
                kb.citations[k] = cit
    cdoc = _parse(folder / "channels.yaml", ChannelsFile, errors, optional=code == GENERAL)
    if cdoc:
        for k, ch in cdoc.channels.items():
            if _owned(k, prefix, folder / "channels.yaml", "channel", errors) and unique("channel", k, folder):
                kb.channels[k] = ch.model_copy(update={"jurisdiction": code})
    for path in sorted((folder / "judgements").glob("*.yaml")):
        judg = _parse(path, JudgementFile, errors)
        if judg:
            if judg.category != path.stem:
                errors.append(
                    KBError(
                        path,
                        f"the file of category {judg.category} must be named {judg.category}.yaml",
                        field="category",
                    )
                )
            elif unique("judgement", f"{code}:{judg.category}", path):
                data.judgements[judg.category] = judg
    adoc = _parse(folder / "answers.yaml", AnswersFile, errors)
    if adoc:
        data.answers = dict(adoc.answers)
    kb.jurisdictions[code] = data


def _owned(key: str, prefix: str, path: Path, kind: str, errors: list[KBError]) -> bool:
    if key.startswith(prefix):
        return True
    errors.append(KBError(path, f"{kind} ids of this jurisdiction start with {prefix!r}", entry=key))
    return False


def _merge_signal(sid: str, found: list[tuple[SignalPart, Path]], errors: list[KBError]) -> Signal | None:
    first, path = found[0]
    titles = [(p.title, pth) for p, pth in found if p.title is not None]
    ok = True
    for part, pth in found:
        if part.category != first.category:
            errors.append(
                KBError(
                    pth,
                    f"category {part.category} differs from {first.category} in {path}",
                    entry=sid,
                    field="category",
                )
            )
            ok = False
        if set(part.only) != set(first.only):
            errors.append(KBError(pth, f"`only` differs from {path}", entry=sid, field="only"))
            ok = False
    if len(titles) != 1:
        where = ", ".join(str(p) for _, p in titles) or "no part"
        errors.append(
            KBError(
                path, f"a signal needs a title in exactly one of its parts (found in {where})", entry=sid, field="title"
            )
        )
        ok = False
    patterns = tuple(p for part, _ in found for p in part.patterns)
    if not patterns:
        errors.append(KBError(path, "a signal needs at least one pattern", entry=sid, field="patterns"))
        ok = False
    if not ok:
        return None
    return Signal(
        sid,
        first.category,
        titles[0][0],
        patterns,
        tuple(str(c) for part, _ in found for c in part.context),
        frozenset(first.only),
        tuple(x for part, _ in found for x in part.examples.all()),
        tuple(x for part, _ in found for x in part.counter_examples.all()),
        tuple((tuple(part.patterns), tuple(str(c) for c in part.context)) for part, _ in found if part.patterns),
    )


def _parse(path: Path, model: type[M], errors: list[KBError], optional: bool = False) -> M | None:
    if not path.exists():
        if not optional:
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
        if len(loc) >= 2 and isinstance(loc[1], int) and loc[0] in ("signals", "topics"):
            try:
                entry = str(located.data[loc[0]][loc[1]].get("id") or f"{loc[0]}[{loc[1]}]")
            except (AttributeError, IndexError, KeyError, TypeError):
                entry = f"{loc[0]}[{loc[1]}]"
            rest = loc[2:]
        elif len(loc) >= 2 and loc[0] in (
            "laws",
            "citations",
            "channels",
            "vocab",
            "answers",
            "signals",
            "regions",
            "languages",
        ):
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
    """References between files, coverage of the taxonomy, the legal-basis rule and own-jurisdiction rules.

    Missing translations are warnings (kb.warnings): the text falls back to another language.
    """
    errors: list[KBError] = []
    tax_practices, tax_topics = kb.taxonomy.practices, kb.taxonomy.topics
    langs = kb.languages.languages
    root = kb.root
    if kb.languages.default not in langs:
        errors.append(
            KBError(root / "languages.yaml", f"unknown default language {kb.languages.default}", field="default")
        )
    known_regions = set(kb.jurisdictions) | set(kb.regions)
    for code in kb.regions:
        if code in kb.jurisdictions:
            errors.append(
                KBError(
                    root / "regions.yaml",
                    f"{code} is a covered jurisdiction; its cues belong in "
                    f"jurisdictions/{code.lower()}/jurisdiction.yaml",
                    entry=code,
                )
            )
    # an unquoted +852 in YAML is the number 852: as a cue it would match "逾期852天" (write '+852')
    cue_files = [(code, root / "regions.yaml", r.cues) for code, r in kb.regions.items()]
    cue_files += [(code, d.folder / "jurisdiction.yaml", d.info.cues) for code, d in kb.jurisdictions.items()]
    for code, path, cues in cue_files:
        for cue in cues:
            bare = cue.lstrip("~")
            if bare.isdigit() and len(bare) < 5 and not bare.startswith("0"):
                kb.warnings.append(
                    KBError(
                        path,
                        f"cue {cue!r} is a bare short number (an unquoted +{cue} in "
                        f"YAML?): it matches amounts and days; quote it: '+{cue}'",
                        entry=code,
                        field="cues",
                    )
                )
    for code, lang in langs.items():
        if not (root / "signals" / lang.signals).is_dir():
            errors.append(
                KBError(root / "languages.yaml", f"no folder signals/{lang.signals}", entry=code, field="signals")
            )
        if lang.region not in known_regions:
            errors.append(KBError(root / "languages.yaml", f"unknown region {lang.region}", entry=code, field="region"))
    if GENERAL not in kb.jurisdictions:
        errors.append(KBError(root / "jurisdictions" / GENERAL, "the honest-scope judge `general` is missing"))

    def texts(obj: Any, where: str) -> Iterable[tuple[str, Text | TextList]]:
        if isinstance(obj, (Text, TextList)):
            yield where, obj
        elif isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                yield from texts(getattr(obj, name), f"{where}.{name}" if where else name)
        elif isinstance(obj, dict):
            for k, v in obj.items():
                yield from texts(v, f"{where}.{k}" if where else str(k))
        elif isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                yield from texts(v, f"{where}.{i}")

    def check_texts(obj: Any, path: Path, entry: str, where: str = "") -> None:
        for fld, text in texts(obj, where):
            unknown = text.languages - set(langs)
            if unknown:
                errors.append(KBError(path, f"unknown language(s) {sorted(unknown)}", entry=entry, field=fld))
            missing = set(langs) - text.languages
            if missing:
                kb.warnings.append(
                    KBError(
                        path, f"no translation for {', '.join(sorted(missing))} (falls back)", entry=entry, field=fld
                    )
                )
            values = text.root.values()
            for v in values:
                for s in [v] if isinstance(v, str) else v:
                    m = RESEARCH_MARKERS.search(s)
                    if m:
                        errors.append(
                            KBError(path, f"a research note reaches users: {m.group(0)!r}", entry=entry, field=fld)
                        )

    def check_superseded(
        path: Path, entry: str, refs: list[str], allowed: list[str], fld: str, own: list[str] | None
    ) -> None:
        """The law in force first: citing a superseded law is an error, unless the entry lists the citation under
        `historical:` because its text speaks of an event before the change (knowledge/README.md)."""

        def old_law(ref: str) -> str:
            c = kb.citations.get(ref)
            law = kb.laws.get(c.law) if c is not None else None
            return law.superseded_by if law is not None else ""

        for ref in refs:
            newer = old_law(ref)
            if newer and ref not in allowed:
                errors.append(
                    KBError(
                        path,
                        f"{ref} cites a law superseded by {newer}: cite the law in force, or "
                        f"list {ref} under `historical:` if the text speaks of an event before the "
                        f"change",
                        entry=entry,
                        field=fld,
                    )
                )
        for ref in own or []:
            if ref not in refs:
                errors.append(
                    KBError(
                        path, f"{ref} is listed as historical but not cited in {fld}", entry=entry, field="historical"
                    )
                )
            elif not old_law(ref):
                errors.append(
                    KBError(
                        path,
                        f"{ref} is listed as historical but its law is not superseded",
                        entry=entry,
                        field="historical",
                    )
                )

    for cid, c in kb.citations.items():
        path = root / "jurisdictions"
        if c.law not in kb.laws:
            errors.append(KBError(path, f"citation refers to unknown law {c.law}", entry=cid, field="law"))
        check_texts(c, path, cid)
    for lid, law in kb.laws.items():
        if law.superseded_by and law.superseded_by not in kb.laws:
            errors.append(
                KBError(root / "jurisdictions", f"unknown law {law.superseded_by}", entry=lid, field="superseded_by")
            )
    for chid, ch in kb.channels.items():
        check_texts(ch, root / "jurisdictions" / ch.jurisdiction.lower(), chid)
    for o in kb.lexicon.overrides:
        for cat in [o.category, *o.by]:
            if cat not in tax_practices:
                errors.append(KBError(root / "lexicon.yaml", f"unknown category {cat}", field="overrides"))

    # signals: what messages say
    signal_ids = set()
    for s in kb.signals:
        path = kb.files["signal:" + s.id]
        signal_ids.add(s.id)

        def err(msg: str, fld: str, sid: str = s.id, file: Path = path) -> None:
            errors.append(KBError(file, msg, entry=sid, field=fld))

        if s.category not in tax_practices:
            err(f"unknown taxonomy category {s.category!r}", "category")
            continue
        if not s.id.startswith(s.category + "."):
            err(f"id must start with '{s.category}.'", "id")
        for code in s.only:
            if code not in kb.jurisdictions:
                err(f"unknown jurisdiction {code!r}", "only")
        if not s.examples:
            err("at least one example is needed", "examples")
        for example_lang, _ in (*s.examples, *s.counter_examples):
            if example_lang not in langs:
                err(f"unknown language {example_lang!r}", "examples")
        for i, pat in enumerate(s.patterns):
            for term in _pattern_terms(pat):
                if term.startswith("$") and term[1:] not in kb.vocab:
                    err(f"unknown vocabulary list {term}", f"patterns.{i}")
        for term in s.context:
            if term.startswith("$") and term[1:] not in kb.vocab:
                err(f"unknown vocabulary list {term}", "context")
        check_texts(s.title, path, s.id, "title")
    covered = Counter(s.category for s in kb.signals)
    for cat in tax_practices:
        if not covered[cat]:
            errors.append(KBError(root / "signals", f"no signal detects category {cat}"))

    # jurisdictions: what the law says
    topic_ids = {t.id for t in kb.topics}
    for code, data in kb.jurisdictions.items():
        jpath = data.folder / "jurisdiction.yaml"
        info = data.info

        def own(ref: str, code: str = code) -> bool:
            return ref.split(".", 1)[0] == code.lower()

        check_texts(info, jpath, code)
        if info.default_language not in langs:
            errors.append(KBError(jpath, f"unknown language {info.default_language}", field="default_language"))
        for fld, ids in (
            ("emergency", info.emergency),
            ("crisis_lines", info.crisis_lines),
            ("police", [info.police] if info.police else []),
        ):
            for cid in ids:
                if cid not in kb.channels or not own(cid):
                    errors.append(KBError(jpath, f"unknown channel {cid!r} (channels of {code} only)", field=fld))
        if info.covered and not info.crisis_lines:
            errors.append(KBError(jpath, "a covered jurisdiction needs its crisis lines", field="crisis_lines"))
        for cat in tax_practices:
            if cat not in data.judgements:
                errors.append(KBError(data.folder / "judgements", f"no judgement for category {cat}", entry=code))
        for cat, judg in data.judgements.items():
            path = data.folder / "judgements" / f"{cat}.yaml"
            if cat not in tax_practices:
                errors.append(KBError(path, f"unknown taxonomy category {cat!r}", field="category"))
                continue
            check_texts(judg, path, cat)
            for sid in judg.signals:
                if sid not in signal_ids:
                    errors.append(KBError(path, f"unknown signal {sid!r}", entry=sid))
                elif kb.signal_by_id[sid].category != cat:
                    errors.append(KBError(path, f"signal {sid} belongs to {kb.signal_by_id[sid].category}", entry=sid))
            entries: list[tuple[str, JudgementFile | JudgementFields]] = [(cat, judg), *judg.signals.items()]
            for entry, fields in entries:
                basis = list(fields.legal_basis or [])
                steps = fields.next_steps
                for ref in basis:
                    if ref not in kb.citations:
                        errors.append(KBError(path, f"unknown citation {ref!r}", entry=entry, field="legal_basis"))
                    elif not own(ref):
                        errors.append(
                            KBError(path, f"{ref} is another jurisdiction's law", entry=entry, field="legal_basis")
                        )
                for cid in steps.channels if steps else []:
                    if cid not in kb.channels or not own(cid):
                        errors.append(
                            KBError(
                                path,
                                f"unknown channel {cid!r} (channels of {code} only)",
                                entry=entry,
                                field="next_steps.channels",
                            )
                        )
                if fields.legal_basis is not None:
                    inherited = judg.historical if fields.historical is None else fields.historical
                    check_superseded(path, entry, basis, inherited, "legal_basis", fields.historical)
                if not info.covered and basis:
                    errors.append(KBError(path, "an uncovered region cites no law", entry=entry, field="legal_basis"))
            if info.covered and kb.kind_of(cat) == "unlawful":
                for entry, fields in entries:
                    basis = list(fields.legal_basis if fields.legal_basis is not None else judg.legal_basis)
                    usable = [r for r in basis if r in kb.citations and kb.citations[r].status != "unconfirmed"]
                    if not usable:
                        errors.append(
                            KBError(
                                path,
                                "an unlawful practice needs a legal basis that is not UNCONFIRMED",
                                entry=entry,
                                field="legal_basis",
                            )
                        )
        apath = data.folder / "answers.yaml"
        for tid in topic_ids:
            if tid not in data.answers:
                errors.append(KBError(apath, f"no answer for topic {tid}", entry=tid))
        for tid, ans in data.answers.items():
            if tid not in topic_ids:
                errors.append(KBError(apath, f"unknown topic {tid!r}", entry=tid))
            check_texts(ans, apath, tid)
            for ref in ans.sources:
                if ref not in kb.citations or not own(ref):
                    errors.append(
                        KBError(
                            apath, f"unknown citation {ref!r} (citations of {code} only)", entry=tid, field="sources"
                        )
                    )
            for cid in ans.channels:
                if cid not in kb.channels or not own(cid):
                    errors.append(
                        KBError(
                            apath, f"unknown channel {cid!r} (channels of {code} only)", entry=tid, field="channels"
                        )
                    )
            check_superseded(apath, tid, ans.sources, ans.historical, "sources", ans.historical)

    for t in kb.topics:
        path = kb.files["topic:" + t.id]
        if t.taxonomy_id not in tax_topics:
            fld = "maps_to" if t.maps_to else "id"
            errors.append(KBError(path, f"unknown taxonomy topic {t.taxonomy_id!r}", entry=t.id, field=fld))
        for cat in t.related_categories:
            if cat not in tax_practices:
                errors.append(KBError(path, f"unknown category {cat!r}", entry=t.id, field="related_categories"))
        for term in [*t.keywords, *(x for pat in t.patterns for x in _pattern_terms(pat))]:
            if term.startswith("$") and term[1:] not in kb.vocab:
                errors.append(KBError(path, f"unknown vocabulary list {term}", entry=t.id, field="patterns"))
        if not t.questions.all():
            errors.append(KBError(path, "questions are needed", entry=t.id, field="questions"))
        check_texts(t.title, path, t.id, "title")
    for tid in tax_topics:
        if not any(t.taxonomy_id == tid for t in kb.topics):
            errors.append(KBError(root / "topics", f"no topic file covers topic {tid}", entry=tid))
    return errors


def _pattern_terms(pat: Any) -> list[str]:
    terms = list(pat.any or []) + [t for g in (pat.all or []) for t in g] + list(pat.unless)
    return [str(t) for t in terms]
