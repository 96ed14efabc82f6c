"""The KSO / rakor report of a kabupaten/kota on a day: what a Rapat Kerja Sama Operasional with
BPJS Ketenagakerjaan is told (seeds/000: the Luwu Timur KSO of 9 November 2022).

Every figure comes from the apps that own it, through the user's scope: coverage measures,
indicators, the table of kecamatan, the trend and the league table from ``coverage.selectors``
and ``coverage.indicators``, the follow-up lists from ``coverage.followup``, claims and
contributions from ``claims.summary``, the price of a pekerja rentan from the rules engine
(``targeting.plan.month_prices``, the BPU rates of each month). No personal data: desa, kecamatan
and units are named, people only counted.

Sections (PDF and XLSX alike, see ``document``): Ringkasan, Indikator, Tren, Segmen, Kelompok
pekerjaan, Kecamatan, Desa tanpa aparat, Klaim dan iuran, Pekerja rentan, Tindak lanjut; the full
list of desa without a protected official is the annex.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cakupan.accounts.access import MaybeViewer
from cakupan.claims.summary import BENEFIT_KEYS, BENEFIT_LABELS, claims_summary
from cakupan.common.labels import SHORT_MONTH_NAMES, local_long_date
from cakupan.common.money import rupiah_in_words
from cakupan.coverage.followup import followup_lists
from cakupan.coverage.indicators import indicators_for_level
from cakupan.coverage.selectors import (
    Place,
    children_rows,
    figures,
    league_table,
    place_get,
    place_measures,
    series,
)
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import BranchOffice, Occupation, Segment
from cakupan.reports.document import (
    Chart,
    Letterhead,
    Report,
    Section,
    Table,
    number,
    percent,
    rupiah,
)
from cakupan.targeting.plan import minimum_income, month_prices
from cakupan.wilayah.models import Region

TREND_MONTHS = 12
FIRST_DESA_NAMED = 10


def _authority(region: Region) -> str:
    return _("PEMERINTAH %(region)s") % {"region": region.name.upper()}


def _words(amount: Decimal | int) -> str:
    """``amount`` in words in the report's language (the page's, as every other text of it)."""
    return rupiah_in_words(amount, get_language() or "id")


def _short_month(day: dt.date) -> str:
    """A chart axis label in the reader's language: ``Mei 22``, ``May 22``."""
    return f"{SHORT_MONTH_NAMES[day.month - 1]} {day:%y}"


def _summary(place: Place, m: Any, shown: dict[str, Any], rank: tuple[int, int] | None) -> Section:
    ucj = shown["ucj"]
    rows: list[list[Any]] = [
        [_("Pegawai pemerintah non-ASN terlindungi"), m.segment(Segment.NON_ASN), None, None],
        [_("Aparat desa dan BPD terlindungi"), m.officials, None, None],
        [_("Desa dengan aparat desa/BPD terlindungi"), m.desa_with_officials, m.desa, None],
        [_("Pekerja keagamaan terlindungi"), m.segment(Segment.PEKERJA_KEAGAMAAN), None, None],
        [_("Pekerja rentan terlindungi"), m.segment(Segment.PEKERJA_RENTAN), None, None],
        [_("Universal Coverage Jamsostek (UCJ)"), ucj.numerator, ucj.denominator, ucj.percent],
    ]
    lines = [
        _("Pegawai pemerintah non-ASN terlindungi: %(n)s orang.")
        % {"n": number(m.segment(Segment.NON_ASN))},
        _("Aparat desa dan BPD terlindungi: %(n)s orang di %(covered)s dari %(desa)s desa.")
        % {
            "n": number(m.officials),
            "covered": number(m.desa_with_officials),
            "desa": number(m.desa),
        },
        _("Pekerja keagamaan terlindungi: %(n)s orang.")
        % {"n": number(m.segment(Segment.PEKERJA_KEAGAMAAN))},
        _("Pekerja rentan terlindungi: %(n)s orang.")
        % {"n": number(m.segment(Segment.PEKERJA_RENTAN))},
    ]
    if ucj.percent is not None:
        text = _("UCJ %(pct)s: %(num)s peserta aktif dari %(den)s sasaran potensi pekerja") % {
            "pct": percent(ucj.percent),
            "num": number(ucj.numerator or 0),
            "den": number(ucj.denominator or 0),
        }
        if rank is not None:
            text += _(", peringkat %(rank)s dari %(of)s kabupaten/kota di provinsi") % {
                "rank": rank[0],
                "of": rank[1],
            }
        lines.append(text + ".")
    else:
        lines.append(_("UCJ: belum ada data pembanding."))
    return Section(
        sheet=_("Ringkasan"),
        title=_("Ringkasan"),
        paragraphs=lines,
        tables=[
            Table(
                header=[_("Uraian"), _("Jumlah"), _("Dari"), _("Persen")],
                kinds=["text", "int", "int", "percent"],
                rows=rows,
                widths=[4, 1.3, 1.3, 1],
            )
        ],
    )


