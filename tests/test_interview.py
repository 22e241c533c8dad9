"""The /plan interview without Telegram (bot/plan/interview.py) and the one callback codec (bot/callback_data.py)."""

from __future__ import annotations

import itertools
import time

import pytest

from bot import callback_data as cb
from bot.dialogue import Dialogue, Reply
from bot.engine import Engine
from bot.plan import interview
from bot.plan.interview import REVIEW, STEPS, InterviewState, Turn
from bot.plan.model import PlanInput

ALL_KINDS = [v for v in vars(cb).values() if isinstance(v, cb.Kind)]


def labels(turn: Turn) -> list[str]:
    return [b.label for row in turn.replies[-1].buttons for b in row]


def press(state: InterviewState, label: str) -> Turn:
    for row in interview.question(state).buttons:
        for b in row:
            if b.label == label:
                decoded = cb.decode_any(b.data, cb.INTERVIEW_KINDS)
                assert decoded is not None, b.data
                return interview.press(state, *decoded)
    raise KeyError(label)


def test_a_whole_interview_ends_in_a_valid_plan_input() -> None:
    turn = interview.begin("en")
    state = turn.state
    assert state is not None and state.step == "lender" and "Who is the lender" in turn.replies[-1].html
    state = interview.answer_text(state, "招商银行").state
    state = press(state, "Credit card").state
    state = interview.answer_text(state, "3万").state
    for _ in range(6):
        state = press(state, "Skip").state
    state = press(state, "No, go on to my budget").state
    state = interview.answer_text(state, "8000").state
    for _ in range(7):
        state = press(state, "Skip").state
    state = press(state, "2").state
    state = press(state, "Job loss").state
    turn = interview.answer_text(state, "Laid off.")
    assert turn.state.step == REVIEW and "Check your answers" in turn.replies[-1].html
    assert press(turn.state, "✅ Make my plan").make_plan
    inp = PlanInput.from_dict(interview.to_input(turn.state))
    assert inp.debts[0].principal == 30_000_00 and inp.income == 8000_00 and inp.dependants == 2


def test_the_state_survives_json_and_the_first_versions_dict() -> None:
    state = interview.answer_text(interview.begin("zh-Hant").state, "某银行").state
    assert InterviewState.from_json(state.to_json()) == state
    v1 = {
        "v": 1,
        "lang": "en",
        "step": "principal",
        "hist": ["lender", "kind"],
        "cur": 0,
        "debts": [{"lender": "某银行", "kind": "bank_loan"}],
        "expenses": {},
        "edit_until": None,
        "msg": 12,
    }
    old = InterviewState.from_json(v1)
    assert old is not None and old.step == "principal" and old.debts[0].lender == "某银行"
    assert old.history == ["lender", "kind"] and old.question_message_id == 12
    for junk in (None, "x", {"lang": "en", "step": "nowhere"}, {"lang": "en", "debts": "many"}, {"lang": 3}):
        assert InterviewState.from_json(junk) is None


def test_a_stale_button_changes_nothing() -> None:
    state = interview.answer_text(interview.begin("en").state, "某银行").state  # now at "kind"
    turn = interview.press(state, cb.PLAN_SKIP, ("interest",))
    assert turn.toast and not turn.changed and turn.state.step == "kind"


def test_back_at_the_first_question_says_so() -> None:
    turn = press(interview.begin("en").state, "⬅ Back")
    assert "This is the first question." in turn.replies[-1].html


def test_absurd_numbers_are_asked_again_and_buttons_always_fit() -> None:
    state = press(interview.answer_text(interview.begin("en").state, "某银行").state, "Bank loan").state
    for text in ("1" * 50, "15," + "0" * 50, "-5", "3000-5000", "a lot", "\x00\u202e", "😀" * 500):
        turn = interview.answer_text(state, text)
        assert turn.state.step == "principal" and "⚠️" in turn.replies[-1].html
        for row in turn.replies[-1].buttons:
            for b in row:
                assert b.data is None or len(b.data.encode()) <= cb.MAX_BYTES


def test_an_idle_interview_times_out() -> None:
    state = interview.begin("en").state
    assert not state.timed_out()
    assert state.timed_out(time.time() + interview.CONVERSATION_TIMEOUT + 1)


def test_every_step_asks_in_every_language() -> None:
    for lang in ("zh-Hans", "zh-Hant", "en"):
        state = InterviewState(lang)
        for step in STEPS:
            assert isinstance(interview.question(state, step), Reply)


# -- the codec ----------------------------------------------------------------------------------------------------


def test_the_codec_round_trips_and_refuses_what_does_not_fit() -> None:
    assert cb.DETAIL.decode(cb.DETAIL.encode("r", "HK", "abcde,12345")) == ("r", "HK", "abcde,12345")
    assert cb.TOPIC_IN.decode(cb.TOPIC_IN.encode("lawsuit", "other")) == ("lawsuit", "other")
    assert cb.PLAN_START.decode("p:start") == ()
    for kind, values in (
        (cb.PLAN_SUGGESTION, ("principal", "1" * 50)),
        (cb.MENU, ("nope",)),
        (cb.TOPIC, ("has space",)),
        (cb.PLAN_CHOICE, ("kind",)),
    ):
        with pytest.raises(cb.CallbackDataError):
            kind.encode(*values)
    assert cb.FEEDBACK.decode("fb:p:'; DROP TABLE users;--:u") is None


def test_every_button_the_bot_makes_decodes_to_exactly_one_kind(engine: Engine) -> None:
    d = Dialogue(engine, plan_available=True)
    a = engine.assess("\n".join(s.examples[0][1] for s in engine.kb.signals), "en", "CN")
    replies = [
        *d.assessment(a, "en"),
        d.start("en", "CN"),
        d.lang_menu("en"),
        d.region_menu("en", "CN"),
        d.forget_confirm("en"),
        d.rights_page("en", 1),
        d.ambiguous("en", "tok123"),
        *(d.topic(t.id, "en", "CN") for t in engine.kb.topics),
        *(
            r
            for row in d.assessment(a, "en")[-1].buttons
            for b in row
            if b.data and b.data.startswith("a:")
            for r in d.detail(b.data.split(":")[1], b.data.split(":", 2)[2], "en").replies
        ),
    ]
    state = InterviewState("en")
    replies += [interview.question(state, step, suggestion="15000") for step in STEPS]
    replies += [
        *interview.begin("en", has_saved_plan=True).replies,
        *interview.offer_resume(state).replies,
        interview.back_to_plan(state),
    ]
    for b in itertools.chain.from_iterable(row for r in replies for row in r.buttons):
        if b.data is None:
            continue
        matching = [k for k in ALL_KINDS if k.decode(b.data) is not None]
        assert len(matching) == 1, (b.data, [k.prefix for k in matching])
