"""Shared by the security tests."""

import io
import logging

import pytest

from security.logging import RedactPHIFilter


@pytest.fixture
def console_output():
    """What the configured console handler (the one production logs through) writes."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(log_filter, RedactPHIFilter) for log_filter in handler.filters)
    ]
    assert handlers, "the root console handler has lost its PHI filter"
    # Swapped by hand: setStream() would flush the old stream, which pytest may have closed.
    handler, stream = handlers[0], io.StringIO()
    previous, handler.stream = handler.stream, stream
    yield stream
    handler.stream = previous
