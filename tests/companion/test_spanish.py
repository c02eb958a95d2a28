"""The page speaks the patient's preferred language where a translation exists (Spanish)."""

import datetime

import pytest

from companion.language import page_language
from referrals.models import Referral
from tests.companion.helpers import give_link, open_page
from tests.factories import PatientFactory, RecordItemFactory, referral_in_state

Status = Referral.Status
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("preferred", "language"),
    [
        ("Spanish", "es"),
        ("spanish", "es"),
        ("Español", "es"),
        ("English", "en"),
        ("", "en"),
        ("Vietnamese", "en"),  # no translation yet: English
    ],
)
def test_the_preferred_language_names_the_page_language(preferred, language):
    assert page_language(preferred) == language


def test_a_patient_who_prefers_spanish_reads_the_page_in_spanish(client):
    patient = PatientFactory(preferred_language="Spanish")
    referral = referral_in_state(Status.ACCEPTED, patient=patient)
    referral.records_due = datetime.date(2026, 12, 18)
    referral.save()
    path = give_link(referral)

    asked = client.get(path).content.decode()
    assert '<html lang="es">' in asked
    assert "Su fecha de nacimiento" in asked
    wrong = client.post(path, {"date_of_birth": "1961-04-13"}).content.decode()
    assert "Esa fecha de nacimiento no coincide. Inténtelo de nuevo." in wrong

    body = open_page(client, path).content.decode()
    assert "Cómo va su solicitud" in body
    assert "El centro oncológico aceptó darle una segunda opinión." in body
    assert "Sus expedientes médicos llegan al centro oncológico." in body
    assert "Se espera para el 18 de diciembre de 2026." in body
    assert "Venga con un familiar o un amigo." in body
    assert "El informe sobre el tejido de su biopsia o cirugía" in body
    assert "Puede hacer 10 preguntas más." in body
    assert "Where your request stands" not in body

    client.post(f"{path}questions/", {"text": "¿Cuánto dura el tratamiento?"})
    saved = client.get(path).content.decode()
    assert "Su pregunta quedó guardada. El especialista la responderá." in saved
    assert "Puede hacer 9 preguntas más." in saved


def test_an_english_speaking_patient_reads_english(client):
    referral = referral_in_state(Status.SUBMITTED)
    RecordItemFactory(referral=referral)
    body = open_page(client, give_link(referral)).content.decode()
    assert '<html lang="en">' in body
    assert "Where your request stands" in body
