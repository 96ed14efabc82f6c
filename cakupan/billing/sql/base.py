"""Table names and fixed values shared by billing's statements."""

from __future__ import annotations

from cakupan.billing.models import Allocation, Bill, BillEntry, MembershipLapse, Payment
from cakupan.registry.models import COVERED_STATUSES, Membership, Person, Unit

BILL = Bill._meta.db_table
ENTRY = BillEntry._meta.db_table
PAYMENT = Payment._meta.db_table
ALLOCATION = Allocation._meta.db_table
LAPSE = MembershipLapse._meta.db_table
MEMBERSHIP = Membership._meta.db_table
UNIT = Unit._meta.db_table
PERSON = Person._meta.db_table
COVERED = [str(s) for s in COVERED_STATUSES]

# The one lock of every write to bills, payments and allocations; its key is
# ``billing.services._LOCK_KEY`` (the database's entry checks take the same key).
LOCK = "SELECT pg_advisory_xact_lock(%s)"
