"""Who may see what: the roles' scopes as filters, and the one way to fetch a scoped row.

``accounts`` is the bottom layer of access control: this module decides *what* each role may see
and knows nothing of the apps above it. It imports only ``accounts``, ``wilayah`` (the regions) and
``common.memo`` (a user's regions are read once per request, however many parts of a page ask).
Each app applies these primitives to its own models in its ``selectors.py``
(``registry.selectors.units_visible_to``, ``intake.selectors.batch_get_for``,
``billing.selectors.bill_get_for`` ...), naming the path from its model to the unit that scopes it
(``unit_scope_q(user, "payer__")``) or to a region (``region_scope_q(user, "domicile__code")``).

A record outside the user's scope does not exist for that user: :func:`get_visible_or_404` raises
``Http404``, never 403, so ids cannot be probed. Read-only roles get 403 on writes to records they
can see.

Scopes, on units (the employer or payer a row belongs to):

* superadmin: everything;
* admin kabupaten, pimpinan, camat: units located in their region (kab/kota or kecamatan) and below;
* petugas BPJS: units located in the kab/kota their branch office serves;
* operator OPD: their unit and its sub-units;
* operator desa: every unit located in their unit's desa (pemerintah desa, BPD, lembaga desa ...);
* anonymous, inactive: nothing.

Region-scoped roles (the first three and petugas BPJS) also see what lies in their regions
without a unit, such as the people domiciled there (:func:`region_scope_q`).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from cakupan.accounts.models import Role
from cakupan.common.memo import per_request
from cakupan.wilayah.codes import in_region_subtree
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import current_children, region_subtree_q

__all__ = [
    "SYSTEM",
    "MaybeViewer",
    "Viewer",
    "get_visible_or_404",
    "limit_to_units",
    "region_codes",
    "region_in_scope",
    "region_scope_covers",
    "region_scope_q",
    "regions_plannable_by",
    "require_write",
    "unit_scope_q",
]

_NOTHING = Q(pk__in=[])
# Roles bounded by a region: their own (``User.region``) or their branch office's.
_REGION_ROLES = (Role.ADMIN_KABUPATEN, Role.PIMPINAN, Role.CAMAT)

M = TypeVar("M", bound=Model)


class _Placed(Protocol):
    """What scoping reads of a user's unit: where it is."""

    @property
    def region_id(self) -> str: ...

    @property
    def region(self) -> Region: ...


class Viewer(Protocol):
    """Someone whose reads and writes are scoped: a signed-in :class:`~cakupan.accounts.models.User`
    or :data:`SYSTEM` (the CLI). Both satisfy it; nothing else is needed to scope a query."""

    @property
    def role(self) -> str: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def can_write(self) -> bool: ...

    @property
    def region_id(self) -> str | None: ...

    @property
    def region(self) -> Region | None: ...

    @property
    def unit_id(self) -> int | None: ...

    @property
    def unit(self) -> _Placed | None: ...

    @property
    def branch_office_id(self) -> int | None: ...


# Whoever a read may come from: a viewer, an anonymous visitor or no user at all (a system actor
# of a job); the last two see nothing.
MaybeViewer: TypeAlias = Viewer | AnonymousUser | None


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
    region_id: str | None = None
    region: Region | None = None
    unit_id: int | None = None
    unit: _Placed | None = None
    branch_office_id: int | None = None

    def __str__(self) -> str:
        return "system"


SYSTEM: Viewer = _SystemUser()


def _active(user: MaybeViewer) -> Viewer | None:
    """``user`` if they may see anything at all (signed in, active), otherwise None."""
    if user is None or isinstance(user, AnonymousUser):
        return None
    if not user.is_authenticated or not user.is_active:
        return None
    return user


def region_codes(user: Viewer) -> list[str] | None:
    """Region codes that bound a region-scoped user; None when the role is not region-scoped."""
    if user.role in _REGION_ROLES and user.region_id:
        return [str(user.region_id)]
    if user.role == Role.PETUGAS_BPJS and user.branch_office_id:
        office = user.branch_office_id
        return list(
            per_request(
                ("branch_region_codes", office),
                lambda: list(
                    Region.objects.filter(branch_offices=office).values_list("code", flat=True)
                ),
            )
        )
    return None


def _any_region_q(codes: list[str], field: str) -> Q:
    q = _NOTHING
    for code in codes:
        q |= region_subtree_q(code, field)
    return q


