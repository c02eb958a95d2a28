"""API test helpers: clients that authenticate with a real token, as an EHR would."""

import pytest
from rest_framework.test import APIClient

from security.models import ApiToken


def api_token_for(user) -> str:
    """A real API token of `user` (a row as the log-in endpoint makes it, with a confirmed
    second factor), minted without going through log-in and its audit entries."""
    _token, secret = ApiToken.objects.create(user=user, second_factor_verified=True)
    return secret


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


@pytest.fixture
def api():
    """`api(user)`: an API client acting as `user` (None: anonymous)."""
    return client_for


def url(path: str) -> str:
    return f"/api/v1/{path.lstrip('/')}"
