"""Follow-up lists: who a camat, a DPMD or an admin should call next, with the unit and a contact.

Five lists of a region on a day (read-only selectors, always through the user's scope):

* ``desa_without_officials``: desa where no kepala desa, perangkat desa or BPD member is protected;
* ``desa_below_rentan_target``: desa with fewer pekerja rentan protected than their per-desa target;
* ``memberships_ending``: memberships whose protection ends within the next ``days`` days;
* ``bpu_lapsing``: BPU memberships with an unpaid contribution month whose grace period
  (``bpu.grace_months``, Perdir BPJS TK 22/2022) ends within the next ``days`` days, or has ended
  and the lapse was not run yet;
* ``posts_unfilled``: units with fewer protected members than posts (formasi) in a segment.

The two desa lists judge every unit of a desa, so they are given only to a user who sees all units
of the region (a camat in their kecamatan, an admin in their kabupaten, a superadmin); for an
operator they are left out (``available`` false) instead of listing every desa as empty.
Memberships name people: the caller logs what it shows (``record_access``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, IntegerField, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.models import Role, User
from cakupan.common.dates import shift_month
from cakupan.coverage.figures import rentan_targets_of_desa
from cakupan.coverage.selectors import (
    Place,
    scope_is_whole,
    scoped_formations,
    scoped_memberships,
    within_region,
)
from cakupan.registry.models import (
    VILLAGE_OFFICIAL_SEGMENTS,
    Membership,
    MembershipStatus,
    Scheme,
    Segment,
    Unit,
    UnitKind,
)
from cakupan.registry.selectors import covered_on_q
from cakupan.rules.params import load_parameters
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import region_subtree_q

DEFAULT_DAYS = 60

LIST_TITLES = {
    "desa_without_officials": _("Desa tanpa aparat desa/BPD terlindungi"),
    "desa_below_rentan_target": _("Desa di bawah target pekerja rentan"),
    "memberships_ending": _("Kepesertaan berakhir dalam waktu dekat"),
    "bpu_lapsing": _("BPU menunggak, akan nonaktif"),
    "posts_unfilled": _("Formasi belum terisi"),
}


@dataclass
class FollowupList:
    key: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    available: bool = True  # False: not for this user's scope (see the module docstring)
    note: str = ""  # why the list is empty or not available

    @property
    def title(self) -> str:
        return str(LIST_TITLES[self.key])

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "available": self.available,
            "count": len(self.rows),
            "note": self.note,
            "rows": self.rows,
        }


# --- contacts ------------------------------------------------------------------------------------


def _user_label(user: User) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name} ({user.email})" if user.email else name


class _Contacts:
    """Who to call about a unit or a desa: its operator, else the camat, else the kabupaten admin."""

    def __init__(self, place: Place) -> None:
        users = User.objects.filter(is_active=True).select_related("unit")
        if not place.is_nation:
            users = users.filter(
                Q(unit__region__code=place.code)
                | Q(unit__region__code__startswith=f"{place.code}.")
                | Q(region_id__in=[place.code, *_ancestors(place.code)])
                | Q(region__code__startswith=f"{place.code}.")
            )
        self.by_unit: dict[int, list[str]] = defaultdict(list)
        self.by_desa: dict[str, list[str]] = defaultdict(list)
        self.by_region: dict[str, list[str]] = defaultdict(list)
        for user in users.filter(
            role__in=[Role.OPERATOR_OPD, Role.OPERATOR_DESA, Role.CAMAT, Role.ADMIN_KABUPATEN]
        ).order_by("username"):
            label = _user_label(user)
            if user.role == Role.OPERATOR_OPD and user.unit_id:
                self.by_unit[user.unit_id].append(label)
            elif user.role == Role.OPERATOR_DESA and user.unit is not None:
                self.by_desa[user.unit.region_id].append(label)
            elif user.region_id:
                self.by_region[user.region_id].append(label)

    def for_desa(self, code: str) -> str:
        for labels in (
            self.by_desa.get(code),
            self.by_region.get(code[:8]),  # the camat
            self.by_region.get(code[:5]),  # the kabupaten admin (DPMD)
        ):
            if labels:
                return "; ".join(labels)
        return ""

    def for_unit(self, unit: Unit) -> str:
        if unit.region.level == 4:
            return self.for_desa(unit.region_id)
        for labels in (
            self.by_unit.get(unit.pk),
            self.by_unit.get(unit.parent_id) if unit.parent_id else None,
            self.by_region.get(unit.region_id[:8]) if unit.region.level >= 3 else None,
            self.by_region.get(unit.region_id[:5]),
        ):
            if labels:
                return "; ".join(labels)
        return ""


def _ancestors(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


# --- the lists -----------------------------------------------------------------------------------


def _desa_in(place: Place) -> list[Region]:
    qs = Region.objects.filter(kind=RegionKind.DESA, valid_to__isnull=True)
    if not place.is_nation:
        qs = qs.filter(region_subtree_q(place.code))
    return list(qs.order_by("code"))


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _village_units(place: Place, kind: str) -> dict[str, Unit]:
    """The unit of ``kind`` (pemerintah desa, kelompok rentan) of each desa below ``place``."""
    qs = Unit.objects.filter(kind=kind, region__kind=RegionKind.DESA).order_by("code")
    if not place.is_nation:
        qs = qs.filter(region_subtree_q(place.code, "region__code"))
    out: dict[str, Unit] = {}
    for unit in qs:
        out.setdefault(unit.region_id, unit)
    return out


def _desa_row(
    desa: Region, kecamatan: dict[str, str], unit: Unit | None, contact: str
) -> dict[str, Any]:
    return {
        "desa_code": desa.code,
        "desa": desa.name,
        "kecamatan": kecamatan.get(desa.code[:8], ""),
        "unit_code": unit.code if unit else "",
        "unit": unit.name if unit else "",
        "contact": contact,
    }


def desa_without_officials(
    user: Any, place: Place, on: dt.date, contacts: _Contacts
) -> FollowupList:
    result = FollowupList("desa_without_officials")
    if not scope_is_whole(user, place.code):
        result.available = False
        result.note = str(_("Hanya untuk pengguna yang melihat seluruh unit wilayah ini."))
        return result
    covered = set(
        within_region(scoped_memberships(user), place.code, "unit__region__code")
        .filter(covered_on_q(on), segment__in=VILLAGE_OFFICIAL_SEGMENTS)
        .filter(unit__region__kind=RegionKind.DESA)
        .values_list("unit__region_id", flat=True)
        .distinct()
    )
    desa = [d for d in _desa_in(place) if d.code not in covered]
    kecamatan = _names({d.code[:8] for d in desa})
    units = _village_units(place, UnitKind.PEMERINTAH_DESA)
    result.rows = [
        _desa_row(d, kecamatan, units.get(d.code), contacts.for_desa(d.code)) for d in desa
    ]
    return result


def desa_below_rentan_target(
    user: Any, place: Place, on: dt.date, contacts: _Contacts
) -> FollowupList:
    result = FollowupList("desa_below_rentan_target")
    if not scope_is_whole(user, place.code):
        result.available = False
        result.note = str(_("Hanya untuk pengguna yang melihat seluruh unit wilayah ini."))
        return result
    targets = rentan_targets_of_desa(place.code, on)
    if not targets:
        result.note = str(_("Belum ada target pekerja rentan per desa untuk wilayah ini."))
        return result
    counts = dict(
        within_region(scoped_memberships(user), place.code, "unit__region__code")
        .filter(covered_on_q(on), segment=Segment.PEKERJA_RENTAN)
        .filter(unit__region__kind=RegionKind.DESA)
        .values_list("unit__region_id")
        .annotate(n=Count("pk"))
        .values_list("unit__region_id", "n")
        .order_by()
    )
    desa = [
        d for d in _desa_in(place) if d.code in targets and counts.get(d.code, 0) < targets[d.code]
    ]
    kecamatan = _names({d.code[:8] for d in desa})
    units = _village_units(place, UnitKind.KELOMPOK_RENTAN)
    pemdes = _village_units(place, UnitKind.PEMERINTAH_DESA)
    for d in desa:
        unit = units.get(d.code) or pemdes.get(d.code)
        row = _desa_row(d, kecamatan, unit, contacts.for_desa(d.code))
        covered, target = counts.get(d.code, 0), targets[d.code]
        row.update(covered=covered, target=target, gap=target - covered)
        result.rows.append(row)
    return result


def _person_row(m: Membership, contacts: _Contacts) -> dict[str, Any]:
    return {
        "membership": m.pk,
        "person": m.person.name,
        "nik": m.person.masked_nik,
        "segment": m.segment,
        "segment_label": str(Segment(m.segment).label),
        "scheme": m.scheme,
        "unit_code": m.unit.code,
        "unit": m.unit.name,
        "region": m.unit.region_id,
        "contact": contacts.for_unit(m.unit),
    }


def memberships_ending(
    user: Any, place: Place, on: dt.date, days: int, contacts: _Contacts
) -> FollowupList:
    until = on + dt.timedelta(days=days)
    rows = (
        within_region(scoped_memberships(user), place.code, "unit__region__code")
        .filter(covered_on_q(on), end_date__gte=on, end_date__lte=until)
        .select_related("person", "unit", "unit__region")
        .order_by("end_date", "unit__code", "person__name", "id")
    )
    result = FollowupList("memberships_ending")
    for m in rows:
        row = _person_row(m, contacts)
        row["end_date"] = m.end_date
        result.rows.append(row)
    return result


def bpu_lapsing(
    user: Any, place: Place, on: dt.date, days: int, contacts: _Contacts
) -> FollowupList:
    """BPU memberships with an unpaid month whose grace period ends by ``on + days``.

    A contribution month counts as paid when its bill received its whole total from payments
    dated on or before ``on`` (as the billing lapse check counts it); the membership lapses on the
    first day of month ``oldest unpaid + grace``.
    """
    from cakupan.billing.models import Allocation, BillEntry

    grace = int(load_parameters().value("bpu.grace_months", on))
    members = (
        within_region(scoped_memberships(user), place.code, "unit__region__code")
        .filter(covered_on_q(on), scheme=Scheme.BPU)
        .filter(status__in=[MembershipStatus.REGISTERED, MembershipStatus.ACTIVE])
    )
    paid = (
        Allocation.objects.filter(bill=OuterRef("bill_id"), payment__paid_on__lte=on)
        .values("bill")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    oldest = dict(
        BillEntry.objects.filter(scheme=Scheme.BPU, bill__month__lte=on)
        .filter(membership__in=members.values("pk"))
        .annotate(paid=Coalesce(Subquery(paid, output_field=IntegerField()), 0))
        .filter(bill__total__gt=F("paid"))
        .values_list("membership_id")
        .annotate(oldest=Min("bill__month"))
        .values_list("membership_id", "oldest")
        .order_by()
    )
    horizon = on + dt.timedelta(days=days)
    due = {pk: shift_month(month, grace) for pk, month in oldest.items()}
    due = {pk: day for pk, day in due.items() if day <= horizon}
    result = FollowupList("bpu_lapsing")
    for m in (
        Membership.objects.filter(pk__in=due)
        .select_related("person", "unit", "unit__region")
        .order_by("unit__code", "person__name", "id")
    ):
        row = _person_row(m, contacts)
        row.update(oldest_unpaid_month=oldest[m.pk], lapses_on=due[m.pk], overdue=due[m.pk] <= on)
        result.rows.append(row)
    result.rows.sort(key=lambda r: (r["lapses_on"], r["unit_code"], r["person"]))
    return result


def posts_unfilled(user: Any, place: Place, on: dt.date, contacts: _Contacts) -> FollowupList:
    members = (
        Membership.objects.filter(
            covered_on_q(on), unit=OuterRef("unit_id"), segment=OuterRef("segment")
        )
        .values("unit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    formations = (
        within_region(scoped_formations(user), place.code, "unit__region__code")
        .filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .annotate(members=Coalesce(Subquery(members, output_field=IntegerField()), 0))
        .filter(members__lt=F("posts"))
        .select_related("unit", "unit__region")
        .order_by("unit__region_id", "unit__code", "segment")
    )
    result = FollowupList("posts_unfilled")
    for f in formations:
        result.rows.append(
            {
                "unit_code": f.unit.code,
                "unit": f.unit.name,
                "region": f.unit.region_id,
                "segment": f.segment,
                "segment_label": str(Segment(f.segment).label),
                "posts": f.posts,
                "filled": f.members,
                "vacant": f.posts - f.members,
                "contact": contacts.for_unit(f.unit),
            }
        )
    return result


def followup_lists(
    user: Any, place: Place, on: dt.date, *, days: int = DEFAULT_DAYS
) -> dict[str, FollowupList]:
    """The five lists of ``place`` on ``on`` for ``user`` (see the module docstring)."""
    contacts = _Contacts(place)
    return {
        "desa_without_officials": desa_without_officials(user, place, on, contacts),
        "desa_below_rentan_target": desa_below_rentan_target(user, place, on, contacts),
        "memberships_ending": memberships_ending(user, place, on, days, contacts),
        "bpu_lapsing": bpu_lapsing(user, place, on, days, contacts),
        "posts_unfilled": posts_unfilled(user, place, on, contacts),
    }


def membership_ids(lists: dict[str, FollowupList]) -> list[int]:
    """The memberships (personal data) the lists show, for the access log."""
    return sorted(
        {
            row["membership"]
            for key in ("memberships_ending", "bpu_lapsing")
            for row in lists[key].rows
        }
    )
