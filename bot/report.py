"""Plain-text reports for the terminal (the Telegram handlers render HTML from templates instead)."""

from __future__ import annotations

from bot.engine import Answer, Assessment, Engine
from bot.i18n import gettext_for


def verdict_label(verdict: str, lang: str) -> str:
    _ = gettext_for(lang)
    return {"scam": _("Probably a scam"), "unlawful": _("Unlawful collection"),
            "lawful": _("Lawful"), "unclear": _("Unclear: nothing recognised")}[verdict]


def assessment_text(engine: Engine, a: Assessment) -> str:
    _ = gettext_for(a.lang)
    lines = [f"{_('Verdict')}: {verdict_label(a.verdict, a.lang)}  [{a.jurisdiction}]"]
    for f in a.findings:
        p = f.practice
        lines.append("")
        lines.append(f"• {p.title.get(a.lang)} ({p.category})")
        lines.append(f"  {_('Quoted words')}: «{f.evidence}» [{f.start}:{f.end}]")
        lines.append(f"  {p.explanation.get(a.lang)}")
        for ref in p.legal_basis:
            c = engine.kb.citations.get(ref)
            if c:
                law = engine.kb.laws[c.law]
                note = "" if c.status == "confirmed" else f" ({_('reported wording; check the official text')})"
                lines.append(f"  {_('Legal basis')}: {law.title.get(a.lang)} {c.article.get(a.lang)}{note}")
        lines.append(f"  {_('What to do')}: {p.what_to_do.get(a.lang)}")
        for r in p.replies.short.get(a.lang):
            lines.append(f"  {_('You can reply')}: {r}")
    if a.verdict == "unclear":
        lines.append(_("No collection practice was recognised in this text."))
    for w in a.warnings:
        lines.append(f"({w})")
    return "\n".join(lines)


def answer_text(engine: Engine, a: Answer) -> str:
    _ = gettext_for(a.lang)
    topic = engine.kb.topic_by_id[a.topic]
    ans = topic.answers.get(a.jurisdiction) or topic.answers["CN"]
    lines = [f"{topic.title.get(a.lang)}", "", ans.text.get(a.lang)]
    for cid in engine.topic_channels(topic, a.jurisdiction)[:4]:
        ch = engine.kb.channels[cid]
        lines.append(f"☎ {ch.name.get(a.lang)} {ch.contact}".rstrip())
    if not a.confident and a.topic not in ("crisis", "out_of_scope") and a.alternatives:
        lines.append("")
        lines.append(_("Did you mean:") + " " + " / ".join(
            engine.kb.topic_by_id[t.topic].title.get(a.lang) for t in a.alternatives[:3]))
    return "\n".join(lines)
