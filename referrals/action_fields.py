"""The form fields of the data a workflow action needs (`Action.needs`), for the admin's and
the portal's action forms alike. What each value must be is the rulebook's data guard's to
say (referrals.rules.workflow); these only offer the choices."""

from django import forms

from referrals import selectors
from referrals.form_fields import SpecialistChoiceField
from referrals.models import InformationRequest, Referral
from referrals.rules import workflow

NOTE_LABELS = {"request_information": "Question", "provide_information": "Your answer"}


def action_need_fields(action: workflow.Action, referral: Referral) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    if "specialist" in action.needs:
        fields["specialist"] = SpecialistChoiceField(
            label="Specialist",
            queryset=selectors.specialists_for_assignment(referral.receiving_center),
            widget=forms.RadioSelect,  # what each covers and their load, at a glance
            help_text="Specialists of the receiving center: what each covers here and "
            "their open referrals now.",
        )
    if "receiving_center" in action.needs:
        fields["receiving_center"] = forms.ModelChoiceField(
            label="Forward to",
            queryset=selectors.forward_destinations(referral),
            empty_label="Choose the center…",
            help_text="Cancer centers that see patients and take this cancer site.",
        )
    if "reason_code" in action.needs:
        codes = workflow.REASON_CODES[action.name]
        fields["reason_code"] = forms.ChoiceField(
            label="Reason", choices=[("", "Choose the reason…"), *codes.choices]
        )
    if action.name == "request_information":
        fields["reason"] = forms.ChoiceField(
            label="Reason",
            choices=[("", "Choose…"), *InformationRequest.Reason.choices],
            help_text="What the center needs from the referring side.",
        )
    elif "reason" in action.needs:
        coded = "reason_code" in action.needs
        fields["reason"] = forms.CharField(
            label="In words" if coded else "Reason",
            required=not coded,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text="Required when the reason is “Other”." if coded else "",
        )
    if "note" in action.needs:
        # The question (request_information) or the answer (provide_information).
        fields["note"] = forms.CharField(
            label=NOTE_LABELS.get(action.name, "Note"), widget=forms.Textarea(attrs={"rows": 4})
        )
    return fields
