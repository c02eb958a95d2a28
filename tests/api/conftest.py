"""API test helpers: clients that authenticate with a real token, as an EHR would."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    """`api(user)`: an API client acting as `user` (None: anonymous)."""
    return client_for


def url(path: str) -> str:
    return f"/api/v1/{path.lstrip('/')}"
