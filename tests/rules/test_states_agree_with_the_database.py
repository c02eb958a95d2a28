"""The rulebook's one set each of open and late states is what the database's partial index
and constraint were written with (their literal lists live in the migrations)."""

from referrals.models import Referral
from referrals.rules.states import FINAL_STATES, OPEN_STATES
from referrals.rules.steps import LATE_STATES, STEPS


def _condition_states(condition) -> set[str]:
    [(lookup, values)] = condition.children
    assert lookup == "status__in"
    return set(values)


def test_one_open_referral_per_patient_and_center_uses_the_open_states():
    name = "referral_one_open_per_patient_and_center"
    [constraint] = [c for c in Referral._meta.constraints if c.name == name]
    assert _condition_states(constraint.condition) == set(OPEN_STATES)


def test_the_reminder_scan_s_index_covers_exactly_the_late_states():
    [index] = [i for i in Referral._meta.indexes if i.name == "referral_open_next_due"]
    assert _condition_states(index.condition) == set(LATE_STATES)


def test_every_late_state_is_open_and_every_step_has_a_due_field():
    assert LATE_STATES <= OPEN_STATES
    assert not LATE_STATES & FINAL_STATES
    field_names = {field.name for field in Referral._meta.get_fields()}
    assert {step.due_field for step in STEPS} <= field_names
