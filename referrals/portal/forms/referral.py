"""Forms of the referring side: the guided new-referral form, records sent, another opinion."""

from django import forms

from accounts.memberships import organizations_where
from accounts.models import CancerSite, Membership, Organization
from referrals import selectors
from referrals.action_fields import action_need_fields
from referrals.form_fields import CenterChoiceField
from referrals.models import Patient, RecordItem, Referral
from referrals.services.referrals import CLINICAL_FIELDS, DEFAULT_CHECKLIST
from referrals.services.referrals import PATIENT_FIELDS as SERVICE_PATIENT_FIELDS

Role = Membership.Role

NEED = "not_needed"
REQUIRED = "required"
OPTIONAL = "optional"
RECORD_NEED_CHOICES = [(REQUIRED, "Required"), (OPTIONAL, "If available"), (NEED, "Not needed")]
# The new patient's fields in the model's order; consent has its own step of the form.
PATIENT_FIELDS = [
    field.name
    for field in Patient._meta.fields
    if field.name in SERVICE_PATIENT_FIELDS and not field.name.startswith("consent")
]
CONSENT_FIELDS = ("consent_to_share_records", "consent_to_record_consult")
NEW_PATIENT_REQUIRED = ("mrn", "given_name", "family_name", "date_of_birth")


def record_field_name(kind: str) -> str:
    return f"record_{kind}"


