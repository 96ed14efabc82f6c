"""Who may see what: the one place where access scoping is decided.

Every view, export, API endpoint and command that reads or writes registry data goes through the
functions here. A record outside the user's scope does not exist for that user: accessors raise
``Http404``, never 403, so ids cannot be probed. Read-only roles get 403 on writes to records they
can see.

Scopes:

* superadmin: everything;
* admin kabupaten, pimpinan, camat: units located in their region (kab/kota or kecamatan) and below;
* petugas BPJS: units located in the kab/kota their branch office serves;
* operator OPD: their unit and its sub-units;
* operator desa: every unit located in their unit's desa (pemerintah desa, BPD, lembaga desa ...);
* anonymous: nothing.

A person is visible through any membership in a visible unit, or, for region-scoped roles, through
a domicile inside the region.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from cakupan.accounts.models import Role, User
from cakupan.registry.models import Membership, Person, Unit
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import region_subtree_q

_NOTHING = Q(pk__in=[])


class _SystemUser:
    """The operator at the server's shell (``cakupan`` CLI): unrestricted, like a superadmin.

    Whoever can run the CLI already holds the database credentials; scoping them would protect
    nothing. Their changes are still audited under the ``cli`` channel.
    """

    role = Role.SUPERADMIN
    is_authenticated = True
    is_active = True
    can_write = True
    pk = None
    region_id = unit_id = branch_office_id = None

    def __str__(self) -> str:
        return "system"


SYSTEM = _SystemUser()


def _region_codes(user: User) -> list[str] | None:
    """Region codes that bound a region-scoped user; None when the role is not region-scoped."""
    if user.role in (Role.ADMIN_KABUPATEN, Role.PIMPINAN, Role.CAMAT) and user.region_id:
        return [str(user.region_id)]
    if user.role == Role.PETUGAS_BPJS and user.branch_office_id:
        return list(user.branch_office.regions.values_list("code", flat=True))  # type: ignore[union-attr]
    return None


def _any_region_q(codes: list[str], field: str) -> Q:
    q = _NOTHING
    for code in codes:
        q |= region_subtree_q(code, field)
    return q


def unit_scope_q(user: Any, prefix: str = "") -> Q | None:
    """A filter on units (through ``prefix``, e.g. ``"unit__"``) for ``user``; None = no limit."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _NOTHING
    if user.role == Role.SUPERADMIN:
        return None
    codes = _region_codes(user)
    if codes is not None:
        return _any_region_q(codes, f"{prefix}region__code")
    if user.role == Role.OPERATOR_OPD and user.unit_id:
        return Q(**{f"{prefix}pk": user.unit_id}) | Q(**{f"{prefix}parent_id": user.unit_id})
    if user.role == Role.OPERATOR_DESA and user.unit_id:
        return region_subtree_q(str(user.unit.region_id), f"{prefix}region__code")
    return _NOTHING


def _scoped(user: Any, qs: QuerySet[Any], prefix: str) -> QuerySet[Any]:
    """``qs`` limited to rows whose unit (through ``prefix``) ``user`` can see."""
    q = unit_scope_q(user, prefix)
    return qs if q is None else qs.filter(q)


def units_visible_to(user: Any) -> QuerySet[Unit]:
    return _scoped(user, Unit.objects.select_related("region"), "")


def memberships_visible_to(user: Any) -> QuerySet[Membership]:
    return _scoped(user, Membership.objects.all(), "unit__")


def persons_visible_to(user: Any) -> QuerySet[Person]:
    q = unit_scope_q(user, "unit__")
    if q is None:
        return Person.objects.all()
    through_membership = Exists(Membership.objects.filter(q, person=OuterRef("pk")))
    codes = _region_codes(user) if user.is_authenticated and user.is_active else None
    if codes:
        return Person.objects.filter(through_membership | _any_region_q(codes, "domicile__code"))
    return Person.objects.filter(through_membership)


# Levels whose current children are offered too (a kabupaten admin may plan one kecamatan).
_CHILDREN_OFFERED_BELOW = (RegionKind.PROVINSI, RegionKind.KABUPATEN, RegionKind.KOTA)


