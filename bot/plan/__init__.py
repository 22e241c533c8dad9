"""/plan without Telegram: amounts, budget, schedule, checks, letters, PDF, chart and calendar.

    inp = PlanInput.from_dict(answers)          # answers: the interview's or INPUT.json (docs/plan.md)
    proposal = make_proposal(inp, kb)           # kb: the knowledge base, for the legal basis of the letters
    proposal.to_json(), proposal.letters, proposal.pdf(), proposal.chart_png(), proposal.ics()
"""

from bot.plan.amounts import AmountError, format_yuan, parse_amount
from bot.plan.model import PlanInput, PlanInputError
from bot.plan.proposal import Proposal, make_proposal

__all__ = ["AmountError", "format_yuan", "parse_amount", "PlanInput", "PlanInputError", "Proposal",
           "make_proposal"]
