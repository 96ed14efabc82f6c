"""A synthetic DTSEN list for Luwu Timur (73.24), loaded through ``cakupan targeting load``'s service.

Every desa and kelurahan gets households of desil 1 to 4 (poorest most often) with their members:
a head of household and usually a spouse, sometimes adult children, children under 18 and an
elderly parent (so the plan's age limits have people to leave out), each with a job such as buruh
tani, nelayan or pedagang kecil (children and the elderly: "Pelajar", "Tidak bekerja", which are
not occupations on the list and are kept as written). Each desa has between 110 and 160 people of
working age on 1 January 2027, except five small desa with 40 to 80, so a plan of 100 per desa can
be made and falls short there. The pekerja rentan the kabupaten already protects are on the list
too, in the desa they live in, so the plan has covered people to leave out.

Loaded once: a second call finds the list and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone
from faker import Faker

from cakupan.accounts.audit import Actor
from cakupan.common.nik import make_nik
from cakupan.demo.builder import SEED, between_dates
from cakupan.registry.models import Membership, Segment
from cakupan.targeting.models import CandidateList, ListSource
from cakupan.targeting.services import candidate_list_load
from cakupan.wilayah.models import Region, RegionKind

REGENCY = "73.24"
PLAN_YEAR = 2027
FILE_NAME = "dtsen-luwu-timur-2026-demo.csv"
SMALL_DESA = 5
WORKING_AGE = (18, 65)
JOBS = (
    ("Buruh tani", 40),
    ("Nelayan", 18),
    ("Pedagang kecil", 15),
    ("Tukang ojek", 10),
    ("Pekerja harian lepas", 17),
)
DESIL_WEIGHTS = (35, 30, 20, 15)


def _age_on_new_year(born: dt.date) -> int:
    return PLAN_YEAR - born.year - (0 if (born.month, born.day) == (1, 1) else 1)


def _born(rng: random.Random, low: int, high: int) -> dt.date:
    """A birth date giving an age of ``low`` to ``high`` on 1 January of the plan year."""
    return between_dates(rng, dt.date(PLAN_YEAR - high - 1, 1, 2), dt.date(PLAN_YEAR - low, 1, 1))


class _Lists:
    def __init__(self) -> None:
        self.rng = random.Random(SEED + 2027)
        self.fake = Faker("id_ID")
        self.fake.seed_instance(SEED + 2027)
        self.sequence: dict[str, int] = {}
        self.households = 0
        self.rows: list[str] = []

    def nik(self, desa: Region, born: dt.date, sex: str) -> str:
        prefix = f"{desa.code[:8]}|{born}|{sex}"
        # From 5001 on, clear of the numbers the demo's registry people were given.
        self.sequence[prefix] = self.sequence.get(prefix, 5000) + 1
        return make_nik(
            district_code=desa.code[:8], birth_date=born, sex=sex, sequence=self.sequence[prefix]
        )

    def row(
        self, desa: Region, household: str, desil: int, born: dt.date, sex: str, job: str
    ) -> None:
        first = self.fake.first_name_male() if sex == "L" else self.fake.first_name_female()
        name = f"{first} {self.fake.last_name()}"
        self.add(self.nik(desa, born, sex), name, sex, born, desa.code, desil, job, household)

    def add(
        self,
        nik: str,
        name: str,
        sex: str,
        born: dt.date,
        desa: str,
        desil: int,
        job: str,
        household: str,
    ) -> None:
        self.rows.append(f"{nik};{name};{sex};{born:%d-%m-%Y};{desa};{desil};{job};{household}")

    def household(self, desa: Region) -> int:
        """One household; returns how many of its members are of working age."""
        rng = self.rng
        self.households += 1
        kk = f"{desa.code.replace('.', '')[:6]}{rng.randint(10, 28):02d}{rng.randint(1, 12):02d}"
        kk += f"{rng.randint(10, 25):02d}{self.households % 10000:04d}"
        desil = rng.choices((1, 2, 3, 4), weights=DESIL_WEIGHTS)[0]
        job = lambda: rng.choices([j for j, _ in JOBS], weights=[w for _, w in JOBS])[0]  # noqa: E731
        members = [(_born(rng, 24, 62), rng.choice("LLLP"), job())]
        if rng.random() < 0.8:
            members.append((_born(rng, 20, 60), "P" if members[0][1] == "L" else "L", job()))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            members.append((_born(rng, 18, 30), rng.choice("LP"), job()))
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            members.append((_born(rng, 2, 17), rng.choice("LP"), "Pelajar"))
        if rng.random() < 0.2:
            members.append((_born(rng, 66, 84), rng.choice("LP"), "Tidak bekerja"))
        working = 0
        for born, sex, occupation in members:
            self.row(desa, kk, desil, born, sex, occupation)
            working += WORKING_AGE[0] <= _age_on_new_year(born) <= WORKING_AGE[1]
        return working


def dtsen_file() -> bytes:
    """The demo list as CSV (semicolons, as exported from the SIKS-NG/DTSEN application)."""
    lists = _Lists()
    rng = lists.rng
    places = list(
        Region.objects.filter(
            code__startswith=f"{REGENCY}.",
            kind__in=[RegionKind.DESA, RegionKind.KELURAHAN],
            valid_to__isnull=True,
        ).order_by("code")
    )
    desa = [p for p in places if p.kind == RegionKind.DESA]
    small = {d.code for d in rng.sample(desa, SMALL_DESA)}
    for place in places:
        target = rng.randint(40, 80) if place.code in small else rng.randint(110, 160)
        working = 0
        while working < target:
            working += lists.household(place)
    # The pekerja rentan already protected, on the list of the desa they live in.
    covered = (
        Membership.objects.filter(
            segment=Segment.PEKERJA_RENTAN,
            unit__region__code__startswith=f"{REGENCY}.",
            person__domicile__isnull=False,
        )
        .select_related("person")
        .order_by("person__nik")
    )
    seen: set[str] = set()
    for membership in covered:
        person = membership.person
        if person.nik in seen or not person.domicile_id:
            continue
        seen.add(person.nik)
        lists.add(
            person.nik,
            person.name,
            person.sex,
            person.birth_date,
            person.domicile_id,
            rng.choice((1, 1, 2)),
            "Buruh tani",
            "",
        )
    header = "NIK;Nama;Jenis Kelamin;Tanggal Lahir;Kode Desa;Desil;Pekerjaan;No KK"
    return ("\n".join([header, *lists.rows]) + "\n").encode()


def demo_targeting_load(*, actor: Actor) -> dict[str, object]:
    """Load the demo DTSEN list of Luwu Timur once (needs the demo registry loaded first)."""
    region = Region.objects.get(code=REGENCY)
    existing = CandidateList.objects.filter(region=region, is_current=True).first()
    if existing is not None:
        return {"loaded": False, "rows": existing.rows, "accepted": existing.accepted}
    result = candidate_list_load(
        actor=actor,
        region=region,
        data=dtsen_file(),
        file_name=FILE_NAME,
        source=ListSource.DTSEN,
        today=timezone.localdate(),
    )
    checked = result.checked
    return {"loaded": True, "rows": checked.rows, "accepted": checked.clean.height}