def regions_plannable_by(user: Any) -> list[Region] | None:
    """The regions ``user`` may plan, widest first; ``None`` means any region (superadmin).

    Used by the budget planner (``/anggaran/``). The roots mirror :func:`unit_scope_q`:
    region-scoped roles their region, a BPJS officer the regions of the branch office,
    unit-scoped operators the region of their unit.
    Current children of a kabupaten/kota (its kecamatan) are offered as well.
    """
    if user.role == Role.SUPERADMIN:
        return None
    roots: list[Region] = []
    if user.role in (Role.ADMIN_KABUPATEN, Role.PIMPINAN, Role.CAMAT) and user.region_id:
        roots = [user.region]
    elif user.role == Role.PETUGAS_BPJS and user.branch_office_id:
        roots = list(user.branch_office.regions.order_by("code"))
    elif user.role in (Role.OPERATOR_OPD, Role.OPERATOR_DESA) and user.unit_id:
        roots = [user.unit.region]
    out: list[Region] = []
    for root in roots:
        out.append(root)
        if root.kind in _CHILDREN_OFFERED_BELOW:
            out.extend(Region.objects.filter(parent=root, valid_to__isnull=True).order_by("code"))
    return out


def region_in_scope(region: Region, allowed: list[Region] | None) -> bool:
    """Whether ``region`` is one of ``allowed`` or lies below one (``None``: any region)."""
    if allowed is None:
        return True
    return any(region.code == r.code or region.code.startswith(f"{r.code}.") for r in allowed)


def _check_write(user: Any, write: bool) -> None:
    if write and not user.can_write:
        raise PermissionDenied


def _get_for(user: Any, qs: QuerySet[Any], *, write: bool, **lookup: Any) -> Any:
    """The one row of ``qs`` (already scoped to ``user``) matching ``lookup``.

    404 when there is none, whatever the reason (out of scope, unknown, malformed id), so ids
    cannot be probed; then 403 on write for read-only roles.
    """
    try:
        row = qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    _check_write(user, write)
    return row


def person_get_for(user: Any, pk: Any, *, write: bool = False) -> Person:
    """The person ``pk`` if ``user`` may see it (404 otherwise); 403 on write for read-only roles."""
    person: Person = _get_for(user, persons_visible_to(user), write=write, pk=pk)
    return person


def membership_get_for(user: Any, pk: Any, *, write: bool = False) -> Membership:
    qs = memberships_visible_to(user).select_related("person", "unit", "unit__region", "occupation")
    membership: Membership = _get_for(user, qs, write=write, pk=pk)
    return membership


def unit_get_for(user: Any, pk: Any, *, write: bool = False) -> Unit:
    unit: Unit = _get_for(user, units_visible_to(user), write=write, pk=pk)
    return unit


def batches_visible_to(user: Any) -> QuerySet[Any]:
    """Import batches of the units ``user`` can see (intake files are personal data too)."""
    from cakupan.intake.models import ImportBatch

    return _scoped(user, ImportBatch.objects.select_related("unit", "unit__region"), "unit__")


def batch_get_for(user: Any, pk: Any, *, write: bool = False) -> Any:
    """The batch ``pk`` if ``user`` may see it (404 otherwise); 403 on write for read-only roles."""
    return _get_for(user, batches_visible_to(user), write=write, pk=pk)


# Billing: bills, payments and payers are scoped through the payer unit, exactly like units. A
# village operator sees the bills of the payers located in its desa, an OPD operator those of its
# OPD (and sub-units), region-scoped roles those of payers in their region, the public nothing.


def bills_visible_to(user: Any) -> QuerySet[Any]:
    """Bills whose payer ``user`` can see."""
    from cakupan.billing.models import Bill

    return _scoped(user, Bill.objects.select_related("payer", "payer__region"), "payer__")


def bill_get_for(user: Any, pk: Any, *, write: bool = False) -> Any:
    """The bill ``pk`` if ``user`` may see it (404 otherwise); 403 on write for read-only roles."""
    return _get_for(user, bills_visible_to(user), write=write, pk=pk)


def payments_visible_to(user: Any) -> QuerySet[Any]:
    """Payments of the payers ``user`` can see."""
    from cakupan.billing.models import Payment

    return _scoped(user, Payment.objects.select_related("payer", "payer__region"), "payer__")


def payment_get_for(user: Any, pk: Any, *, write: bool = False) -> Any:
    return _get_for(user, payments_visible_to(user), write=write, pk=pk)


def payer_get_for(user: Any, code: str, *, write: bool = False) -> Unit:
    """The payer unit with ``code`` if ``user`` may see it (404 otherwise); 403 on write."""
    unit: Unit = _get_for(user, units_visible_to(user), write=write, code=code)
    return unit
