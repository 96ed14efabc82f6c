"""Demo claims, calibrated to the source reports and walked through the claims services.

* 73.02 Bulukumba, 2024 (seeds/003): 24 village institution officials died (JKM, Rp42,000,000
  each, Rp1,008,000,000) and five of them left children at school whose scholarship instalments
  paid in 2024 come to Rp69,000,000: Rp1,077,000,000 in death benefits beside the Rp890,000,000 of
  contributions billed and paid in the demo (``cakupan claims summary --region 73.02 --year
  2024``: ratio 121.0%). The five had served a term before the current one (a membership that
  ended the day before), so their contributions run for more than the 36 months a JKM scholarship
  needs.
* 72.05 Buol, 2024 (seeds/004): one perangkat desa with more than three years of active
  membership died in January 2024; the heirs received JKM Rp42,000,000 and scholarships of
  Rp36,000,000 (two students in higher education for 2023/2024, and the elder one again for
  2024/2025; the younger one started work in July 2024 and the scholarship stopped): Rp78,000,000.
  Verifying the death ended the membership on the day of death; the desa filled the post from
  1 February 2024 (a successor registered through the registry services), so the posts filled
  on 29 May 2024 stay at the reported 87.8%.
* 73.24 Luwu Timur, relative to the day the demo is loaded: a claim at every status (draft,
  submitted, verified, filed with BPJS and overdue, approved, rejected, paid), most of them in the
  Malili desa of the demo desa operator.

Every claim is written through the services with the demo sign-ins in their roles (a reporter, a
verifier who is not the reporter, the BPJS officer of the branch), at the dates of the story.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from faker import Faker

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source, User
from cakupan.claims import payments, services, workflow
from cakupan.claims.checklist import REQUIRED
from cakupan.claims.models import Claim, ClaimStatus, Heir
from cakupan.claims.services import EventInput, HeirInput
from cakupan.common.nik import make_nik
from cakupan.demo.generator import SEED
from cakupan.demo.models import DemoLoad
from cakupan.registry.models import Membership, MembershipStatus, Person, Segment
from cakupan.registry.services import (
    MembershipInput,
    PersonInput,
    membership_create,
    person_create,
)

CLAIMS_VERSION = "claims-2026.1"
D = dt.date
# A one-page placeholder for every uploaded demo document.
PLACEHOLDER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
VILLAGE_SEGMENTS = (Segment.PERANGKAT_DESA, Segment.BPD, Segment.LEMBAGA_DESA)
BULUKUMBA_DEATH_BENEFITS_2024 = Decimal(1_077_000_000)
BUOL_PAID_2024 = Decimal(78_000_000)


def working_day(day: dt.date, days: int = 0) -> dt.date:
    """``day`` moved to a working day, then ``days`` working days on."""
    current = day
    while current.weekday() >= 5:
        current += dt.timedelta(days=1)
    left = days
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@dataclass(frozen=True)
class Kid:
    sex: str
    born: dt.date
    level: str
    school_class: int
    working: bool = False


@dataclass(frozen=True)
class Payment:
    """An instalment to pay: the child (1, 2), the school year, proof day and payment day."""

    child: int
    year: int
    enrolled: dt.date
    paid: dt.date


@dataclass(frozen=True)
class Stop:
    child: int
    reason: str
    on: dt.date
    note: str


@dataclass
class Story:
    membership: Membership
    event: EventInput
    reported: dt.date
    target: str
    reporter: User
    verifier: User
    bpjs: User
    kids: tuple[Kid, ...] = ()
    instalments: tuple[Payment, ...] = ()
    stops: tuple[Stop, ...] = ()
    rejection: str = ""
    extra_heirs: tuple[tuple[str, str, dt.date, str], ...] = ()  # relation, sex, born, name
    steps: dict[str, dt.date] = field(default_factory=dict)


class _Names:
    def __init__(self, seed: int) -> None:
        self.fake = Faker("id_ID")
        self.fake.seed_instance(seed)

    def person(self, sex: str, family: str) -> str:
        first = self.fake.first_name_male() if sex == "L" else self.fake.first_name_female()
        return f"{first} {family}"


def _heirs(story: Story, names: _Names) -> list[HeirInput]:
    person = story.membership.person
    district = person.nik[:6]
    family = person.name.split()[-1]
    sequence = iter(range(101, 200))
    spouse_sex = "P" if person.sex == "L" else "L"
    spouse_born = person.birth_date + dt.timedelta(days=900 if spouse_sex == "P" else -700)
    spouse_name = names.person(spouse_sex, family)
    account = f"0{person.nik[6:12]}{story.membership.pk:08d}"
    heirs = [
        HeirInput(
            nik=make_nik(
                district_code=district, birth_date=spouse_born, sex=spouse_sex,
                sequence=next(sequence),
            ),
            name=spouse_name,
            relation="spouse",
            birth_date=spouse_born,
            phone="0852" + person.nik[-7:],
            bank_name="BRI",
            bank_account=account,
            account_holder=spouse_name,
            is_recipient=True,
        )
    ]  # fmt: skip
    for kid in story.kids:
        heirs.append(
            HeirInput(
                nik=make_nik(
                    district_code=district, birth_date=kid.born, sex=kid.sex,
                    sequence=next(sequence),
                ),
                name=names.person(kid.sex, family),
                relation="child",
                birth_date=kid.born,
                scholarship=True,
                school_level=kid.level,
                school_class=kid.school_class,
                school_name={"tk": "TK Pertiwi", "sd": "SD Negeri 1", "smp": "SMP Negeri 1",
                             "sma": "SMA Negeri 1", "pt": "Universitas Hasanuddin"}[kid.level],
                working=kid.working,
            )
        )  # fmt: skip
    for relation, sex, born, label in story.extra_heirs:
        heirs.append(
            HeirInput(
                nik=make_nik(
                    district_code=district, birth_date=born, sex=sex, sequence=next(sequence)
                ),
                name=f"{names.person(sex, family)} ({label})",
                relation=relation,
                birth_date=born,
            )
        )
    return heirs


def _play(story: Story, names: _Names) -> Claim:
    """Walk ``story`` through the services up to its target status."""
    reporter = Actor(user=story.reporter, source=Source.WEB)
    verifier = Actor(user=story.verifier, source=Source.WEB)
    bpjs = Actor(user=story.bpjs, source=Source.WEB)
    day = story.reported
    claim = services.claim_report(
        actor=reporter,
        nik=story.membership.person.nik,
        event=story.event,
        today=day,
        at=_at(day, 9),
    )
    if story.event.kind == "death":
        for heir in _heirs(story, names):
            services.heir_add(actor=reporter, claim=claim, data=heir, today=day)
    else:
        person = story.membership.person
        services.heir_add(
            actor=reporter,
            claim=claim,
            data=HeirInput(
                nik=make_nik(
                    district_code=person.nik[:6],
                    birth_date=person.birth_date + dt.timedelta(days=800),
                    sex="P" if person.sex == "L" else "L",
                    sequence=151,
                ),
                name=names.person("P" if person.sex == "L" else "L", person.name.split()[-1]),
                relation="spouse",
                birth_date=person.birth_date + dt.timedelta(days=800),
                bank_name="BRI",
                bank_account=f"0{person.nik[6:12]}{story.membership.pk:08d}",
                is_recipient=True,
            ),
            today=day,
        )
    if story.target == ClaimStatus.DRAFT:
        services.document_upload(
            actor=reporter, claim=claim, kind=REQUIRED[claim.type][0], data=PLACEHOLDER_PDF,
            file_name="scan-1.pdf",
        )  # fmt: skip
        return claim
    for n, kind in enumerate(REQUIRED[claim.type], start=1):
        services.document_upload(
            actor=reporter, claim=claim, kind=kind, data=PLACEHOLDER_PDF, file_name=f"scan-{n}.pdf"
        )
    steps = story.steps
    claim = workflow.claim_submit(
        actor=reporter, claim=claim, today=steps["submitted"], at=_at(steps["submitted"], 11)
    )
    if story.target == ClaimStatus.SUBMITTED:
        return claim
    claim = workflow.claim_verify(actor=verifier, claim=claim, at=_at(steps["verified"], 13))
    if story.target == ClaimStatus.VERIFIED:
        return claim
    claim = workflow.claim_file(actor=bpjs, claim=claim, on=steps["filed"])
    if story.target == ClaimStatus.FILED:
        return claim
    if story.target == ClaimStatus.REJECTED:
        return workflow.claim_reject(
            actor=bpjs, claim=claim, reason=story.rejection, on=steps["decided"]
        )
    claim = workflow.claim_approve(actor=bpjs, claim=claim, on=steps["decided"])
    if story.target == ClaimStatus.APPROVED:
        return claim
    for component in claim.components.all():
        payments.component_pay(
            actor=bpjs,
            component=component,
            amount=component.entitlement,
            paid_on=steps["paid"],
            reference=f"BPJSTK/{claim.number}/{component.position}",
        )
    children = dict(enumerate(Heir.objects.filter(claim=claim, scholarship=True).order_by("id"), 1))
    for item in story.instalments:
        instalment = claim.instalments.get(heir=children[item.child], year=item.year)
        proof = services.document_upload(
            actor=reporter,
            claim=claim,
            kind="bukti_sekolah",
            data=PLACEHOLDER_PDF,
            file_name=f"bukti-sekolah-{item.year}.pdf",
            heir=children[item.child],
        )
        payments.instalment_enrol(
            actor=reporter,
            instalment=instalment,
            proof=proof,
            school_name=children[item.child].school_name,
            school_class=children[item.child].school_class,
            on=item.enrolled,
        )
        payments.instalment_pay(
            actor=bpjs,
            instalment=instalment,
            amount=instalment.amount,
            paid_on=item.paid,
            reference=f"BPJSTK/BSW/{claim.number}/{item.year}",
        )
    for stop in story.stops:
        payments.scholarship_stop(
            actor=reporter, heir=children[stop.child], reason=stop.reason, note=stop.note,
            on=stop.on,
        )  # fmt: skip
    claim.refresh_from_db()
    return claim


def _timeline(event: dt.date, reported_after: int = 2) -> tuple[dt.date, dict[str, dt.date]]:
    """A prompt claim: reported two working days after the event, paid within three working days
    of filing."""
    reported = working_day(event, reported_after)
    steps = {
        "submitted": working_day(reported, 1),
        "verified": working_day(reported, 3),
        "filed": working_day(reported, 4),
        "decided": working_day(reported, 5),
        "paid": working_day(reported, 6),
    }
    return reported, steps


def _users() -> dict[str, User]:
    return {u.username: u for u in User.objects.all()}


def _prior_term(actor: Actor, membership: Membership, start: dt.date) -> None:
    """The official's previous term in the same post, ending the day before the current one."""
    membership_create(
        actor=actor,
        person=membership.person,
        data=MembershipInput(
            unit_id=membership.unit_id,
            segment=membership.segment,
            funding_source=membership.funding_source,
            scheme=membership.scheme,
            wage=Decimal(2_000_000),
            start_date=start,
            end_date=membership.start_date - dt.timedelta(days=1),
            occupation_code=membership.occupation.code if membership.occupation else None,
            status=MembershipStatus.ENDED,
        ),
    )