class ReferralDetailsForm(forms.Form):
    """The referral's clinical details, destination and the patient's consents."""

    consent_to_share_records = forms.BooleanField(
        label="The patient consents to sharing their records with the cancer center",
        required=False,
    )
    consent_to_record_consult = forms.BooleanField(
        label="The patient consents to the consult being recorded", required=False
    )

    receiving_center = CenterChoiceField(
        label="Cancer center", queryset=Organization.objects.none()
    )
    cancer_site = forms.ChoiceField(label="Cancer site", choices=CancerSite.choices)
    diagnosis = forms.CharField(label="Diagnosis", widget=forms.Textarea(attrs={"rows": 2}))
    stage = forms.CharField(label="Stage", max_length=40, required=False)
    diagnosis_date = forms.DateField(
        label="Date of diagnosis", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reasons = forms.MultipleChoiceField(
        label="Reasons for a second opinion",
        choices=Referral.Reason.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    clinical_question = forms.CharField(
        label="Clinical question for the expert", widget=forms.Textarea(attrs={"rows": 3})
    )
    local_treatment_plan = forms.CharField(
        label="Local treatment plan",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What your team proposes: the expert says whether they concur with it.",
    )
    no_local_plan_yet = forms.BooleanField(label="Nothing is proposed locally yet", required=False)
    initiated_by = forms.ChoiceField(
        label="Who asked for the second opinion",
        choices=Referral.InitiatedBy.choices,
        widget=forms.RadioSelect,
        initial=Referral.InitiatedBy.PHYSICIAN,
    )
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Referral.Urgency.ROUTINE,
    )
    modality = forms.ChoiceField(
        label="Preferred consult",
        choices=Referral.Modality.choices,
        widget=forms.RadioSelect,
        initial=Referral.Modality.VIRTUAL,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "receiving_center" in self.fields:
            self.fields[
                "receiving_center"
            ].queryset = selectors.destination_centers_platform_first()

    def clean(self):
        data = super().clean()
        plan = (data.get("local_treatment_plan") or "").strip()
        if plan and data.get("no_local_plan_yet"):
            self.add_error(
                "no_local_plan_yet",
                "Either describe the local plan or say that nothing is proposed yet.",
            )
        return data

    def consent_data(self) -> dict:
        """The consents given on this form, for a patient on file (only ever granted here)."""
        return {name: True for name in CONSENT_FIELDS if self.cleaned_data.get(name)}


class ReferralCreateForm(ReferralDetailsForm):
    """One guided page: patient, consent, diagnosis, reasons, question, logistics, records."""

    patient_choice = forms.ChoiceField(
        label="Which patient",
        choices=[("existing", "A patient already on file"), ("new", "A new patient")],
        widget=forms.RadioSelect,
        initial="existing",
    )
    # Found by MRN, not picked from a list: the form shows no other patient's name.
    existing_mrn = forms.CharField(
        label="MRN of the patient on file",
        max_length=40,
        required=False,
        help_text="The medical record number at your practice.",
    )
    # A new patient (used when patient_choice is "new").
    mrn = forms.CharField(label="MRN", max_length=40, required=False)
    given_name = forms.CharField(label="Given name", max_length=100, required=False)
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(label="Sex", choices=Patient.Sex.choices, initial=Patient.Sex.UNKNOWN)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    email = forms.EmailField(label="Patient e-mail", required=False)
    preferred_language = forms.CharField(
        label="Preferred language", max_length=40, required=False, initial="English"
    )
    support_person_name = forms.CharField(label="Support person", max_length=150, required=False)
    support_person_relation = forms.CharField(
        label="Relation to the patient", max_length=60, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        practices = organizations_where(user, Role.REFERRING_ONCOLOGIST)
        self.practices = list(Organization.objects.filter(pk__in=practices).order_by("name"))
        self.patients = selectors.patients_visible_to(user=user).filter(
            organization__in=self.practices
        )
        if not self.patients.exists():
            self.fields["patient_choice"].initial = "new"
        for name in NEW_PATIENT_REQUIRED:
            # Required only for a new patient: the label must not call them optional.
            self.fields[name].conditionally_required = True
        if len(self.practices) > 1:
            self.fields["practice"] = forms.ModelChoiceField(
                label="Your practice", queryset=Organization.objects.filter(pk__in=practices)
            )
        defaults = dict(DEFAULT_CHECKLIST)
        for kind, label in RecordItem.Kind.choices:
            initial = NEED
            if kind in defaults:
                initial = REQUIRED if defaults[kind] else OPTIONAL
            self.fields[record_field_name(kind)] = forms.ChoiceField(
                label=label, choices=RECORD_NEED_CHOICES, initial=initial
            )

    @property
    def patient_fields(self):
        return [self[name] for name in PATIENT_FIELDS]

    @property
    def record_fields(self):
        return [self[record_field_name(kind)] for kind in RecordItem.Kind.values]

    def clean(self):
        data = super().clean()
        if data.get("patient_choice") == "existing":
            data["existing_patient"] = self._patient_on_file(data)
        if data.get("patient_choice") == "new":
            for name in NEW_PATIENT_REQUIRED:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Required for a new patient.")
        return data

    def _patient_on_file(self, data) -> Patient | None:
        mrn = (data.get("existing_mrn") or "").strip()
        if not mrn:
            if "existing_mrn" not in self.errors:
                self.add_error("existing_mrn", "Enter the patient's MRN, or enter a new patient.")
            return None
        if "practice" in self.errors:
            return None
        practice = self.chosen_practice(data)
        patient = self.patients.filter(organization=practice, mrn=mrn).first()
        if patient is None:
            self.add_error(
                "existing_mrn",
                f"{practice.name} has no patient with MRN {mrn} on file. Check the number, "
                "or choose a new patient.",
            )
        return patient

    def chosen_practice(self, data: dict | None = None) -> Organization:
        data = self.cleaned_data if data is None else data
        return data.get("practice") or self.practices[0]

    def new_patient_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in PATIENT_FIELDS}
        data["consent_to_share_records"] = self.cleaned_data["consent_to_share_records"]
        data["consent_to_record_consult"] = self.cleaned_data["consent_to_record_consult"]
        return data

    def referral_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in CLINICAL_FIELDS}

    def record_items(self) -> list[dict]:
        items = []
        for kind in RecordItem.Kind.values:
            need = self.cleaned_data[record_field_name(kind)]
            if need != NEED:
                items.append({"kind": kind, "required": need == REQUIRED})
        return items


class ReferralEditForm(ReferralDetailsForm):
    """The details that the referral's state still lets the referring side change."""

    def __init__(self, *args, referral: Referral, editable: frozenset[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral
        patient = referral.patient
        keep = set(editable)
        # Consent can be given (never withdrawn here) until the referral goes out.
        if referral.status == Referral.Status.DRAFT:
            keep |= {name for name in CONSENT_FIELDS if not getattr(patient, name)}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.initial.update(
            {name: getattr(referral, name) for name in self.fields if hasattr(referral, name)}
        )

    def referral_changes(self) -> dict:
        """Only the fields whose values differ, so the timeline names what really changed."""
        changes = {}
        for name, value in self.cleaned_data.items():
            current = getattr(self.referral, name, None)
            if name in CONSENT_FIELDS or value == current:
                continue
            if name == "reasons" and set(value) == set(current):
                continue
            changes[name] = value
        return changes


class RecordShipmentForm(forms.Form):
    """Carrier and tracking for records sent, or for slides and blocks going back."""

    carrier = forms.CharField(label="Carrier", max_length=60, required=False)
    tracking_number = forms.CharField(label="Tracking number", max_length=80, required=False)
    specimen_identifiers = forms.CharField(
        label="Specimen, slide or block identifiers", max_length=200, required=False
    )

    def service_data(self, status: str) -> dict:
        data = {"status": status}
        data.update({name: value for name, value in self.cleaned_data.items() if value})
        return data


class AttachmentForm(forms.Form):
    file = forms.FileField(label="File (PDF, image, DICOM or text)")


class TransitionForm(forms.Form):
    """The data a workflow action needs (its `needs` in referrals.workflow), and a note."""

    def __init__(self, *args, action, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(action_need_fields(action, referral))
        if action.name == "provide_information":
            # New records may come with the answer (DESIGN §2).
            self.fields["record_kind"] = forms.ChoiceField(
                label="A new record with the answer (optional)",
                required=False,
                choices=[("", "No new record"), *RecordItem.Kind.choices],
            )
            self.fields["record_description"] = forms.CharField(
                label="Record description", required=False, max_length=200
            )
            self.fields["file"] = forms.FileField(
                label="File for the new record (PDF, image, DICOM or text)", required=False
            )
        if "note" not in self.fields:
            self.fields["note"] = forms.CharField(
                label="Note for the timeline", required=False, max_length=500
            )

    def service_data(self) -> dict:
        # The workflow service takes the chosen specialist (and center) as objects.
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}


class NextOpinionForm(forms.Form):
    receiving_center = CenterChoiceField(
        label="Cancer center for the next opinion", queryset=Organization.objects.none()
    )
    clinical_question = forms.CharField(
        label="Clinical question for the expert", widget=forms.Textarea(attrs={"rows": 3})
    )
    urgency = forms.ChoiceField(
        label="Urgency", choices=Referral.Urgency.choices, widget=forms.RadioSelect
    )
    modality = forms.ChoiceField(
        label="Preferred consult", choices=Referral.Modality.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, previous: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "receiving_center"
        ].queryset = selectors.destination_centers_platform_first().exclude(
            pk=previous.receiving_center_id
        )
        self.fields["urgency"].initial = previous.urgency
        self.fields["modality"].initial = previous.modality
