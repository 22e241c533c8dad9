"""Plain-text reports for the terminal (the Telegram handlers render HTML from templates instead)."""

from __future__ import annotations

from bot.audience import Audience, region_name
from bot.engine import Answer, Assessment, Engine
from bot.i18n import gettext_for


def verdict_label(verdict: str, lang: str) -> str:
    _ = gettext_for(lang)
    return {
        "scam": _("Probably a scam"),
        "unlawful": _("Unlawful collection"),
        "lawful": _("Lawful"),
        "unclear": _("Unclear: nothing recognised"),
    }[verdict]


def law_line(engine: Engine, audience: Audience) -> str:
    """ "Law applied: mainland China", or for a region not covered, that its law is not covered yet."""
    _ = gettext_for(audience.lang)
    name = region_name(engine.kb, audience.region, audience.lang)
    if audience.covered:
        return _("Law applied: %(region)s") % {"region": name}
    return _("The law of %(region)s is not covered yet: this is general guidance, not that place's law.") % {
        "region": name
    }


def assessment_text(engine: Engine, a: Assessment) -> str:
    _ = gettext_for(a.lang)
    judge = engine.judge(a.audience)
    lines = [f"{_('Verdict')}: {verdict_label(a.verdict, a.lang)}", law_line(engine, a.audience)]
    for f in a.findings:
        j = f.judgement
        lines.append("")
        lines.append(f"• {f.signal.title.get(a.lang)} ({f.category})")
        lines.append(f"  {_('Quoted words')}: «{f.evidence}» [{f.start}:{f.end}]")
        lines.append(f"  {j.explanation.get(a.lang)}")
        for c in judge.citations(j.legal_basis, a.lang):
            note = "" if c["status"] == "confirmed" else f" ({_('reported wording; check the official text')})"
            since = f" ({_('in force since %(date)s') % {'date': c['effective_text']}})" if c["effective_text"] else ""
            lines.append(f"  {_('Legal basis')}: {c['label']}{since}{note}")
        lines.append(f"  {_('What to do')}: {j.what_to_do.get(a.lang)}")
        for r in j.replies.short.get(a.lang):
            lines.append(f"  {_('You can reply')}: {r}")
    if a.verdict == "unclear":
        lines.append(_("No collection practice was recognised in this text."))
    for w in a.warnings:
        lines.append(f"({w})")
    return "\n".join(lines)


def answer_text(engine: Engine, a: Answer) -> str:
    _ = gettext_for(a.lang)
    judge = engine.judge(a.audience)
    topic = engine.kb.topic_by_id[a.topic]
    ans = judge.answer(topic)
    lines = [f"{topic.title.get(a.lang)}", law_line(engine, a.audience), ""]
    if ans is not None:
        lines.append(ans.text.get(a.lang))
        for ch in judge.channels(ans.channels, a.lang)[:4]:
            lines.append(f"☎ {ch['name']} {ch['contact'] or ch['url']}".rstrip())
    if not a.confident and a.topic not in ("crisis", "out_of_scope") and a.alternatives:
        lines.append("")
        lines.append(
            _("Did you mean:")
            + " "
            + " / ".join(engine.kb.topic_by_id[t.topic].title.get(a.lang) for t in a.alternatives[:3])
        )
    return "\n".join(lines)