def _indicators(level: int, shown: dict[str, Any]) -> Section:
    table = Table(
        header=[_("Indikator"), _("Pembilang"), _("Penyebut"), _("Persen"), _("Keterangan")],
        kinds=["text", "int", "int", "percent", "text"],
        widths=[3.4, 1.2, 1.2, 0.9, 2],
    )
    for indicator in indicators_for_level(level):
        figure = shown[indicator.code]
        table.rows.append(
            [
                str(indicator.label),
                figure.numerator,
                figure.denominator,
                figure.percent,
                figure.status_text,
            ]
        )
    return Section(sheet=_("Indikator"), title=_("Indikator cakupan"), tables=[table])


def _trend(user: MaybeViewer, place: Place, on: dt.date) -> Section:
    points = series(user, place, on, months=TREND_MONTHS)
    ucj = [figures(m).get("ucj") for _day, m in points]
    labels = [_short_month(day) for day, _m in points]
    table = Table(
        header=[_("Per tanggal"), _("UCJ"), _("Kepesertaan terlindungi")],
        kinds=["text", "percent", "int"],
        widths=[1.5, 1, 1.6],
    )
    for (day, m), figure in zip(points, ucj, strict=True):
        table.rows.append([day.strftime("%d-%m-%Y"), figure.percent if figure else None, m.active])
    return Section(
        sheet=_("Tren"),
        title=_("Perkembangan %(n)s bulan terakhir") % {"n": TREND_MONTHS},
        charts=[
            Chart(
                _("UCJ per akhir bulan (%)"),
                labels,
                [f.percent if f else None for f in ucj],
                "percent",
            ),
            Chart(
                _("Kepesertaan terlindungi per akhir bulan"),
                labels,
                [Decimal(m.active) for _day, m in points],
                "int",
            ),
        ],
        tables=[table],
    )


def _segments(m: Any) -> Section:
    table = Table(
        header=[_("Segmen"), _("Terlindungi"), _("Formasi"), _("Terisi"), _("Formasi terisi")],
        kinds=["text", "int", "int", "int", "percent"],
        widths=[3.6, 1.2, 1, 1, 1.2],
        total=[_("Jumlah"), m.active, None, None, None],
    )
    for value, label in Segment.choices:
        fill = m.posts.get(value)
        pct = None
        if fill is not None and fill.posts:
            pct = (Decimal(fill.filled) * 100 / fill.posts).quantize(Decimal("0.1"))
        table.rows.append(
            [
                str(label),
                m.segment(value),
                fill.posts if fill else None,
                fill.filled if fill else None,
                pct,
            ]
        )
    return Section(sheet=_("Segmen"), title=_("Kepesertaan per segmen"), tables=[table])


def _groups(m: Any) -> Section:
    names = dict(Occupation.objects.values_list("code", "name"))
    table = Table(
        header=[_("Kelompok pekerjaan"), _("Terlindungi")],
        kinds=["text", "int"],
        widths=[4, 1.2],
    )
    for code, n in sorted(m.by_group.items(), key=lambda kv: (-kv[1], kv[0])):
        table.rows.append([names.get(code, code), n])
    if not table.rows:
        return Section(
            sheet=_("Kelompok pekerjaan"),
            title=_("Kepesertaan per kelompok pekerjaan"),
            paragraphs=[_("Belum ada kepesertaan dengan pekerjaan tercatat.")],
        )
    return Section(
        sheet=_("Kelompok pekerjaan"),
        title=_("Kepesertaan per kelompok pekerjaan"),
        tables=[table],
    )


