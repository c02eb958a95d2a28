"""Masks what looks like patient data in log lines, whatever logged it.

No code of ours logs patient data on purpose; this catches what slips through (an exception
message quoting a row, a library logging a form). E-mail addresses and dates are the patterns
that can be told apart from ordinary log text; a date in a log line is masked too, the time of
the line itself comes from the formatter. Search terms in a logged URL's query string (`?q=`,
`?search=`, `?term=`: names and MRNs typed into a search) are masked as well.
"""

import logging
import re

EMAIL_ADDRESS = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
DATE = re.compile(r"\b(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\.\d{1,2}\.\d{4})\b")
# Search terms in logged URLs (the admin's `q`, its autocomplete's `term`, the API's `search`,
# and any patient field in a query string): a patient's name or MRN.
SEARCH_TERM = re.compile(
    r"(?P<name>[?&;](?:q|search|term|mrn|existing_mrn|given_name|family_name|name|patient)=)"
    r"[^&;\s\"']*",
    re.IGNORECASE,
)
EMAIL_MASK = "[e-mail]"
DATE_MASK = "[date]"
SEARCH_MASK = "[search]"
# The secret of a patient's companion-page link, in a logged path ("Not Found: /patient/...").
# Only the page at the root (not e.g. /admin/referrals/patient/).
PATIENT_LINK = re.compile(r"(?P<start>^|[\s\"'(=:]|https?://[^/\s]+)/patient/[\w-]+", re.MULTILINE)
PATIENT_LINK_MASK = r"\g<start>/patient/[link]"


def redact(text: str) -> str:
    text = SEARCH_TERM.sub(lambda match: match["name"] + SEARCH_MASK, text)
    text = PATIENT_LINK.sub(PATIENT_LINK_MASK, text)
    return DATE.sub(DATE_MASK, EMAIL_ADDRESS.sub(EMAIL_MASK, text))


class RedactPHIFilter(logging.Filter):
    """A handler filter: rewrites the message and the traceback text, never drops a record."""

    _traceback_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the handler reports it as a logging error
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self._traceback_formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class ClientErrorInOneLine(logging.Filter):
    """A logger filter: a refused request (400, 403, 404: intended answers, not faults) is
    logged as its one line ("Forbidden (Permission denied): /admin/..."), without the
    traceback of the exception that produced it. Server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