# --- Bulukumba ---------------------------------------------------------------------------------

# (event, children, instalments paid in 2024 as (child, school year, proof, paid)); the first
# five deaths left children at school: 30M + 24M + 7M + 3.5M + 4.5M = 69M paid in 2024.
BULUKUMBA_SCHOLARSHIPS: list[tuple[dt.date, tuple[Kid, ...], tuple[tuple[int, int], ...]]] = [
    (  # February: 2023/2024 and 2024/2025 for a student and an SMA pupil: 2 x (12M + 3M)
        D(2024, 2, 12),
        (Kid("L", D(2004, 3, 9), "pt", 3), Kid("P", D(2008, 6, 20), "sma", 10)),
        ((1, 2023), (2, 2023), (1, 2024), (2, 2024)),
    ),
    (  # August: two students, 2024/2025: 2 x 12M
        D(2024, 8, 19),
        (Kid("P", D(2003, 1, 15), "pt", 5), Kid("L", D(2005, 11, 2), "pt", 1)),
        ((1, 2024), (2, 2024)),
    ),
    (  # March: SMP and SD pupils, 2023/2024 and 2024/2025: 2 x (2M + 1.5M)
        D(2024, 3, 18),
        (Kid("L", D(2011, 4, 4), "smp", 7), Kid("P", D(2015, 9, 30), "sd", 3)),
        ((1, 2023), (2, 2023), (1, 2024), (2, 2024)),
    ),
    (  # September: SMP and SD, 2024/2025: 2M + 1.5M
        D(2024, 9, 9),
        (Kid("P", D(2011, 2, 14), "smp", 8), Kid("L", D(2016, 7, 21), "sd", 2)),
        ((1, 2024), (2, 2024)),
    ),
    (  # October: SMA and TK, 2024/2025: 3M + 1.5M
        D(2024, 10, 14),
        (Kid("L", D(2008, 1, 5), "sma", 11), Kid("P", D(2019, 12, 1), "tk", 1)),
        ((1, 2024), (2, 2024)),
    ),
]