def _kecamatan(user: MaybeViewer, place: Place, on: dt.date) -> Section:
    rows, own = children_rows(user, place, on)
    table = Table(
        header=[
            _("Kecamatan"),
            _("Terlindungi"),
            _("Aparat desa/BPD"),
            _("Desa beraparat"),
            _("Desa"),
            _("Pekerja rentan"),
        ],
        kinds=["text", "int", "int", "int", "int", "int"],
        widths=[2.6, 1.2, 1.3, 1.2, 0.8, 1.2],
    )
    for row in rows:
        m = row.measures
        table.rows.append(
            [
                row.place.name,
                m.active,
                m.officials,
                m.desa_with_officials,
                m.desa,
                m.segment(Segment.PEKERJA_RENTAN),
            ]
        )
    if own is not None:
        table.rows.append(
            [
                _("Unit tingkat kabupaten (OPD dan lainnya)"),
                own.measures.active,
                None,
                None,
                None,
                own.measures.segment(Segment.PEKERJA_RENTAN),
            ]
        )
    table.total = [_("Jumlah")] + [sum(int(r[col] or 0) for r in table.rows) for col in range(1, 6)]
    return Section(sheet=_("Kecamatan"), title=_("Kepesertaan per kecamatan"), tables=[table])


def _desa_without(lists: dict[str, Any], desa: int) -> tuple[Section, Section]:
    found = lists["desa_without_officials"]
    rows = found.rows
    if not found.available:
        text = [found.note]
    elif not rows:
        text = [_("Setiap desa sudah mempunyai aparat desa atau anggota BPD terlindungi.")]
    else:
        named = ", ".join(r["desa"] for r in rows[:FIRST_DESA_NAMED])
        more = len(rows) - FIRST_DESA_NAMED
        text = [
            _(
                "%(n)s dari %(desa)s desa belum mempunyai satu pun aparat desa atau anggota BPD "
                "terlindungi."
            )
            % {"n": number(len(rows)), "desa": number(desa)},
            (
                _(
                    "Di antaranya: %(names)s, dan %(more)s desa lainnya (daftar lengkap pada "
                    "Lampiran)."
                )
                % {"names": named, "more": number(more)}
                if more > 0
                else _("Yaitu: %(names)s.") % {"names": named}
            ),
        ]
    main = Section(sheet=_("Desa tanpa aparat"), title=_("Desa tanpa aparat desa/BPD terlindungi"))
    main.paragraphs = text
    annex = Section(
        sheet=_("Lampiran desa"),
        title=_("Lampiran: desa tanpa aparat desa/BPD terlindungi"),
        annex=True,
        tables=[
            Table(
                header=[_("No."), _("Desa"), _("Kecamatan"), _("Kode desa"), _("Unit")],
                kinds=["int", "text", "text", "text", "text"],
                widths=[0.5, 2, 2, 1.4, 3],
                rows=[
                    [i, r["desa"], r["kecamatan"], r["desa_code"], r["unit"]]
                    for i, r in enumerate(rows, start=1)
                ],
            )
        ],
    )
    if not rows:
        annex.tables = []
        annex.paragraphs = text
    return main, annex


def _claims(user: MaybeViewer, region: Region, year: int) -> Section:
    data = claims_summary(user=user, region=region, year=year)
    total = data["total"]
    paid = total["claims_paid"]
    table = Table(
        header=[_("Uraian"), _("Jumlah")],
        kinds=["text", "money"],
        widths=[4, 2],
        rows=[[BENEFIT_LABELS[key], paid[key]] for key in BENEFIT_KEYS],
    )
    table.rows += [
        [_("Jumlah klaim dibayar"), paid["total"]],
        [_("Iuran ditagih"), total["contributions"]["billed"]],
        [_("Iuran dibayar"), total["contributions"]["paid"]],
    ]
    ratio = total["ratio"]
    return Section(
        sheet=_("Klaim dan iuran"),
        title=_("Klaim dibayar dan iuran tahun %(year)s") % {"year": year},
        paragraphs=[
            _("Klaim dibayar: %(amount)s (%(words)s) untuk %(n)s klaim.")
            % {
                "amount": rupiah(paid["total"]),
                "words": _words(paid["total"]),
                "n": number(total["claims"]),
            },
            _("Iuran dibayar: %(amount)s (%(words)s).")
            % {
                "amount": rupiah(total["contributions"]["paid"]),
                "words": _words(total["contributions"]["paid"]),
            },
            _("Rasio klaim terhadap iuran dibayar: %(ratio)s.") % {"ratio": percent(ratio)},
        ],
        tables=[table],
    )


