"""Fixtures of the API tests: a token per user and a client that sends it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source, User
from cakupan.api.services import token_create


def issue_token(user: User, *, read_only: bool = False, days: int | None = None) -> str:
    """A fresh token of ``user`` (made as the CLI makes it)."""
    return token_create(
        actor=Actor.system(source=Source.CLI),
        user=user,
        name="uji",
        expires_days=days,
        read_only=read_only,
    ).secret


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer <token>`` with every request."""

    def __init__(self, token: str | None) -> None:
        self.client = Client(raise_request_exception=False)
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = dict(headers or {})
        if self.token is not None:
            out.setdefault("Authorization", f"Bearer {self.token}")
        return out

    def get(self, path: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(path, data, headers=self._headers(headers))

    def post(
        self, path: str, data: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> Any:
        kw.setdefault("content_type", "application/json")
        return self.client.post(path, data, headers=self._headers(headers), **kw)


@pytest.fixture
def api_client() -> Callable[..., ApiClient]:
    """``api_client(user, read_only=False)``: a client with a new token of ``user``."""

    def make(user: User | None, *, read_only: bool = False) -> ApiClient:
        return ApiClient(issue_token(user, read_only=read_only) if user is not None else None)

    return make
