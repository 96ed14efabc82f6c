"""Billing runs: exact amounts, who is billed for a month, reruns, adjustments, payers, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent
from cakupan.billing import services
from cakupan.billing.models import Bill, BillEntry, BillingRun, BillLine, BillStatus, RunRate
from cakupan.registry.models import Membership, MembershipStatus, Unit, UnitKind
from cakupan.testing.factories import make_membership, make_person, make_unit

D = dt.date
ACTOR = Actor.system(source="cli", label="uji")
MAY = D(2024, 5, 1)


def run(month: dt.date = MAY, region: str | None = None) -> services.RunResult:
    return services.billing_run(actor=ACTOR, month=month, region_code=region)


def lines_of(bill: Bill) -> dict[tuple[int, str], tuple[object, ...]]:
    return {
        (line.membership_id, line.programme): (
            line.basis,
            line.rate,
            line.employer,
            line.worker,
            line.total,
        )
        for line in BillLine.objects.filter(bill=bill)
    }


def assert_lines_sum_to_bills() -> None:
    """Every bill equals the sums of its lines (employer, worker, total, per scheme, count)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT b.id FROM billing_bill b
                 LEFT JOIN (SELECT bill_id, count(*) n, sum(employer) e, sum(worker) w,
                                   sum(total) t, sum(total) FILTER (WHERE scheme = 'pu') pu
                              FROM billing_billline GROUP BY bill_id) l ON l.bill_id = b.id
                WHERE (b.lines_count, b.employer_total, b.worker_total, b.total, b.pu_total)
                      IS DISTINCT FROM (coalesce(l.n, 0), coalesce(l.e, 0), coalesce(l.w, 0),
                                        coalesce(l.t, 0), coalesce(l.pu, 0))"""
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_a_month_is_billed_per_payer_with_exact_amounts() -> None:
    opd = make_unit(code="OPD-A")
    group = make_unit(kind=UnitKind.KELOMPOK_RENTAN, code="RENTAN-A")
    group.payer = opd
    group.save()
    pu = make_membership(
        unit=opd, wage=Decimal(3_000_000), programmes=["jkk", "jkm", "jht", "jp"], risk_class=2
    )
    capped = make_membership(
        unit=opd, wage=Decimal(12_000_000), programmes=["jkk", "jkm", "jht", "jp"], risk_class=None
    )
    bpu = make_membership(
        unit=group, wage=Decimal(800_000), scheme="bpu", risk_class=None, segment="pekerja_rentan"
    )
    bpu_formula = make_membership(
        unit=group,
        wage=Decimal(2_345_650),
        scheme="bpu",
        risk_class=None,
        segment="pekerja_rentan",
        programmes=["jkk", "jkm", "jht"],
    )

    result = run()

    bill = Bill.objects.get()
    assert bill.payer == opd  # the group's bill goes to the OPD that pays for it
    assert (result.created, result.payers, result.memberships, result.lines) == (1, 1, 4, 13)
    assert lines_of(bill) == {
        # JKK class II 0.54%, JKM 0.30%, JHT 3.7% + 2%, JP 2% + 1% (PP 44/2015, 45/2015, 46/2015)
        (pu.pk, "jkk"): (Decimal(3_000_000), Decimal("0.0054"), 16_200, 0, 16_200),
        (pu.pk, "jkm"): (Decimal(3_000_000), Decimal("0.003"), 9_000, 0, 9_000),
        (pu.pk, "jht"): (Decimal(3_000_000), Decimal("0.057"), 111_000, 60_000, 171_000),
        (pu.pk, "jp"): (Decimal(3_000_000), Decimal("0.03"), 60_000, 30_000, 90_000),
        # No risk class: class I; JP on the cap of March 2024, Rp10,042,300
        (capped.pk, "jkk"): (Decimal(12_000_000), Decimal("0.0024"), 28_800, 0, 28_800),
        (capped.pk, "jkm"): (Decimal(12_000_000), Decimal("0.003"), 36_000, 0, 36_000),
        (capped.pk, "jht"): (Decimal(12_000_000), Decimal("0.057"), 444_000, 240_000, 684_000),
        (capped.pk, "jp"): (Decimal(10_042_300), Decimal("0.03"), 200_846, 100_423, 301_269),
        # BPU: the participant's share; JKK 1% below the Rp10,000 minimum, JKM flat Rp6,800
        (bpu.pk, "jkk"): (Decimal(800_000), None, 0, 10_000, 10_000),
        (bpu.pk, "jkm"): (Decimal(800_000), None, 0, 6_800, 6_800),
        # 1% of 2,345,650 = 23,456.5 -> 23,457 (half up); JHT 2% = 46,913
        (bpu_formula.pk, "jkk"): (Decimal(2_345_650), Decimal("0.01"), 0, 23_457, 23_457),
        (bpu_formula.pk, "jkm"): (Decimal(2_345_650), None, 0, 6_800, 6_800),
        (bpu_formula.pk, "jht"): (Decimal(2_345_650), Decimal("0.02"), 0, 46_913, 46_913),
    }
    assert BillLine.objects.get(membership=capped, programme="jkk").risk_class_assumed is True
    assert BillLine.objects.get(membership=pu, programme="jkk").risk_class == 2
    assert bill.pu_total == 16_200 + 9_000 + 171_000 + 90_000 + 28_800 + 36_000 + 684_000 + 301_269
    assert bill.bpu_total == 10_000 + 6_800 + 23_457 + 6_800 + 46_913
    assert bill.total == result.total == bill.pu_total + bill.bpu_total
    # A bill holding BPU lines is due on the 15th of the month itself (PU: of the next month).
    assert bill.due_date == D(2024, 5, 15)
    assert bill.status == BillStatus.OPEN
    assert_lines_sum_to_bills()
    # The rates used are kept with the run, with their legal basis.
    assert RunRate.objects.filter(run_id=result.run_id, scheme="pu", programme="jp").exists()
    # One audit event for the run, with who, month, scope and counts.
    event = AuditEvent.objects.get(entity="billing.billingrun")
    assert event.after is not None
    assert event.after["month"] == "2024-05"
    assert event.after["region"] is None
    assert event.after["bills_created"] == 1
    assert event.actor_label == "uji"


@pytest.mark.django_db
def test_pu_only_bill_is_due_the_15th_of_the_following_month() -> None:
    make_membership(wage=Decimal(2_000_000))
    run(D(2024, 12, 1))
    assert Bill.objects.get().due_date == D(2025, 1, 15)


@pytest.mark.django_db
def test_joiners_and_leavers_pay_the_whole_month_and_only_covered_statuses_are_billed() -> None:
    unit = make_unit()
    billed = [
        make_membership(unit=unit, start_date=D(2024, 5, 31)),  # joins on the last day
        make_membership(unit=unit, start_date=D(2023, 1, 1), end_date=D(2024, 5, 1),
                        status=MembershipStatus.ENDED),  # leaves on the first day
        make_membership(unit=unit, start_date=D(2023, 1, 1), end_date=D(2024, 5, 20),
                        status=MembershipStatus.LAPSED),
        make_membership(unit=unit, start_date=D(2024, 5, 10), status=MembershipStatus.REGISTERED),
    ]  # fmt: skip
    not_billed = [
        make_membership(unit=unit, start_date=D(2024, 6, 1)),  # starts next month
        make_membership(unit=unit, start_date=D(2023, 1, 1), end_date=D(2024, 4, 30),
                        status=MembershipStatus.ENDED),  # ended the month before
        make_membership(unit=unit, start_date=D(2024, 1, 1), status=MembershipStatus.DRAFT),
        make_membership(unit=unit, start_date=D(2024, 1, 1), status=MembershipStatus.SUBMITTED),
    ]  # fmt: skip
    run()
    got = set(BillLine.objects.values_list("membership_id", flat=True))
    assert got == {m.pk for m in billed}
    assert not got & {m.pk for m in not_billed}
    # The whole month, never a fraction: 2,500,000 x (0.24% + 0.30%) for each of the four.
    assert Bill.objects.get().total == 4 * (6_000 + 7_500)


@pytest.mark.django_db
def test_a_rerun_changes_nothing_when_nothing_changed() -> None:
    unit = make_unit()
    make_membership(unit=unit, wage=Decimal(2_000_000))
    make_membership(unit=unit, wage=Decimal(2_100_000))
    first = run()
    bill = Bill.objects.get()
    before = (bill.pk, bill.updated_at, bill.fingerprint, lines_of(bill))
    again = run()
    bill.refresh_from_db()
    assert (bill.pk, bill.updated_at, bill.fingerprint, lines_of(bill)) == before
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 1, 0)
    assert again.total == first.total
    assert BillingRun.objects.count() == 2
    assert AuditEvent.objects.filter(entity="billing.billingrun").count() == 2


@pytest.mark.django_db
def test_an_unpaid_bill_is_recomputed_when_the_registry_changed() -> None:
    unit = make_unit()
    a = make_membership(unit=unit, wage=Decimal(2_000_000))
    run()
    bill = Bill.objects.get()
    Membership.objects.filter(pk=a.pk).update(wage=Decimal(3_000_000))
    b = make_membership(unit=unit, wage=Decimal(1_000_000))
    result = run()
    bill.refresh_from_db()
    assert result.updated == 1
    assert bill.total == (7_200 + 9_000) + (2_400 + 3_000)
    assert set(lines_of(bill)) == {(a.pk, "jkk"), (a.pk, "jkm"), (b.pk, "jkk"), (b.pk, "jkm")}
    assert bill.run_id == result.run_id
    assert_lines_sum_to_bills()
    # Nobody billed to the payer any more: the unpaid bill goes.
    Membership.objects.filter(unit=unit).update(status=MembershipStatus.DRAFT)
    result = run()
    assert result.removed == 1
    assert not Bill.objects.exists()
    assert not BillLine.objects.exists()


@pytest.mark.django_db
def test_a_bill_with_payments_is_never_rewritten_the_difference_is_an_adjustment() -> None:
    unit = make_unit()
    a = make_membership(unit=unit, wage=Decimal(2_000_000))
    run()
    bill = Bill.objects.get()
    services.payment_record(
        actor=ACTOR, payer=unit, amount=Decimal(1_000), paid_on=D(2024, 6, 1), reference="T-1"
    )
    before = lines_of(bill)
    Membership.objects.filter(pk=a.pk).update(wage=Decimal(3_000_000))
    result = run()
    bill.refresh_from_db()
    assert lines_of(bill) == before
    assert bill.total == 10_800
    assert bill.adjustment == (7_200 + 9_000) - 10_800
    assert result.adjusted == 1
    assert [(x.bill_id, x.billed, x.recomputed) for x in result.adjustments] == [
        (bill.pk, Decimal(10_800), Decimal(16_200))
    ]
    # Back to what was billed: the adjustment is cleared.
    Membership.objects.filter(pk=a.pk).update(wage=Decimal(2_000_000))
    result = run()
    bill.refresh_from_db()
    assert (result.unchanged, bill.adjustment) == (1, 0)


@pytest.mark.django_db
def test_region_scope_bills_only_payers_in_the_subtree() -> None:
    inside = make_unit(region="73.24")
    outside = make_unit(region="74.05")
    make_membership(unit=inside)
    make_membership(unit=outside)
    result = run(region="7324")
    assert result.region_code == "73.24"
    assert list(Bill.objects.values_list("payer_id", flat=True)) == [inside.pk]
    # A scoped rerun leaves the other region's bills alone.
    run()
    assert Bill.objects.count() == 2
    Membership.objects.filter(unit=outside).update(status=MembershipStatus.DRAFT)
    assert run(region="73.24").removed == 0
    assert Bill.objects.count() == 2


@pytest.mark.django_db
def test_payer_is_the_unit_itself_or_its_payer_and_never_itself_as_payer() -> None:
    from django.db import IntegrityError, transaction

    pemdes = make_unit(kind=UnitKind.PEMERINTAH_DESA)
    bpd = make_unit(kind=UnitKind.BPD)
    bpd.payer = pemdes
    bpd.save()
    make_membership(unit=pemdes, segment="perangkat_desa")
    make_membership(unit=bpd, segment="bpd")
    run()
    bill = Bill.objects.get()
    assert (bill.payer, bill.memberships_count) == (pemdes, 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=pemdes.pk).update(payer=pemdes)


@pytest.mark.django_db
def test_jp_stops_at_the_retirement_age_and_unknown_regions_are_refused() -> None:
    # Retirement age 58 in 2024 (PP 45/2015 Pasal 15); the age counts on 1 May.
    still_57 = make_person(birth_date=D(1966, 5, 2))
    turned_58 = make_person(birth_date=D(1966, 5, 1))
    unit = make_unit()
    pays_jp = make_membership(person=still_57, unit=unit, programmes=["jkk", "jkm", "jp"])
    no_jp = make_membership(person=turned_58, unit=unit, programmes=["jkk", "jkm", "jp"])
    run()
    programmes = set(BillLine.objects.values_list("membership_id", "programme"))
    assert (pays_jp.pk, "jp") in programmes
    assert (no_jp.pk, "jp") not in programmes
    assert (no_jp.pk, "jkk") in programmes
    with pytest.raises(services.BillingError) as error:
        run(region="99.99")
    assert error.value.code == "region_unknown"


# The line hash bills were fingerprinted with before entries existed (billing migration 0005
# keeps those fingerprints): one hash per programme line, xor-ed per bill.
LINE_HASH_FINGERPRINTS = """
SELECT b.id, b.fingerprint,
       (SELECT bit_xor(hashint8extended(
                   l.membership_id * 8
                       + array_position(ARRAY['jkk', 'jkm', 'jht', 'jp', 'jkp'], l.programme::text),
                   l.person_id * 17 + coalesce(l.risk_class, 0) * 19 + l.basis::bigint * 3
                       + l.employer::bigint * 7 + l.worker::bigint * 13))
          FROM billing_billline l WHERE l.bill_id = b.id)
  FROM billing_bill b ORDER BY b.id