def _rentan(m: Any, on: dt.date) -> Section:
    year = on.year + 1
    params = active_parameters()
    income = minimum_income(params, dt.date(year, 1, 1))
    monthly, _sources = month_prices(year, income, params)
    person_year = sum(monthly, Decimal(0))
    covered = m.segment(Segment.PEKERJA_RENTAN)
    dens = m.denominators
    per_desa = dens.rentan_target_per_desa if dens is not None else None
    target = dens.rentan_target.value if dens is not None and dens.rentan_target else None
    lines = [
        _(
            "Iuran satu pekerja rentan setahun %(year)s (BPU, JKK dan JKM, penghasilan "
            "%(income)s): %(amount)s (%(words)s)."
        )
        % {
            "year": year,
            "income": rupiah(income),
            "amount": rupiah(person_year),
            "words": _words(person_year),
        }
    ]
    table = Table(header=[_("Uraian"), _("Jumlah")], kinds=["text", "int"], widths=[4, 2])
    table.rows.append([_("Pekerja rentan terlindungi"), covered])
    if target is None:
        lines.insert(0, _("Belum ada target pekerja rentan per desa untuk wilayah ini."))
    else:
        gap = max(0, target - covered)
        budget = person_year * gap
        full = person_year * target
        table.rows += [
            [_("Target per desa"), per_desa],
            [_("Target seluruh desa"), target],
            [_("Kekurangan terhadap target"), gap],
        ]
        lines += [
            _("Target: %(per)s orang per desa, %(target)s orang; terlindungi %(covered)s.")
            % {
                "per": number(per_desa or 0),
                "target": number(target),
                "covered": number(covered),
            },
            _("Anggaran %(year)s untuk kekurangannya: %(amount)s (%(words)s).")
            % {"year": year, "amount": rupiah(budget), "words": _words(budget)},
            _("Anggaran %(year)s untuk seluruh target: %(amount)s (%(words)s).")
            % {"year": year, "amount": rupiah(full), "words": _words(full)},
        ]
    return Section(
        sheet=_("Pekerja rentan"),
        title=_("Target pekerja rentan dan anggarannya"),
        paragraphs=lines,
        tables=[table],
    )


def _followup(lists: dict[str, Any]) -> Section:
    table = Table(
        header=[_("Tindak lanjut"), _("Jumlah"), _("Keterangan")],
        kinds=["text", "int", "text"],
        widths=[3.5, 1, 3],
    )
    for found in lists.values():
        table.rows.append(
            [found.title, len(found.rows) if found.available else None, found.note or ""]
        )
    return Section(
        sheet=_("Tindak lanjut"),
        title=_("Daftar tindak lanjut"),
        paragraphs=[
            _("Rincian tiap daftar (dengan unit dan kontak) ada di halaman Daftar tindak lanjut.")
        ],
        tables=[table],
    )


def _rank(user: MaybeViewer, place: Place, on: dt.date) -> tuple[int, int] | None:
    province = place_get(place.code[:2])
    rows = league_table(user, province, "ucj", on)
    for row in rows:
        if row.place.code == place.code and row.rank is not None:
            return row.rank, len(rows)
    return None


def kso_report(*, user: MaybeViewer, region: Region, on: dt.date, today: dt.date) -> Report:
    """The KSO report of kabupaten/kota ``region`` on ``on`` for ``user`` (figures in their scope)."""
    place = Place.of(region)
    m = place_measures(user, place, on)
    shown = figures(m, indicators_for_level(place.level))
    lists = followup_lists(user, place, on)
    offices = ", ".join(
        BranchOffice.objects.filter(regions=region).order_by("name").values_list("name", flat=True)
    )
    desa_main, desa_annex = _desa_without(lists, m.desa)
    sections = [
        _summary(place, m, shown, _rank(user, place, on)),
        _indicators(place.level, shown),
        _trend(user, place, on),
        _segments(m),
        _groups(m),
        _kecamatan(user, place, on),
        desa_main,
        _claims(user, region, on.year),
        _rentan(m, on),
        _followup(lists),
        desa_annex,
    ]
    subtitle = _("Jaminan Sosial Ketenagakerjaan bersama BPJS Ketenagakerjaan")
    if offices:
        subtitle += f" {offices}"
    return Report(
        letterhead=Letterhead(
            authority=_authority(region),
            title=_("LAPORAN RAPAT KERJA SAMA OPERASIONAL (KSO)"),
            subtitle=subtitle,
            place_date=_("Keadaan per %(date)s") % {"date": local_long_date(on)},
        ),
        sections=sections,
        file_stem=f"laporan-kso-{region.code.replace('.', '')}-{on:%Y%m%d}",
        footer=_(
            "Dibuat dengan Cakupan pada %(date)s. Sumber: registri kepesertaan, data "
            "pembanding dan jumlah peserta kantor cabang."
        )
        % {"date": local_long_date(today)},
    )
