"""Machine-readable forms of assessments and answers (the JSON contract of the CLI)."""

from __future__ import annotations

from typing import Any

from bot.audience import Audience
from bot.engine import Answer, Assessment, Engine
from bot.judge import Finding, Judge


def audience_json(a: Audience) -> dict[str, Any]:
    """Which law was applied and how it was chosen: given (by the user or caller), inferred (from the message's
    cue) or default (the language's usual region). law_applied is null for a region the knowledge base does not
    cover: nothing was cited."""
    out: dict[str, Any] = {
        "jurisdiction": a.region,
        "jurisdiction_source": a.how,
        "law_applied": a.judge if a.covered else None,
    }
    if a.cue:
        out["jurisdiction_cue"] = a.cue
    return out


def finding_json(judge: Judge, f: Finding, lang: str, full: bool = False) -> dict[str, Any]:
    j = f.judgement
    item: dict[str, Any] = {
        "practice": f.id,
        "category": f.category,
        "kind": f.kind,
        "severity": f.severity,
        "title": f.signal.title.get(lang),
        "evidence": f.evidence,
        "start": f.start,
        "end": f.end,
        "source": f.source,
        "legal_basis": [_citation_json(c) for c in judge.citations(j.legal_basis, lang)],
    }
    if f.source != "pattern":
        item["confidence"] = round(f.score, 3)
        if f.basis:
            item["resembles"] = f.basis
    if full:
        item["explanation"] = j.explanation.get(lang)
        item["what_to_do"] = j.what_to_do.get(lang)
        item["replies"] = {"short": j.replies.short.get(lang), "formal": j.replies.formal.get(lang)}
        if j.replies.accepting is not None:
            item["replies"]["accepting"] = j.replies.accepting.get(lang)
        item["next_steps"] = {
            "evidence": j.next_steps.evidence.get(lang),
            "channels": judge.channels(j.next_steps.channels, lang),
        }
    return item


def _citation_json(c: dict[str, Any]) -> dict[str, Any]:
    return {k: c[k] for k in ("id", "law", "article", "effective", "status", "as_of")}


def assessment_json(engine: Engine, a: Assessment, item_id: Any = None, full: bool = False) -> dict[str, Any]:
    judge = engine.judge(a.audience)
    out: dict[str, Any] = {}
    if item_id is not None or not full:
        out["id"] = item_id
    out.update({"verdict": a.verdict, "categories": a.categories, "lang": a.lang, **audience_json(a.audience)})
    out["findings"] = [finding_json(judge, f, a.lang, full) for f in a.findings]
    out["entities"] = a.entities
    if a.warnings:
        out["warning"] = "; ".join(a.warnings)
    return out


def answer_json(engine: Engine, a: Answer, item_id: Any = None, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item_id,
        "topic": a.taxonomy_topic or a.topic,
        "score": round(a.score, 3),
        "alternatives": [
            {
                "topic": engine.kb.topic_by_id[t.topic].taxonomy_id if t.topic in engine.kb.topic_by_id else t.topic,
                "score": round(t.score, 3),
            }
            for t in a.alternatives
        ],
        "confident": a.confident,
        "lang": a.lang,
        **audience_json(a.audience),
    }
    if a.topic != out["topic"]:
        out["kb_topic"] = a.topic
    if a.crisis.crisis:
        out["crisis"] = {
            "source": a.crisis.source,
            "score": round(a.crisis.score, 3),
            "start": a.crisis.start,
            "end": a.crisis.end,
            "evidence": a.text[a.crisis.start : a.crisis.end],
        }
        if a.question is not None:
            out["question_topic"] = a.question.taxonomy_topic or a.question.topic
    if full:
        judge = engine.judge(a.audience)
        topic = engine.kb.topic_by_id.get(a.topic)
        ans = judge.answer(topic) if topic is not None else None
        if topic is not None and ans is not None:
            out["title"] = topic.title.get(a.lang)
            out["answer"] = ans.text.get(a.lang)
            out["sources"] = [_citation_json(c) for c in judge.citations(ans.sources, a.lang)]
            out["channels"] = judge.channels(ans.channels, a.lang)
    if a.warnings:
        out["warning"] = "; ".join(a.warnings)
    return out
