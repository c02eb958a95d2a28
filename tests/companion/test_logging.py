"""The secret of a patient's link never reaches the logs (Django logs the path of a 404)."""

import logging

from security.logging import RedactPHIFilter


def test_a_logged_patient_link_path_is_masked():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/patient/s3cr3tV4lue/",),
        None,
    )
    RedactPHIFilter().filter(record)
    assert record.getMessage() == "Not Found: /patient/[link]/"
    assert "s3cr3tV4lue" not in record.getMessage()
