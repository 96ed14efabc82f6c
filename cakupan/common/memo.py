"""Values computed once per web request: the user's scope, asked for by several parts of a page.

The home page asks for the user's regions (``accounts.access.regions_plannable_by``) and whether the
user sees all of a region (``coverage.selectors.scope_is_whole``) four or five times, once by each
part it shows, and each asking cost a query. :func:`per_request` keeps such a value for the rest of
the request it was computed in; ``RequestMemoMiddleware`` opens that scope around every request
and drops it at the end, so nothing outlives the request: the next request, and any other thread,
computes afresh. Outside a request (the CLI, a job, a test calling a selector) nothing is kept.

Only for values that cannot change while one request is served (the user's scope, read from the
regions and units). The key must name everything the value depends on.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_STORE: ContextVar[dict[Hashable, Any] | None] = ContextVar("cakupan_request_memo", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """Values kept by :func:`per_request` inside this block, and dropped at its end."""
    token = _STORE.set({})
    try:
        yield
    finally:
        _STORE.reset(token)


def per_request(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per request for ``key``; every time outside a request."""
    store = _STORE.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    value: T = store[key]
    return value
