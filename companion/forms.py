"""The companion page's forms: plain fields that work without JavaScript."""

from django import forms
from django.utils.translation import gettext_lazy as _

from companion.services import MAX_QUESTION_LENGTH

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
INTERPRETER = [("yes", _("Yes")), ("no", _("No")), ("", _("I am not sure yet"))]


class BirthDateForm(forms.Form):
    date_of_birth = forms.DateField(
        label=_("Your date of birth"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={
            "required": _("Enter your date of birth."),
            "invalid": _("Enter your date of birth."),
        },
    )


class VisitPreparationForm(forms.Form):
    support_person_name = forms.CharField(
        label=_("Name of the family member or friend who comes with you"),
        required=False,
        max_length=150,
    )
    support_person_relation = forms.CharField(
        label=_("Who they are to you (for example: daughter, friend)"),
        required=False,
        max_length=60,
    )
    consent_to_record_consult = forms.ChoiceField(
        label=_("May the visit with the specialist be recorded, so you can listen again later?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    interpreter_needed = forms.ChoiceField(
        label=_("Do you need an interpreter at the visit?"),
        choices=INTERPRETER,
        widget=forms.RadioSelect,
        required=False,
    )

    @classmethod
    def initial_from(cls, patient) -> dict:
        interpreter = {True: "yes", False: "no", None: ""}[patient.interpreter_needed]
        return {
            "support_person_name": patient.support_person_name,
            "support_person_relation": patient.support_person_relation,
            "consent_to_record_consult": "yes" if patient.consent_to_record_consult else "no",
            "interpreter_needed": interpreter,
        }

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "support_person_name": data["support_person_name"],
            "support_person_relation": data["support_person_relation"],
            "consent_to_record_consult": data["consent_to_record_consult"] == "yes",
            "interpreter_needed": {"yes": True, "no": False}.get(data["interpreter_needed"]),
        }


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question for the specialist"),
        max_length=MAX_QUESTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your question.")},
    )
