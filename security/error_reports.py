"""Error reports (the 500 e-mail, the debug page) without patient data."""

from collections.abc import Mapping

from django.db.models import QuerySet
from django.views.debug import SafeExceptionReporterFilter

# Field and variable names that hold patient identifiers (DESIGN: Patient).
PATIENT_FIELDS = frozenset(
    {
        "patient",
        "patients",
        "mrn",
        "given_name",
        "family_name",
        "date_of_birth",
        "phone",
        "email",
        "support_person_name",
        "support_person_relation",
        "original_name",
    }
)


class PatientDataReporterFilter(SafeExceptionReporterFilter):
    """Hides, besides Django's secrets, patient fields in POST data and in frame variables.

    A frame variable is hidden when its name is a patient field, or its value is (or holds)
    a patient or an attached file, whose text shows names, MRNs or file names.
    """

    def is_active(self, request):
        # Also on a developer's debug page: demo data or not, PHI stays out of error pages.
        return True

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if not any(name in PATIENT_FIELDS for name in parameters):
            return parameters
        cleansed = parameters.copy()
        for name in PATIENT_FIELDS & set(cleansed):
            cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleansed_substitute if _holds_patient_data(name, value) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


def _holds_patient_data(name: str, value, depth: int = 0) -> bool:
    from referrals.models import Patient, RecordAttachment

    if name in PATIENT_FIELDS or isinstance(value, Patient | RecordAttachment):
        return True
    if isinstance(value, QuerySet):
        return value.model in (Patient, RecordAttachment)
    if depth >= 2:
        return False
    if isinstance(value, Mapping):
        return any(_holds_patient_data(str(k), v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_patient_data("", item, depth + 1) for item in value)
    return False
