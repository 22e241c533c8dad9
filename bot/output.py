"""Machine-readable forms of assessments and answers (the JSON contract of the CLI)."""

from __future__ import annotations

from typing import Any

from bot.engine import Answer, Assessment, Engine
from bot.kb.schema import Practice


def legal_basis_json(engine: Engine, refs: list[str], lang: str) -> list[dict[str, Any]]:
    out = []
    for ref in refs:
        c = engine.kb.citations.get(ref)
        if c is None:
            continue
        law = engine.kb.laws[c.law]
        out.append({"id": ref, "law": law.title.get(lang), "article": c.article.get(lang),
                    "effective": c.effective or law.effective, "status": c.status, "as_of": c.as_of})
    return out


def practice_json(engine: Engine, p: Practice, lang: str) -> dict[str, Any]:
    return {"practice": p.id, "category": p.category, "kind": engine.kb.kind_of(p.category),
            "severity": p.severity, "title": p.title.get(lang)}


def assessment_json(engine: Engine, a: Assessment, item_id: Any = None, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item_id is not None or not full:
        out["id"] = item_id
    out.update({"verdict": a.verdict, "categories": a.categories, "lang": a.lang, "jurisdiction": a.jurisdiction})
    findings = []
    for f in a.findings:
        item = practice_json(engine, f.practice, a.lang)
        item.update({"evidence": f.evidence, "start": f.start, "end": f.end,
                     "legal_basis": legal_basis_json(engine, f.practice.legal_basis, a.lang)})
        if full:
            item["explanation"] = f.practice.explanation.get(a.lang)
            item["what_to_do"] = f.practice.what_to_do.get(a.lang)
            item["replies"] = {"short": f.practice.replies.short.get(a.lang),
                               "formal": f.practice.replies.formal.get(a.lang)}
            item["next_steps"] = {"evidence": f.practice.next_steps.evidence.get(a.lang),
                                  "channels": [channel_json(engine, c, a.lang) for c in f.practice.next_steps.channels
                                               if c in engine.kb.channels]}
        findings.append(item)
    out["findings"] = findings
    out["entities"] = a.entities
    if a.warnings:
        out["warning"] = "; ".join(a.warnings)
    return out


def channel_json(engine: Engine, cid: str, lang: str) -> dict[str, Any]:
    ch = engine.kb.channels[cid]
    return {"id": cid, "name": ch.name.get(lang), "contact": ch.contact, "url": ch.url, "scope": ch.scope.get(lang)}


def answer_json(engine: Engine, a: Answer, item_id: Any = None, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item_id, "topic": a.topic, "score": round(a.score, 3),
                           "alternatives": [{"topic": t.topic, "score": round(t.score, 3)} for t in a.alternatives],
                           "confident": a.confident, "lang": a.lang}
    if full:
        topic = engine.kb.topic_by_id.get(a.topic)
        if topic is not None:
            ans = topic.answers.get(a.jurisdiction) or topic.answers["CN"]
            out["title"] = topic.title.get(a.lang)
            out["answer"] = ans.text.get(a.lang)
            out["sources"] = legal_basis_json(engine, ans.sources, a.lang)
            out["channels"] = [channel_json(engine, c, a.lang) for c in engine.topic_channels(topic, a.jurisdiction)]
    if a.warnings:
        out["warning"] = "; ".join(a.warnings)
    return out
