"""Synthetic demo data calibrated to the five source reports (``shared/seeds``).

People are made up (Faker ``id_ID`` names) but consistent: each NIK encodes the person's sex, birth
date and a real kecamatan; domiciles and units sit in real desa. The figures the reports give come
out exactly from ``cakupan stats`` on the dates they were reported:

* 73.24 Luwu Timur, 2022-11-09: non-ASN 4,535; perangkat desa + BPD 274 in 27 of 125 desa;
  pekerja keagamaan 1,483; pekerja rentan 1,665 (PU total 6,292).
* 73.24 Luwu Timur, 2021-10-31: APBD-funded tenaga upah jasa 2,272, penyuluh KB 540, tenaga
  pendidik 2,077, petugas keagamaan 1,505 (6,394).
* 74.05 Konawe Selatan, 2021-10-27: perangkat desa registered in 47 of 336 desa.
* 72.05 Buol, 2024-05-29: every non-ASN post filled; perangkat desa posts 87.8% filled.
* 73.02 Bulukumba: officials of all 109 desa; their 2024 contributions, billed and paid, come to
  exactly Rp890,000,000 (``cakupan billing summary --region 73.02 --year 2024``).

Everything is drawn from one seeded generator, so two loads give the same people.
"""

from __future__ import annotations

from cakupan.demo.builder import SEED, VERIFYING_DINAS, Builder
from cakupan.demo.bulukumba import BULUKUMBA_YEAR, bulukumba
from cakupan.demo.buol import buol
from cakupan.demo.konawe_selatan import konawe_selatan
from cakupan.demo.luwu_timur import luwu_timur

__all__ = [
    "BULUKUMBA_YEAR",
    "SEED",
    "VERIFYING_DINAS",
    "Builder",
    "bulukumba",
    "buol",
    "konawe_selatan",
    "luwu_timur",
]
