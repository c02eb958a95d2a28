"""PHI stays out of log lines, error reports and Celery task messages."""

import logging
import sys

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from config.celery_app import PHIInTaskArguments, app, refuse_phi_in_task_arguments
from referrals.tasks import notify_event
from tests.factories import PatientFactory

CANARY_EMAIL = "zebediah.canary@example.org"
CANARY_NAME = "Zebediah"
CANARY_MRN = "CANARY-MRN-4417"


def test_log_lines_mask_e_mail_addresses_and_dates(console_output):
    logger = logging.getLogger("referrals.intake")

    logger.warning("Could not match %s born %s (US style 2/29/1931)", CANARY_EMAIL, "1931-02-28")

    line = console_output.getvalue()
    assert "Could not match [e-mail] born [date] (US style [date])" in line
    assert CANARY_EMAIL not in line and "1931" not in line


def test_celery_workers_log_through_the_same_masking_handler():
    assert app.conf.worker_hijack_root_logger is False


def test_tracebacks_in_log_lines_are_masked_too(console_output):
    logger = logging.getLogger("referrals.intake")
    try:
        raise ValueError(f"duplicate patient {CANARY_EMAIL}, born 1931-02-28")
    except ValueError:
        logger.exception("Import failed")

    output = console_output.getvalue()
    assert "ValueError: duplicate patient [e-mail], born [date]" in output
    assert CANARY_EMAIL not in output


def raise_while_holding_patient_data(patient, data):
    mrn = patient.mrn  # noqa: F841  (a local variable, as the error report shows them)
    raise RuntimeError("the service failed")


@pytest.mark.django_db
def test_error_reports_hide_patient_fields_and_patients():
    patient = PatientFactory(given_name=CANARY_NAME, mrn=CANARY_MRN, email=CANARY_EMAIL)
    request = RequestFactory().post(
        "/patients/new/", {"given_name": CANARY_NAME, "mrn": CANARY_MRN, "urgency": "urgent"}
    )
    try:
        raise_while_holding_patient_data(patient, {"family_name": "X", "mrn": CANARY_MRN})
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())

    for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        assert "the service failed" in report
        assert "urgent" in report  # other POST data stays, for debugging
        assert "********************" in report
        for canary in (CANARY_NAME, CANARY_MRN, CANARY_EMAIL):
            assert canary not in report


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ([CANARY_NAME], {}),
        ([CANARY_EMAIL], {}),
        (["1931-02-28"], {}),
        ([42], {"patient": {"mrn": CANARY_MRN}}),
        ([[1, 2, f"{CANARY_NAME} Canary"]], {}),
    ],
)
def test_queueing_our_tasks_with_anything_but_ids_is_refused(args, kwargs):
    with pytest.raises(PHIInTaskArguments) as refused:
        notify_event.apply_async(args, kwargs)
    assert "is not an id, a UUID or a code" in str(refused.value)
    # The refusal names the argument, never its value (it may end up in a log).
    for value in (CANARY_NAME, CANARY_EMAIL, CANARY_MRN):
        assert value not in str(refused.value)


def test_sending_by_name_is_refused_before_anything_reaches_the_broker():
    with pytest.raises(PHIInTaskArguments):
        app.send_task("referrals.tasks.notify_event", args=[CANARY_EMAIL])


@pytest.mark.django_db
def test_ids_uuids_and_codes_pass():
    # Queued eagerly in tests: the task runs, finds no such event and sends nothing.
    assert notify_event.delay(987654).get() == 0
    refuse_phi_in_task_arguments(
        "reports.tasks.build",
        [7, "6f1c2b1e-8a3d-4c4e-9a53-0d7f1c2e3b4a", ["records", "daily_digest"], None, True],
        {"step": "recommendation"},
    )


def test_celery_s_own_tasks_are_not_checked():
    refuse_phi_in_task_arguments("celery.chord_unlock", ["Any text at all"], {})


def test_search_terms_in_logged_urls_are_masked(console_output):
    # The development server's request lines, and any library that logs a full URL.
    logging.getLogger("django.server").info(
        '"GET /admin/referrals/patient/?q=%s&o=1 HTTP/1.1" 200 5120', CANARY_NAME
    )
    logging.getLogger("django.request").warning(
        "Slow: /api/v1/referrals/?status=submitted&search=%s", CANARY_MRN
    )
    logging.getLogger("django.server").info("GET /admin/autocomplete/?term=%s", CANARY_NAME)

    output = console_output.getvalue()
    assert "/admin/referrals/patient/?q=[search]&o=1" in output
    assert "?status=submitted&search=[search]" in output
    assert "?term=[search]" in output
    assert CANARY_NAME not in output and CANARY_MRN not in output


def test_the_gunicorn_access_log_leaves_query_strings_out():
    from pathlib import Path

    from django.conf import settings

    config: dict = {}
    exec((Path(settings.BASE_DIR) / "gunicorn.conf.py").read_text(), config)

    assert config["accesslog"] == "-"
    # %(U)s is the path alone; %(r)s (the request line) and %(q)s would carry the query.
    assert "%(U)s" in config["access_log_format"]
    assert "%(r)s" not in config["access_log_format"]
    assert "%(q)s" not in config["access_log_format"]