def unit_scope_q(user: MaybeViewer, prefix: str = "") -> Q | None:
    """A filter on units (through ``prefix``, e.g. ``"unit__"``) for ``user``; None = no limit."""
    viewer = _active(user)
    if viewer is None:
        return _NOTHING
    if viewer.role == Role.SUPERADMIN:
        return None
    codes = region_codes(viewer)
    if codes is not None:
        return _any_region_q(codes, f"{prefix}region__code")
    if viewer.role == Role.OPERATOR_OPD and viewer.unit_id:
        return Q(**{f"{prefix}pk": viewer.unit_id}) | Q(**{f"{prefix}parent_id": viewer.unit_id})
    if viewer.role == Role.OPERATOR_DESA and viewer.unit is not None:
        return region_subtree_q(str(viewer.unit.region_id), f"{prefix}region__code")
    return _NOTHING


def region_scope_q(user: MaybeViewer, field: str) -> Q | None:
    """A filter on a region code (``field``, e.g. ``"domicile__code"``) for ``user``; None = no limit.

    For what is located in a region rather than attached to a unit. Region-scoped roles see their
    regions and below; roles scoped by a unit see nothing this way (a unit's scope says nothing
    about where people live), nor do anonymous or inactive users.
    """
    viewer = _active(user)
    if viewer is None:
        return _NOTHING
    if viewer.role == Role.SUPERADMIN:
        return None
    codes = region_codes(viewer)
    return _NOTHING if codes is None else _any_region_q(codes, field)


def region_scope_covers(user: MaybeViewer, code: str) -> bool:
    """Whether ``user``'s scope is bounded by regions and holds all of region ``code`` (every unit
    in it and below, :func:`unit_scope_q`), known without a query. False means "not known so"."""
    viewer = _active(user)
    if viewer is None or not code:
        return False
    codes = region_codes(viewer)
    return codes is not None and any(in_region_subtree(code, c) for c in codes)


def limit_to_units(user: MaybeViewer, qs: QuerySet[M], unit_path: str = "") -> QuerySet[M]:
    """``qs`` limited to rows whose unit (through ``unit_path``, e.g. ``"payer__"``) ``user`` can see."""
    q = unit_scope_q(user, unit_path)
    return qs if q is None else qs.filter(q)


def require_write(user: MaybeViewer) -> None:
    """403 unless ``user`` has a role that writes (see ``models.WRITER_ROLES``)."""
    viewer = _active(user)
    if viewer is None or not viewer.can_write:
        raise PermissionDenied


def get_visible_or_404(
    user: MaybeViewer, visible: QuerySet[M], *, write: bool = False, **lookup: Any
) -> M:
    """The one row of ``visible`` (a queryset already scoped to ``user``) matching ``lookup``.

    404 when there is none, whatever the reason (out of scope, unknown, malformed id), so ids
    cannot be probed; then 403 on write for read-only roles.
    """
    try:
        row = visible.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write:
        require_write(user)
    return row


# Levels whose current children are offered too (a kabupaten admin may plan one kecamatan).
_CHILDREN_OFFERED_BELOW = (RegionKind.PROVINSI, RegionKind.KABUPATEN, RegionKind.KOTA)


def regions_plannable_by(user: MaybeViewer) -> list[Region] | None:
    """The regions ``user`` may plan, widest first; ``None`` means any region (superadmin).

    Used by the budget planner (``/anggaran/``). The roots mirror :func:`unit_scope_q`:
    region-scoped roles their region, a BPJS officer the regions of the branch office,
    unit-scoped operators the region of their unit.
    Current children of a kabupaten/kota (its kecamatan) are offered as well. Nobody signed in
    (or inactive): none.
    """
    viewer = _active(user)
    if viewer is None:
        return []
    if viewer.role == Role.SUPERADMIN:
        return None
    # Once per request (``common.memo``): the home page asks in four places. The key names every
    # field the answer depends on.
    key = (
        "regions_plannable_by",
        viewer.role,
        viewer.region_id,
        viewer.branch_office_id,
        viewer.unit_id,
    )
    return list(per_request(key, lambda: _regions_plannable_by(viewer)))


def _regions_plannable_by(user: Viewer) -> list[Region]:
    roots: list[Region] = []
    if user.role in _REGION_ROLES and user.region is not None:
        roots = [user.region]
    elif user.role == Role.PETUGAS_BPJS and user.branch_office_id:
        roots = list(Region.objects.filter(branch_offices=user.branch_office_id).order_by("code"))
    elif user.role in (Role.OPERATOR_OPD, Role.OPERATOR_DESA) and user.unit is not None:
        roots = [user.unit.region]
    out: list[Region] = []
    for root in roots:
        out.append(root)
        if root.kind in _CHILDREN_OFFERED_BELOW:
            out.extend(current_children(root.code))
    return out


def region_in_scope(region: Region, allowed: list[Region] | None) -> bool:
    """Whether ``region`` is one of ``allowed`` or lies below one (``None``: any region)."""
    if allowed is None:
        return True
    return any(in_region_subtree(region.code, r.code) for r in allowed)
