"""/plan without Telegram: amounts, budget, schedule, checks, letters, PDF, DOCX, chart and calendar.

    inp = PlanInput.from_dict(answers)          # answers: the interview's or INPUT.json (docs/plan.md)
    proposal = make_proposal(inp, kb)           # kb: the knowledge base, for the legal basis of the letters
    proposal.to_json(), proposal.letters, proposal.notes, proposal.pdf(), proposal.docx(), proposal.chart_png(),
    proposal.ics()

The lenders' jurisdiction (inp.jurisdiction, default CN) decides the currency, the checks and the letter's
language, from knowledge/jurisdictions/<code>/plan.yaml (bot.plan.rules).
"""

from bot.plan.amounts import AmountError, format_yuan, parse_amount
from bot.plan.model import PlanInput, PlanInputError
from bot.plan.proposal import Proposal, make_proposal

__all__ = ["AmountError", "format_yuan", "parse_amount", "PlanInput", "PlanInputError", "Proposal", "make_proposal"]
