"""Every route of the site, and one world holding a record of every kind a route can name.

For the tests that walk all routes (``cakupan/privacy/tests``): the route x role x scope matrix and
the fuzz over every GET parameter. :func:`site_routes` lists the routes from Django's resolver (so a
new route is seen the day it is added); :func:`build_route_world` makes, in Kecamatan Malili (Luwu
Timur), one person with a membership, an intake batch, a bill and an approved death claim with a
scholarship child (heirs, documents, components, instalments), and for every role one user whose
scope holds them and, where a role has a scope, one whose scope does not.

:func:`module_world` keeps such a world for a whole test module inside one transaction that is
rolled back at the end; each test still runs in its own savepoint (the ``db`` fixture), so a test
that changes the world leaves it as it was for the next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Role, Source, User
from cakupan.testing.factories import make_user

D = dt.date


@dataclass(frozen=True)
class Route:
    """A named route: ``name`` with its namespace (``registry:person_detail``), its pattern and
    the names of its path parameters."""

    name: str
    pattern: str
    params: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")


def _walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            params = tuple(entry.pattern.regex.groupindex)
            yield Route(name=name, pattern=prefix + str(entry.pattern), params=params)


def site_routes() -> list[Route]:
    """Every named route of the site (the Django admin's included), once each, by name."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns, "", None):
        seen.setdefault(route.name, route)
    return sorted(seen.values(), key=lambda r: r.name)


# The scholarship child of the claim, and the CSV the batch holds.
CHILD_BORN = D(2008, 5, 1)
BATCH_CSV = (
    b"NIK,Nama,Jenis Kelamin,Tanggal Lahir,Jabatan,Upah\n"
    b"7324041708850001,Andi Saputra,L,17-08-1985,Sekretaris Desa,2500000\n"
)


@dataclass
class RouteWorld:
    """Records by kind (``ids["claim"]``) and users by role, in scope and out of it."""

    ids: dict[str, int]
    users_in: dict[str, User]
    users_out: dict[str, User] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # kind -> a text the record's pages show


def build_route_world() -> RouteWorld:
    """See the module docstring. Needs the regions; uploads go to the default storage."""
    from cakupan.billing.models import Bill
    from cakupan.billing.services import billing_run
    from cakupan.claims import services as claim_services
    from cakupan.claims.models import ClaimComponent, ClaimDocument, ScholarshipInstalment
    from cakupan.claims.tests.builders import approved, complete_draft, heir
    from cakupan.claims.tests.builders import build_world as build_claims_world
    from cakupan.intake import services as intake_services
    from cakupan.registry.models import Segment

    world = build_claims_world()
    desa = Actor(user=world.users["desa"], source=Source.WEB)
    claim = complete_draft(world)
    child = claim_services.heir_add(
        actor=desa,
        claim=claim,
        data=heir(
            "Nur Anak Uji",
            "child",
            CHILD_BORN,
            sex="P",
            sequence=61,
            scholarship=True,
            school_level="smp",
            school_class=8,
        ),
        today=D(2024, 9, 30),
    )
    claim = approved(world, claim)
    batch = intake_services.batch_create(
        actor=desa,
        unit=world.pemdes,
        segment=Segment.PERANGKAT_DESA,
        file_name="perangkat.csv",
        data=BATCH_CSV,
    )
    billing_run(
        actor=Actor.system(source="cli", label="uji"), month=D(2024, 1, 1), region_code="73.24"
    )
    bill = Bill.objects.filter(payer=world.pemdes).order_by("month").first()
    assert bill is not None, "the billing run billed no membership of the world"
    users_in: dict[str, User] = {
        Role.SUPERADMIN: world.users["superadmin"],
        Role.ADMIN_KABUPATEN: world.users["admin"],
        Role.OPERATOR_DESA: world.users["desa"],
        Role.CAMAT: world.users["camat"],
        Role.PETUGAS_BPJS: world.users["bpjs"],
        Role.PIMPINAN: world.users["pimpinan"],
    }
    users_out: dict[str, User] = {
        Role.ADMIN_KABUPATEN: world.users["admin_other"],
        Role.OPERATOR_DESA: world.users["desa_other"],
        Role.OPERATOR_OPD: world.users["opd"],
        Role.CAMAT: world.users["camat_other"],
        Role.PETUGAS_BPJS: world.users["bpjs_other"],
        Role.PIMPINAN: make_user(role=Role.PIMPINAN, region="74.05", username="bupati.konsel"),
    }
    ids = {
        "person": world.deceased.pk,
        "membership": world.membership.pk,
        "batch": batch.pk,
        "bill": bill.pk,
        "claim": claim.pk,
        "heir": child.pk,
        "document": ClaimDocument.objects.filter(claim=claim).order_by("pk").first().pk,  # type: ignore[union-attr]
        "component": ClaimComponent.objects.filter(claim=claim).order_by("pk").first().pk,  # type: ignore[union-attr]
        "instalment": ScholarshipInstalment.objects.filter(claim=claim).order_by("pk").first().pk,  # type: ignore[union-attr]
        "user": world.users["desa"].pk,  # an operator account its admin kabupaten manages
    }
    # An API token of the desa operator: its owner, and the administrators who manage the owner,
    # may revoke it on the web (``api_tokens:revoke``).
    from cakupan.api.services import token_create

    ids["token"] = token_create(
        actor=Actor.system(source="cli", label="uji"), user=world.users["desa"], name="uji"
    ).token.pk
    names = {"person": world.deceased.name, "claim": claim.number, "wage": f"{Decimal(2_850_000)}"}
    return RouteWorld(ids=ids, users_in=users_in, users_out=users_out, names=names)


@contextmanager
def module_world(django_db_blocker: Any, files: Path) -> Iterator[RouteWorld]:
    """A :class:`RouteWorld` for one test module, rolled back when the module is done."""
    storage = override_settings(
        STORAGES={
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(files)},
            },
        }
    )
    with storage, django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_route_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
