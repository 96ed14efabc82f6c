"""Coverage indicators: each one a numerator over a denominator, defined once, here.

Every page, league table, CLI command and export takes its figures from :data:`INDICATORS`: the
selectors gather a region's raw numbers on a day into :class:`Measures` (registry counts through
the user's scope, the branch's participant counts, the recorded denominators) and an indicator's
``compute`` turns them into a :class:`Figure` (both counts and the percentage). ``compute`` is a
pure function, so each definition is tested against hand-counted measures.

A figure without a denominator has no percentage: it is shown as "belum ada data pembanding",
never as 0 %. A denominator of zero (no posts recorded, no desa) gives no percentage either, and
says which of the two it is (:attr:`Figure.status`).

Claims against contributions (the claims app, built in parallel): the claims app registers its
indicator when it is ready, from its ``AppConfig.ready``::

    from cakupan.coverage.indicators import Indicator, register
    register(Indicator(code="claims_ratio", ..., compute=lambda m: Figure(
        m.extra["claims_paid"], m.extra.get("contributions_paid"))))

and adds the two amounts to :attr:`Measures.extra` through :func:`register_measure_provider`
(a function of ``(user, codes, on)`` returning ``{code: {name: value}}``). Nothing else in coverage
changes: the pages, the league tables and the CLI list whatever is registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cakupan.coverage.figures import Denominators, Participants, Sourced
from cakupan.registry.models import VILLAGE_OFFICIAL_SEGMENTS, Segment

PERCENT = Decimal("0.1")

# Figure.status values
OK = "ok"
NO_DENOMINATOR = "no_denominator"  # no comparison figure recorded for the region and day
ZERO_DENOMINATOR = "zero_denominator"  # recorded, and zero (e.g. no posts, no desa)

STATUS_TEXT: dict[str, Promise] = {
    NO_DENOMINATOR: _("belum ada data pembanding"),
    ZERO_DENOMINATOR: _("pembanding bernilai nol"),
}


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal, half up; None when ``whole`` is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    """``numerator`` of ``denominator`` (None: no denominator recorded) and the percentage."""

    numerator: int | None  # None: the numerator itself is not recorded (no participant count)
    denominator: int | None
    numerator_source: Sourced | Participants | None = None
    denominator_source: Sourced | None = None

    @property
    def status(self) -> str:
        if self.denominator is None or self.numerator is None:
            return NO_DENOMINATOR
        if self.denominator == 0:
            return ZERO_DENOMINATOR
        return OK

    @property
    def percent(self) -> Decimal | None:
        if self.status != OK:
            return None
        return percent(self.numerator or 0, self.denominator or 0)

    @property
    def status_text(self) -> str:
        return str(STATUS_TEXT.get(self.status, ""))

    def as_dict(self) -> dict[str, Any]:
        """For JSON: numerator, denominator, percent (a string, one decimal) and status."""
        out: dict[str, Any] = {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": self.percent,
            "status": self.status,
        }
        for name, src in (
            ("numerator", self.numerator_source),
            ("denominator", self.denominator_source),
        ):
            if src is not None:
                out[f"{name}_as_of"] = src.as_of
                out[f"{name}_source"] = (
                    src.source if src.parts == 1 else f"jumlah {src.parts} wilayah"
                )
        return out


@dataclass(frozen=True)
class PostFill:
    posts: int
    filled: int  # members in post, capped at each unit's posts
    units: int


@dataclass
class Measures:
    """What is known of one region (or one child row) on one day; the input of every indicator.

    Registry counts are memberships protected on the day (a person with two jobs counts twice, as
    BPJS branch reports count them), through the user's scope.
    """

    code: str
    on: dt.date
    by_segment: dict[str, int] = field(default_factory=dict)
    by_scheme: dict[str, int] = field(default_factory=dict)
    by_funding: dict[str, int] = field(default_factory=dict)
    by_group: dict[str, int] = field(default_factory=dict)  # occupation group (or occupation)
    by_funding_group: dict[str, dict[str, int]] = field(default_factory=dict)
    desa_with_officials: int = 0
    posts: dict[str, PostFill] = field(default_factory=dict)
    participants: Participants | None = None
    denominators: Denominators | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # registered providers (claims ...)

    @property
    def active(self) -> int:
        return sum(self.by_segment.values())

    @property
    def officials(self) -> int:
        """Kepala desa, perangkat desa and BPD members protected ("aparat desa dan BPD")."""
        return sum(self.segment(s) for s in VILLAGE_OFFICIAL_SEGMENTS)

    @property
    def desa(self) -> int:
        return self.denominators.desa if self.denominators is not None else 0

    def segment(self, segment: str) -> int:
        return self.by_segment.get(segment, 0)


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Promise | str
    short_label: Promise | str
    numerator_label: Promise | str
    denominator_label: Promise | str
    definition: Promise | str
    compute: Callable[[Measures], Figure]
    # The levels it means something at (1 provinsi ... 4 desa; 0 all of Indonesia).
    levels: tuple[int, ...] = (0, 1, 2, 3, 4)


def ucj(m: Measures) -> Figure:
    """Active BPJS TK participants (the branch's count) over potential workers (sasaran potensi)."""
    den = m.denominators.potential_workers if m.denominators else None
    num = m.participants
    return Figure(
        numerator=num.total if num is not None else None,
        denominator=den.value if den is not None else None,
        numerator_source=num,
        denominator_source=den,
    )


def ucj_working_population(m: Measures) -> Figure:
    """Active BPJS TK participants over the working population (BPS penduduk bekerja)."""
    den = m.denominators.working_population if m.denominators else None
    num = m.participants
    return Figure(
        numerator=num.total if num is not None else None,
        denominator=den.value if den is not None else None,
        numerator_source=num,
        denominator_source=den,
    )


def desa_officials(m: Measures) -> Figure:
    """Desa with at least one perangkat desa or BPD member protected, over all desa."""
    return Figure(m.desa_with_officials, m.desa if m.denominators is not None else None)


def _posts(segments: tuple[str, ...] | None) -> Callable[[Measures], Figure]:
    def compute(m: Measures) -> Figure:
        fills = [f for s, f in m.posts.items() if segments is None or s in segments]
        return Figure(sum(f.filled for f in fills), sum(f.posts for f in fills))

    return compute


def rentan_target(m: Measures) -> Figure:
    """Pekerja rentan protected over the target: the per-desa target times the desa."""
    den = m.denominators.rentan_target if m.denominators else None
    return Figure(
        m.segment(Segment.PEKERJA_RENTAN),
        den.value if den is not None else None,
        denominator_source=den,
    )


def rentan_registered(m: Measures) -> Figure:
    """Pekerja rentan protected over the vulnerable workers recorded in DTSEN/P3KE."""
    den = m.denominators.vulnerable_workers if m.denominators else None
    return Figure(
        m.segment(Segment.PEKERJA_RENTAN),
        den.value if den is not None else None,
        denominator_source=den,
    )


INDICATORS: dict[str, Indicator] = {}


def register(indicator: Indicator) -> None:
    """Add an indicator (an app's ``ready``); a code is registered once."""
    if indicator.code in INDICATORS:
        raise ValueError(f"indicator {indicator.code} is already registered")
    INDICATORS[indicator.code] = indicator


MeasureProvider = Callable[[Any, list[str], dt.date], Mapping[str, Mapping[str, Any]]]
MEASURE_PROVIDERS: list[MeasureProvider] = []


def register_measure_provider(provider: MeasureProvider) -> None:
    """Add a source of extra measures (``Measures.extra``) for registered indicators."""
    MEASURE_PROVIDERS.append(provider)


for _indicator in (
    Indicator(
        code="ucj",
        label=_("Universal Coverage Jamsostek (UCJ)"),
        short_label=_("UCJ"),
        numerator_label=_("peserta aktif BPJS Ketenagakerjaan"),
        denominator_label=_("sasaran potensi pekerja"),
        definition=_(
            "Peserta aktif BPJS Ketenagakerjaan di wilayah ini menurut kantor cabang (PU, BPU dan "
            "jasa konstruksi, bukan hanya yang didaftarkan lewat Cakupan) dibagi sasaran potensi "
            "pekerja dari BPJS Ketenagakerjaan."
        ),
        compute=ucj,
        levels=(0, 1, 2),
    ),
    Indicator(
        code="ucj_working_population",
        label=_("UCJ terhadap penduduk bekerja (BPS)"),
        short_label=_("UCJ (BPS)"),
        numerator_label=_("peserta aktif BPJS Ketenagakerjaan"),
        denominator_label=_("penduduk bekerja"),
        definition=_(
            "Peserta aktif BPJS Ketenagakerjaan menurut kantor cabang dibagi penduduk bekerja "
            "menurut BPS (definisi Kemendagri)."
        ),
        compute=ucj_working_population,
        levels=(0, 1, 2),
    ),
    Indicator(
        code="desa_officials",
        label=_("Desa dengan aparat desa atau BPD terlindungi"),
        short_label=_("Desa beraparat terlindungi"),
        numerator_label=_("desa dengan aparat desa/BPD terlindungi"),
        denominator_label=_("desa"),
        definition=_(
            "Desa yang paling sedikit satu kepala desa, perangkat desa atau anggota BPD-nya "
            "terlindungi pada tanggal itu, dibagi jumlah desa (kelurahan tidak dihitung)."
        ),
        compute=desa_officials,
        levels=(0, 1, 2, 3),
    ),
    Indicator(
        code="posts_filled",
        label=_("Formasi terisi (semua segmen)"),
        short_label=_("Formasi terisi"),
        numerator_label=_("formasi terisi"),
        denominator_label=_("formasi tercatat"),
        definition=_(
            "Formasi yang diisi orang terlindungi dibagi formasi tercatat. Dihitung per unit dan "
            "segmen, dibatasi jumlah formasinya, sehingga OPD yang berlebih tidak menutupi desa "
            "yang kosong."
        ),
        compute=_posts(None),
    ),
    Indicator(
        code="posts_filled_non_asn",
        label=_("Formasi pegawai non-ASN terisi"),
        short_label=_("Formasi non-ASN"),
        numerator_label=_("formasi non-ASN terisi"),
        denominator_label=_("formasi non-ASN tercatat"),
        definition=_("Formasi pegawai non-ASN yang diisi orang terlindungi, dibagi formasinya."),
        compute=_posts((Segment.NON_ASN,)),
    ),
    Indicator(
        code="posts_filled_village",
        label=_("Formasi perangkat desa dan BPD terisi"),
        short_label=_("Formasi aparat desa"),
        numerator_label=_("formasi perangkat desa/BPD terisi"),
        denominator_label=_("formasi perangkat desa/BPD tercatat"),
        definition=_(
            "Formasi kepala desa, perangkat desa dan BPD yang diisi orang terlindungi, dibagi "
            "formasinya."
        ),
        compute=_posts(tuple(VILLAGE_OFFICIAL_SEGMENTS)),
    ),
    Indicator(
        code="posts_filled_perangkat_desa",
        label=_("Formasi kepala desa dan perangkat desa terisi"),
        short_label=_("Formasi perangkat desa"),
        numerator_label=_("formasi perangkat desa terisi"),
        denominator_label=_("formasi perangkat desa tercatat"),
        definition=_(
            "Formasi kepala desa dan perangkat desa yang diisi orang terlindungi, dibagi "
            "formasinya (tanpa BPD)."
        ),
        compute=_posts((Segment.PERANGKAT_DESA,)),
    ),
    Indicator(
        code="rentan_target",
        label=_("Pekerja rentan terhadap target per desa"),
        short_label=_("Rentan terhadap target"),
        numerator_label=_("pekerja rentan terlindungi"),
        denominator_label=_("target (target per desa x jumlah desa)"),
        definition=_(
            "Pekerja rentan terlindungi dibagi target: target per desa yang ditetapkan kepala "
            "daerah dikali jumlah desa."
        ),
        compute=rentan_target,
    ),
    Indicator(
        code="rentan_registered",
        label=_("Pekerja rentan terhadap data DTSEN/P3KE"),
        short_label=_("Rentan terhadap DTSEN/P3KE"),
        numerator_label=_("pekerja rentan terlindungi"),
        denominator_label=_("pekerja rentan terdata"),
        definition=_(
            "Pekerja rentan terlindungi dibagi pekerja rentan yang terdata di DTSEN atau P3KE."
        ),
        compute=rentan_registered,
    ),
):
    register(_indicator)


def indicators_for_level(level: int) -> list[Indicator]:
    """The registered indicators that mean something at ``level`` (0 = all of Indonesia)."""
    return [i for i in INDICATORS.values() if level in i.levels]
