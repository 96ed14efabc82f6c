"""What every billing service shares: its error, the billing lock, the parameters in force."""

from __future__ import annotations

from django.db import connection

from cakupan.billing.sql.base import LOCK
from cakupan.common.errors import DomainError
from cakupan.parameters.selectors import active_parameters
from cakupan.rules.params import Parameters

# One lock for every write to bills, payments and allocations (pg_advisory_xact_lock key). The
# database's bill line checks take it too (billing migration 0004): keep the two equal.
_LOCK_KEY = 730_220_241


class BillingError(DomainError):
    code = "billing_error"


def lock() -> None:
    """Take the billing lock until the end of the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK, [_LOCK_KEY])


def parameters_or_active(params: Parameters | None) -> Parameters:
    """The given parameters, else those in force in this installation (overrides applied)."""
    return params if params is not None else active_parameters()
