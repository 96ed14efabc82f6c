"""The API's documentation page works under the site's CSP, from local files only (issue 14).

Swagger UI is served from django-ninja's own static files; the page must load them and the OpenAPI
document from this server alone, render the operations, and raise no CSP violation.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_the_docs_page_renders_from_this_server_without_csp_violations(
    browser: Any, live_server: Any
) -> None:
    page = browser.new_page()
    console: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector("text=Cakupan API", timeout=20_000)
    page.wait_for_selector('[data-path="/api/v1/people"]', timeout=20_000)
    assert hosts == {live_server.url.split("/")[2]}
    assert [line for line in console if "Content Security Policy" in line] == []
    page.close()