def _bulukumba(actor: Actor, users: dict[str, User], names: _Names) -> list[Claim]:
    rng = random.Random(SEED + 1077)
    members = list(
        Membership.objects.filter(
            unit__region__code__startswith="73.02.",
            segment__in=VILLAGE_SEGMENTS,
            status=MembershipStatus.ACTIVE,
            end_date__isnull=True,
        )
        .select_related("person", "unit", "occupation")
        .order_by("id")
    )
    officials = [m for m in members if m.segment != Segment.LEMBAGA_DESA]
    chosen = rng.sample(officials, 5)
    stories: list[Story] = []
    reporter, verifier, bpjs = (
        users["bpjs.bulukumba"],
        users["admin.bulukumba"],
        users["bpjs.bulukumba"],
    )
    for membership, (event, kids, paid) in zip(chosen, BULUKUMBA_SCHOLARSHIPS, strict=True):
        _prior_term(actor, membership, D(2016, 1, 4) + dt.timedelta(days=rng.randint(0, 400)))
        reported, steps = _timeline(event)
        plan = tuple(
            Payment(
                child,
                year,
                steps["decided"] if year == 2023 or event.month >= 7 else D(2024, 8, 5),
                steps["paid"] if year == 2023 or event.month >= 7 else D(2024, 8, 12),
            )
            for child, year in paid
        )
        stories.append(
            Story(
                membership=membership,
                event=EventInput("death", event, "Rumah", "Sakit", occurred_at=None),
                reported=reported,
                target=ClaimStatus.PAID,
                reporter=reporter,
                verifier=verifier,
                bpjs=bpjs,
                kids=kids,
                instalments=plan,
                steps=steps,
            )
        )
    causes = (
        "Sakit jantung",
        "Stroke",
        "Sakit",
        "Kecelakaan lalu lintas saat berlibur",
        "Diabetes",
    )
    others = [m for m in members if m not in chosen]
    days = sorted(D(2024, 1, 8) + dt.timedelta(days=rng.randint(0, 320)) for _ in range(19))
    picked: list[Membership] = []
    for day in days:
        candidates = [
            m for m in others if m.start_date < day - dt.timedelta(days=30) and m not in picked
        ]
        membership = rng.choice(candidates)
        picked.append(membership)
        reported, steps = _timeline(day)
        # One older child, 23 and at work: named for a scholarship, none given, the claim says why.
        kids = (Kid("L", D(2001, 4, 4), "pt", 7, working=True),) if len(picked) == 3 else ()
        stories.append(
            Story(
                membership=membership,
                event=EventInput("death", day, "Rumah sakit umum daerah", rng.choice(causes)),
                reported=reported,
                target=ClaimStatus.PAID,
                reporter=reporter,
                verifier=verifier,
                bpjs=bpjs,
                kids=kids,
                steps=steps,
            )
        )
    return [_play(story, names) for story in stories]


