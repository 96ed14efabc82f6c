"""Field types the API's schemas share.

:data:`IsoDate`: a calendar date written ``YYYY-MM-DD`` and nothing else. Pydantic alone would
also take a number, or a string of digits, as seconds since 1970 (``"0"`` is 1 January 1970):
never what a client meant by a date, so it is refused (422) like any other malformed value.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.utils.translation import gettext
from pydantic import BeforeValidator

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_only(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise ValueError(gettext("tanggal harus berformat YYYY-MM-DD"))


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]