"""


@pytest.mark.django_db
def test_entries_hold_the_lines_side_by_side_and_keep_the_line_fingerprint() -> None:
    opd = make_unit(code="OPD-E")
    full = make_membership(
        unit=opd, wage=Decimal(12_000_000), programmes=["jkk", "jkm", "jht", "jp"], risk_class=None
    )
    retired = make_membership(
        person=make_person(birth_date=D(1960, 1, 1)),
        unit=opd,
        wage=Decimal(3_000_000),
        programmes=["jkk", "jkm", "jp"],
        risk_class=3,
    )
    group = make_unit(kind=UnitKind.KELOMPOK_RENTAN, code="RENTAN-E")
    bpu = make_membership(
        unit=group, wage=Decimal(800_000), scheme="bpu", risk_class=None, segment="pekerja_rentan"
    )

    run()

    entries = {e.membership_id: e for e in BillEntry.objects.all()}
    assert set(entries) == {full.pk, retired.pk, bpu.pk}
    capped = entries[full.pk]
    assert (capped.jp_basis, capped.jp_employer, capped.jp_worker) == (10_042_300, 200_846, 100_423)
    assert (capped.risk_class, capped.risk_class_assumed, capped.jkp_basis) == (1, True, None)
    assert (capped.employer, capped.worker) == (28_800 + 36_000 + 444_000 + 200_846, 340_423)
    # 64 on 1 May 2024, past the retirement age of 58: no JP, and JP in none of the sums.
    old = entries[retired.pk]
    assert (old.jp_basis, old.jp_rate, old.jp_employer, old.jp_worker) == (None,) * 4
    # JKK class III 0.89% (PP 44/2015 Lampiran I) + JKM 0.30% of Rp3,000,000.
    assert (old.risk_class, old.employer, old.total) == (3, 26_700 + 9_000, 35_700)
    small = entries[bpu.pk]
    assert (small.jkk_rate, small.jkk_worker, small.jkm_worker, small.total) == (
        None,
        10_000,
        6_800,
        16_800,
    )
    assert BillLine.objects.count() == 4 + 2 + 2
    with connection.cursor() as cursor:
        cursor.execute(LINE_HASH_FINGERPRINTS)
        rows = cursor.fetchall()
    assert len(rows) == 2 and all(stored == lines for _id, stored, lines in rows)
    assert_lines_sum_to_bills()
    # The first run wrote the entries directly; the rerun computes them again through its
    # temporary table and must find both bills unchanged (the two fingerprint paths agree).
    again = run()
    assert (again.unchanged, again.created, again.updated) == (2, 0, 0)


@pytest.mark.django_db
def test_line_references_are_checked_by_the_database() -> None:
    """The statement-level checks that replace the per-row foreign keys (migrations 0003, 0005)."""
    from django.db import IntegrityError, OperationalError, transaction

    opd = make_unit(code="OPD-REF")
    membership = make_membership(unit=opd)
    run()
    bill = Bill.objects.get()
    with connection.cursor() as cursor:
        for sql, params in (
            # An entry whose membership does not exist.
            (
                """INSERT INTO billing_billentry (bill_id, membership_id, person_id, scheme,
                       risk_class_assumed, jht_basis, jht_employer, jht_worker, employer,
                       worker, total)
                   VALUES (%s, %s, %s, 'pu', false, 1, 0, 0, 0, 0, 0)""",
                [bill.pk, membership.pk + 1000, membership.person_id],
            ),
            # An entry whose bill does not exist, by UPDATE.
            ("UPDATE billing_billentry SET bill_id = %s", [bill.pk + 1000]),
            # The lines are a view: written only through the entries.
            ("DELETE FROM billing_billline", []),
            # A bill or a membership deleted from under its lines.
            ("DELETE FROM billing_bill WHERE id = %s", [bill.pk]),
            ("DELETE FROM registry_membership WHERE id = %s", [membership.pk]),
        ):
            with pytest.raises((IntegrityError, OperationalError)), transaction.atomic():
                cursor.execute(sql, params)
    assert BillLine.objects.filter(bill=bill).count() == 2
    assert BillEntry.objects.filter(bill=bill).count() == 1