# --- Buol --------------------------------------------------------------------------------------


def _buol(actor: Actor, users: dict[str, User], names: _Names) -> Claim:
    membership = (
        Membership.objects.filter(
            unit__region__code__startswith="72.05.",
            segment=Segment.PERANGKAT_DESA,
            status=MembershipStatus.ACTIVE,
            start_date__lte=D(2020, 6, 30),
        )
        .select_related("person", "unit")
        .order_by("start_date", "id")
        .first()
    )
    assert membership is not None
    event = D(2024, 1, 15)
    reported, steps = _timeline(event)
    story = Story(
        membership=membership,
        event=EventInput("death", event, "Rumah", "Sakit"),
        reported=reported,
        target=ClaimStatus.PAID,
        reporter=users["bpjs.buol"],
        verifier=users["admin.buol"],
        bpjs=users["bpjs.buol"],
        kids=(Kid("P", D(2003, 5, 17), "pt", 5), Kid("L", D(2005, 8, 8), "pt", 1)),
        instalments=(
            Payment(1, 2023, steps["decided"], steps["paid"]),
            Payment(2, 2023, steps["decided"], steps["paid"]),
            Payment(1, 2024, D(2024, 8, 5), D(2024, 8, 12)),
        ),
        stops=(Stop(2, "working", D(2024, 7, 22), "Diterima bekerja di Palu, Juli 2024"),),
        steps=steps,
    )
    claim = _play(story, names)
    _successor(actor, membership, D(2024, 2, 1), names)
    return claim


