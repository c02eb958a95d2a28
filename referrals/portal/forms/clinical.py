"""Forms of the expert center: pathology re-review, recommendation, consult, replies."""

import re

from django import forms

from referrals.errors import InvalidData
from referrals.models import (
    Consultation,
    PathologyReview,
    ProgressUpdate,
    Recommendation,
    Referral,
)
from referrals.models.clinical import UPDATE_INTERVAL_MAX_DAYS, UPDATE_INTERVAL_MIN_DAYS
from referrals.services.clinical import PATHOLOGY_REQUIRED_TO_SIGN, validated_trials

TRIAL_SEPARATORS = re.compile(r"[\s,;]+")


class PathologyReviewForm(forms.Form):
    specimens_reviewed = forms.CharField(
        label="Specimens reviewed", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    original_diagnosis = forms.CharField(
        label="Original diagnosis", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_diagnosis = forms.CharField(
        label="Review diagnosis", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    discrepancy = forms.ChoiceField(
        label="Discrepancy",
        choices=PathologyReview.Discrepancy.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    additional_tests = forms.CharField(
        label="Additional tests recommended (IHC, molecular)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    comments = forms.CharField(
        label="Comments", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A draft may be saved incomplete; the service asks for these to sign it.
        for name in PATHOLOGY_REQUIRED_TO_SIGN:
            self.fields[name].conditionally_required = True

    @classmethod
    def initial_from(cls, review: PathologyReview) -> dict:
        return {name: getattr(review, name) for name in cls.base_fields}


class RecommendationForm(forms.Form):
    concordance = forms.ChoiceField(
        label="Concordance with the local plan",
        choices=Recommendation.Concordance.choices,
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(label="Summary", widget=forms.Textarea(attrs={"rows": 4}))
    patient_summary = forms.CharField(
        label="For the patient, in plain words",
        help_text="The patient reads this on their page. Required to sign when they have a link.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    treatment_options = forms.CharField(
        label="Treatment options", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    further_testing = forms.CharField(
        label="Further testing", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    clinical_trials = forms.CharField(
        label="Clinical trials (NCT numbers, separated by commas or spaces)",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "NCT01234567", "autocomplete": "off"}),
    )
    third_opinion_suggested = forms.BooleanField(label="Suggest a third opinion", required=False)
    specialist_follows = forms.BooleanField(
        label="I will follow the patient through progress updates", required=False
    )
    update_interval_days = forms.IntegerField(
        label="Progress update every (days)",
        required=False,
        min_value=UPDATE_INTERVAL_MIN_DAYS,
        max_value=UPDATE_INTERVAL_MAX_DAYS,
    )
    amendment_reason = forms.CharField(
        label="Reason for the amendment", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, amending: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.amending = amending
        # Needed when the specialist follows the patient.
        self.fields["update_interval_days"].conditionally_required = True
        if not amending:
            del self.fields["amendment_reason"]
        else:
            self.fields["amendment_reason"].required = True

    @classmethod
    def initial_from(cls, recommendation: Recommendation | None) -> dict:
        if recommendation is None:
            return {}
        initial = {name: getattr(recommendation, name) for name in cls.base_fields}
        initial["clinical_trials"] = ", ".join(recommendation.clinical_trials)
        if recommendation.is_signed:
            initial["amendment_reason"] = ""
        return initial

    def clean_clinical_trials(self) -> list[str]:
        # Checked with the form's other fields, so a bad number is flagged on the first try.
        raw = self.cleaned_data["clinical_trials"].strip()
        trials = [part for part in TRIAL_SEPARATORS.split(raw) if part]
        try:
            validated_trials(trials)
        except InvalidData as error:
            raise forms.ValidationError(error.fields["clinical_trials"]) from None
        return trials

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ConsultationForm(forms.Form):
    modality = forms.ChoiceField(
        label="Modality", choices=Referral.Modality.choices, widget=forms.RadioSelect
    )
    scheduled_for = forms.DateTimeField(
        label="Scheduled for",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    join_link = forms.URLField(
        label="Join link (virtual)", required=False, max_length=500, assume_scheme="https"
    )
    place = forms.CharField(label="Place (in person)", required=False, max_length=200)
    attendance = forms.ChoiceField(
        label="Attendance",
        choices=Consultation.Attendance.choices,
        initial=Consultation.Attendance.SCHEDULED,
        help_text="A new time for a missed or rescheduled appointment keeps the earlier one "
        "in the history.",
    )
    completed_at = forms.DateTimeField(
        label="Completed at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    support_person_present = forms.BooleanField(label="Support person present", required=False)
    recording_consented = forms.BooleanField(label="Consult recorded with consent", required=False)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ProgressUpdateForm(forms.Form):
    update_date = forms.DateField(
        label="Date of the update", widget=forms.DateInput(attrs={"type": "date"})
    )
    # Nothing preselected (DESIGN §1): a response nobody chose would be a clinical claim.
    response = forms.ChoiceField(
        label="Response to treatment",
        choices=ProgressUpdate.Response.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the patient responds to treatment."},
    )
    current_treatment = forms.CharField(
        label="Current treatment", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Nothing preselected: the local side says it (DESIGN §1); the service requires the reason.
    recommendation_followed = forms.ChoiceField(
        label="Recommendation followed",
        choices=[("", "Choose…"), *ProgressUpdate.Followed.choices],
    )
    recommendation_followed_reason = forms.CharField(
        label="Why not (fully) followed",
        required=False,
        help_text="Needed unless the recommendation is followed.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    question = forms.CharField(
        label="Question for the specialist",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReplyForm(forms.Form):
    advice = forms.CharField(label="Your advice", widget=forms.Textarea(attrs={"rows": 3}))
