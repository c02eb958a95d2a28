"""seed_demo prints patient links that work, with the date of birth to enter, on every run."""

import re

import pytest
from django.core.management import call_command

from companion.services import patient_link_revoke
from referrals.models import Referral

pytestmark = pytest.mark.django_db
LINE = re.compile(
    r"(SO-\d{4}-\d{6}) \((.+?), (.+?)\): http\S+?(/patient/\S+/)\s+date of birth (\S+)"
)


def printed_links(capsys) -> list[tuple[str, str, str, str, str]]:
    return LINE.findall(capsys.readouterr().out)


def test_the_demo_prints_working_patient_links_again_and_again(client, capsys):
    call_command("seed_demo", referrals=30)
    first = printed_links(capsys)
    assert len(first) >= 4
    assert any(language == "Spanish" for _ref, _state, language, _path, _dob in first)
    reference, _state, _language, path, birth_date = first[0]

    wrong = client.post(path, {"date_of_birth": "1900-01-01"})
    assert wrong.status_code == 400
    client.post(path, {"date_of_birth": birth_date})
    assert client.get(path).status_code == 200

    # A coordinator revokes a demo link; the next run prints a working one again.
    referral = Referral.objects.get(reference=reference)
    patient_link_revoke(actor=referral.referring_oncologist, referral=referral)
    assert client.get(path).status_code == 404
    call_command("seed_demo", referrals=30)
    again = printed_links(capsys)
    assert again == first
    assert client.get(path).status_code == 200
