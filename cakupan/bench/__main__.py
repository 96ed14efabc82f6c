"""``make bench``: each of our bulk paths beside the plain path it replaces, in one run.

Runs on a throwaway embedded PostgreSQL (the test settings). Prints rows/s and the ratio to the
baseline; ``docs/benchmarks.md`` records the figures with machine and date. Absolute seconds vary
on these shared machines; the ratio within one run is the number to compare.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import sys
import time
from decimal import Decimal
from typing import Any

os.environ["DJANGO_SETTINGS_MODULE"] = "cakupan.config.settings.test"

import django

django.setup()

from django.db import connection
from django.test.utils import setup_test_environment

from cakupan.bench.harness import line, rolled_back


def bench_regions() -> dict[str, Any]:
    from cakupan.wilayah.dataset import dataset_source, iter_regions
    from cakupan.wilayah.models import Region
    from cakupan.wilayah.services import regions_load

    rows = list(iter_regions())

    def empty() -> None:
        # Inside the rolled-back transaction of ``timed``: nothing is lost.
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE wilayah_region, wilayah_regiondataset CASCADE")

    def ours() -> None:
        empty()
        regions_load(rows=rows, source=dataset_source() + " bench", force=True)

    def baseline() -> None:
        empty()
        Region.objects.bulk_create(
            [
                Region(
                    code=r.code,
                    name=r.name,
                    kind=r.kind,
                    level=r.level,
                    parent_id=r.parent,
                    source="bench",
                )
                for r in rows
            ],
            batch_size=5000,
        )

    return line(
        "regions load (COPY + upsert)",
        len(rows),
        rolled_back(ours)[0],
        "bulk_create",
        rolled_back(baseline)[0],
    )


def _enrolments(n: int) -> list[Any]:
    from cakupan.common.nik import make_nik
    from cakupan.registry.models import Unit
    from cakupan.registry.services import Enrolment, MembershipInput, PersonInput

    unit, _ = Unit.objects.get_or_create(
        code="BENCH-UNIT", defaults={"name": "Unit bench", "kind": "opd", "region_id": "73.24"}
    )
    rng = random.Random(1)
    out = []
    for i in range(n):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(0, 12000))
        sex = rng.choice("LP")
        nik = make_nik(district_code="73.24.04", birth_date=birth, sex=sex, sequence=i % 9999 + 1)
        out.append(
            Enrolment(
                person=PersonInput(
                    nik=nik,
                    name=f"Orang {i}",
                    sex=sex,
                    birth_date=birth,
                    domicile_code="73.24.04.2001",
                ),
                memberships=[
                    MembershipInput(
                        unit_id=unit.pk,
                        segment="non_asn",
                        funding_source="apbd_kabkota",
                        scheme="pu",
                        wage=Decimal(2_000_000),
                        start_date=dt.date(2024, 1, 1),
                        status="active",
                    )
                ],
            )
        )
    # make_nik's sequence wraps: keep one enrolment per NIK.
    return list({e.person.nik: e for e in out}.values())


def bench_enrolment(n: int = 20_000) -> dict[str, Any]:
    from cakupan.accounts.audit import Actor, snapshot
    from cakupan.accounts.models import AuditEvent
    from cakupan.registry.models import Membership, Person
    from cakupan.registry.services import enrol_bulk

    enrolments = _enrolments(n)
    actor = Actor.system(source="cli", label="bench")

    def ours() -> None:
        enrol_bulk(actor=actor, enrolments=enrolments)

    def baseline() -> None:
        people = [
            Person(
                nik=e.person.nik,
                name=e.person.name,
                sex=e.person.sex,
                birth_date=e.person.birth_date,
                domicile_id=e.person.domicile_code,
            )
            for e in enrolments
        ]
        Person.objects.bulk_create(people, batch_size=5000)
        memberships = [
            Membership(
                person=p,
                unit_id=m.unit_id,
                segment=m.segment,
                funding_source=m.funding_source,
                scheme=m.scheme,
                programmes=list(m.programmes),
                wage=m.wage,
                start_date=m.start_date,
                status=m.status,
            )
            for p, e in zip(people, enrolments, strict=True)
            for m in e.memberships
        ]
        Membership.objects.bulk_create(memberships, batch_size=5000)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor_label="bench",
                    source="cli",
                    action="create",
                    entity="registry.person",
                    entity_id=str(p.pk),
                    after=snapshot(p, Person.AUDITED_FIELDS),
                )
                for p in people
            ]
            + [
                AuditEvent(
                    actor_label="bench",
                    source="cli",
                    action="create",
                    entity="registry.membership",
                    entity_id=str(m.pk),
                    after=snapshot(m, Membership.AUDITED_FIELDS),
                )
                for m in memberships
            ],
            batch_size=5000,
        )

    return line(
        "enrol people + memberships + audit",
        len(enrolments),
        rolled_back(ours)[0],
        "bulk_create",
        rolled_back(baseline)[0],
    )


def bench_nik(n: int = 200_000) -> dict[str, Any]:
    from stdnum.id import nik as stdnum_nik

    from cakupan.common.nik import make_nik, parse_nik

    rng = random.Random(2)
    niks = [
        make_nik(
            district_code="73.24.04",
            birth_date=dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 20000)),
            sex=rng.choice("LP"),
            sequence=rng.randint(1, 9999),
        )
        for _ in range(n)
    ]
    start = time.perf_counter()
    for nik in niks:
        parse_nik(nik)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for nik in niks:
        stdnum_nik.is_valid(nik)
    baseline = time.perf_counter() - start
    return line("NIK parse, per row (Python)", n, ours, "stdnum is_valid", baseline)


BENCHMARKS = (
    "regions",
    "enrol",
    "nik",
    "intake",
    "intake-cli",
    "billing",
    "coverage",
    "exports",
    "load",
    "pages",
)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks named on the command line (all of them when none is named)."""
    names = list(sys.argv[1:] if argv is None else argv) or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        raise SystemExit(
            f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    setup_test_environment()
    old_config = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from cakupan.wilayah.dataset import dataset_source, iter_regions
        from cakupan.wilayah.services import regions_load

        regions_load(rows=iter_regions(), source=dataset_source())
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            server = cursor.fetchone()[0].split(" on ")[0]
        print(
            f"Cakupan benchmarks, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, {server}"
        )
        if "regions" in names:
            bench_regions()
        if "enrol" in names:
            bench_enrolment()
        if "nik" in names:
            bench_nik()
        if "intake" in names:
            from cakupan.bench.intake import bench_intake

            bench_intake()
        if "intake-cli" in names:
            from cakupan.bench.intake.cli import bench_intake_cli

            bench_intake_cli()
        if "billing" in names:
            from cakupan.bench.billing import bench_billing

            bench_billing()
        if "coverage" in names:
            from cakupan.bench.coverage import bench_coverage

            bench_coverage()
        if "exports" in names:
            from cakupan.bench.exports import bench_exports

            bench_exports()
        if "load" in names:
            from cakupan.bench.load import bench_load

            bench_load()
        if "pages" in names:
            from cakupan.bench.pages import bench_pages

            bench_pages()
    finally:
        connection.creation.destroy_test_db(old_config, verbosity=0)


if __name__ == "__main__":
    main()
