"""Text fields of JSON bodies: refused (422, with the field's path) when they hold what PostgreSQL
or a file cannot: control characters (NUL included) and lone surrogates.

Query strings and form fields are guarded by ``common.middleware.InvalidInputMiddleware`` before
any view runs; a JSON body is not, so its text fields use :data:`Text`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _clean(value: str) -> str:
    if _REFUSED.search(value):
        raise ValueError("berisi karakter yang tidak sah (karakter kendali atau NUL)")
    return value


Text = Annotated[str, AfterValidator(_clean)]