def _successor(actor: Actor, membership: Membership, start: dt.date, names: _Names) -> Membership:
    """A new official in the post of the one who died (same unit, segment, occupation and
    terms), registered from ``start``."""
    rng = random.Random(SEED + membership.pk)
    sex = rng.choice("LP")
    born = D(1985, 1, 1) + dt.timedelta(days=rng.randint(0, 3650))
    district = membership.unit.region_id[:8]
    sequence = 9000
    nik = make_nik(district_code=district, birth_date=born, sex=sex, sequence=sequence)
    while Person.objects.filter(nik=nik).exists():
        sequence += 1
        nik = make_nik(district_code=district, birth_date=born, sex=sex, sequence=sequence)
    person = person_create(
        actor=actor,
        data=PersonInput(
            nik=nik,
            name=names.person(sex, names.fake.last_name()),
            sex=sex,
            birth_date=born,
            domicile_code=membership.unit.region_id,
        ),
    )
    return membership_create(
        actor=actor,
        person=person,
        data=MembershipInput(
            unit_id=membership.unit_id,
            segment=membership.segment,
            funding_source=membership.funding_source,
            scheme=membership.scheme,
            wage=membership.wage,
            start_date=start,
            programmes=tuple(membership.programmes),
            occupation_code=membership.occupation.code if membership.occupation else None,
            risk_class=membership.risk_class,
            status=MembershipStatus.ACTIVE,
        ),
    )


# --- Luwu Timur --------------------------------------------------------------------------------


