"""Every workflow action speaks plain words: its button label and what the user is told once
it is done. The action names stay those of the API (DESIGN §2); only the words change."""

import pytest

from referrals.rules.workflow import ACTIONS

# name (the API's) → (button label, message once done), spelled out as the user reads them.
PLAIN_WORDS = {
    "submit": ("Submit", "Submitted: the cancer center has the referral now."),
    "accept": ("Accept", "Accepted: the records are requested from the referring side."),
    "decline": ("Decline", "Declined: the referring side is told why."),
    "start_review": ("Start the expert review", "The expert review has started."),
    "issue_recommendation": (
        "Issue recommendation",
        "Recommendation issued: the referring oncologist can read it now.",
    ),
    "acknowledge_return": (
        "Confirm you received the opinion",
        "Thank you: you confirmed that you received the opinion.",
    ),
    "start_monitoring": (
        "Start follow-up",
        "Follow-up started: the referring side will send progress updates.",
    ),
    "close": ("Close", "The referral is closed."),
    "cancel": ("Cancel", "The referral is cancelled."),
}


@pytest.mark.parametrize("name", sorted(PLAIN_WORDS))
def test_each_action_has_a_plain_label_and_success_message(name):
    action = ACTIONS[name]
    assert (action.label, action.done) == PLAIN_WORDS[name]
    assert "done." not in action.done


def test_every_action_of_the_rulebook_says_what_happened():
    # An action added later (another branch) needs its words too.
    assert all(action.done.strip() for action in ACTIONS.values())


def test_only_what_cannot_be_taken_back_in_one_click_asks_first():
    asks = {name for name, action in ACTIONS.items() if action.confirm}
    assert asks == {"issue_recommendation"}
    # Decline and cancel ask on their own page (they need a reason) and are marked destructive.
    assert {name for name, action in ACTIONS.items() if action.destructive} == {
        "decline",
        "cancel",
        "forward",
    }