def _luwu_timur(users: dict[str, User], names: _Names, today: dt.date) -> list[Claim]:
    desa_unit = users["desa.malili"].unit
    assert desa_unit is not None
    in_desa = list(
        Membership.objects.filter(
            unit__region=desa_unit.region,
            status=MembershipStatus.ACTIVE,
            end_date__isnull=True,
        )
        .select_related("person", "unit")
        .order_by("id")
    )
    non_asn = list(
        Membership.objects.filter(
            unit__code="7324-DPUPR",
            segment=Segment.NON_ASN,
            status=MembershipStatus.ACTIVE,
            end_date__isnull=True,
        )
        .select_related("person", "unit")
        .order_by("id")[:3]
    )
    desa, admin, dpmd, bkpsdm, bpjs = (
        users["desa.malili"],
        users["admin.lutim"],
        users["dpmd.lutim"],
        users["bkpsdm.lutim"],
        users["bpjs.malili"],
    )

    def back(days: int) -> dt.date:
        return working_day(today - dt.timedelta(days=days))

    def steps(*days: int) -> dict[str, dt.date]:
        keys = ("submitted", "verified", "filed", "decided", "paid")
        return {k: back(d) for k, d in zip(keys, days, strict=False)}

    stories = [
        Story(  # paid in March, with an SMP pupil whose next school year is due
            membership=in_desa[0],
            event=EventInput("death", back(270), "Puskesmas Malili", "Sakit"),
            reported=back(266),
            target=ClaimStatus.PAID,
            reporter=desa,
            verifier=dpmd,
            bpjs=bpjs,
            kids=(Kid("L", today - dt.timedelta(days=365 * 13), "smp", 7),),
            steps=steps(265, 263, 262, 261, 260),
        ),
        Story(  # approved: a work accident on the way to the village office, STMB 21 days
            membership=in_desa[1],
            event=EventInput(
                "accident",
                back(25),
                "Jalan poros Malili-Wotu",
                "Ditabrak sepeda motor dalam perjalanan ke kantor desa",
                commuting=True,
                occurred_at=_at(back(25), 7),
                employer_reported_at=_at(back(22), 15),
                stmb_days=21,
            ),
            reported=back(24),
            target=ClaimStatus.APPROVED,
            reporter=desa,
            verifier=dpmd,
            bpjs=bpjs,
            steps=steps(10, 6, 4, 2),
        ),
        Story(  # submitted, waiting for the DPMD
            membership=in_desa[2],
            event=EventInput("death", back(9), "Rumah", "Sakit"),
            reported=back(7),
            target=ClaimStatus.SUBMITTED,
            reporter=desa,
            verifier=dpmd,
            bpjs=bpjs,
            steps=steps(6),
        ),
        Story(  # a draft the desa operator is still completing
            membership=in_desa[3],
            event=EventInput("death", back(4), "Rumah", "Sakit"),
            reported=back(2),
            target=ClaimStatus.DRAFT,
            reporter=desa,
            verifier=dpmd,
            bpjs=bpjs,
        ),
        Story(  # filed with BPJS two weeks ago and not paid: overdue (JKM: 3 working days)
            membership=non_asn[0],
            event=EventInput("death", back(35), "RSUD I Lagaligo", "Sakit"),
            reported=back(30),
            target=ClaimStatus.FILED,
            reporter=admin,
            verifier=bkpsdm,
            bpjs=bpjs,
            steps=steps(25, 20, 14),
        ),
        Story(  # verified, not yet with BPJS
            membership=non_asn[1],
            event=EventInput("death", back(16), "Rumah", "Sakit"),
            reported=back(14),
            target=ClaimStatus.VERIFIED,
            reporter=admin,
            verifier=bkpsdm,
            bpjs=bpjs,
            steps=steps(12, 8),
        ),
        Story(  # refused by BPJS
            membership=non_asn[2],
            event=EventInput(
                "accident", back(80), "Kebun", "Jatuh saat memanen di kebun sendiri",
                at_work=True, stmb_days=10,
            ),
            reported=back(75),
            target=ClaimStatus.REJECTED,
            reporter=admin,
            verifier=bkpsdm,
            bpjs=bpjs,
            rejection=(
                "Kecelakaan terjadi di kebun sendiri pada hari libur, di luar hubungan kerja "
                "(PP 44/2015); tidak dijamin JKK."
            ),
            steps=steps(70, 66, 60, 55),
        ),
    ]  # fmt: skip
    claims = [_play(story, names) for story in stories]
    paid = claims[0]
    child = Heir.objects.get(claim=paid, scholarship=True)
    first = paid.instalments.order_by("year").first()
    if first is not None:
        proof = services.document_upload(
            actor=Actor(user=desa, source=Source.WEB), claim=paid, kind="bukti_sekolah",
            data=PLACEHOLDER_PDF, file_name="bukti-sekolah.pdf", heir=child,
        )  # fmt: skip
        payments.instalment_enrol(
            actor=Actor(user=desa, source=Source.WEB), instalment=first, proof=proof,
            school_name="SMP Negeri 1 Malili", school_class=7, on=back(259),
        )  # fmt: skip
        payments.instalment_pay(
            actor=Actor(user=bpjs, source=Source.WEB), instalment=first, amount=first.amount,
            paid_on=back(258), reference=f"BPJSTK/BSW/{paid.number}/{first.year}",
        )  # fmt: skip
    return claims


@transaction.atomic
def demo_claims_load(*, actor: Actor, today: dt.date | None = None) -> dict[str, Any]:
    """Load the demo claims once (needs the demo data and its sign-ins); a second call changes
    nothing. Returns what was loaded, or the summary of the earlier load."""
    existing = DemoLoad.objects.filter(version=CLAIMS_VERSION).first()
    if existing is not None:
        return {"loaded": False, **existing.summary}
    today = today or timezone.localdate()
    users = _users()
    names = _Names(SEED + 10)
    bulukumba = _bulukumba(actor, users, names)
    buol = _buol(actor, users, names)
    lutim = _luwu_timur(users, names, today)
    summary = {
        "claims": len(bulukumba) + 1 + len(lutim),
        "bulukumba": [c.number for c in bulukumba],
        "buol": buol.number,
        "luwu_timur": {c.status: c.number for c in lutim},
    }
    DemoLoad.objects.create(version=CLAIMS_VERSION, summary=summary)
    return {"loaded": True, **summary}
