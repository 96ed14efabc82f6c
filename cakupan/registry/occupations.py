"""The occupations the source reports name, with the groups districts count them by.

Loaded by migrations ``0002_occupations`` and ``0006_vocabulary`` (which adds the BPD posts, the
tenaga kependidikan and one "lainnya" per segment); administrators may add more in the admin. The
words files use for them (synonyms, abbreviations, keywords) are in ``vocabulary.toml``.
"""

from __future__ import annotations

# (code, name, group code or None, usual segments)
GROUPS: list[tuple[str, str, list[str]]] = [
    ("tenaga-pendidik", "Tenaga pendidik", ["non_asn"]),
    ("petugas-keagamaan", "Petugas keagamaan", ["pekerja_keagamaan"]),
    ("aparat-desa", "Kepala desa dan perangkat desa", ["perangkat_desa"]),
    ("anggota-bpd", "Pimpinan dan anggota BPD", ["bpd"]),
    ("lembaga-kemasyarakatan-desa", "Pengurus lembaga kemasyarakatan desa", ["lembaga_desa"]),
    ("pekerja-informal", "Pekerja informal", ["pekerja_rentan"]),
    ("badan-ad-hoc-pemilu", "Badan ad hoc pemilu/pilkada", ["penyelenggara_pemilu"]),
]

OCCUPATIONS: list[tuple[str, str, str | None, list[str]]] = [
    ("tenaga-upah-jasa", "Tenaga upah jasa", None, ["non_asn"]),
    ("penyuluh-kb", "Penyuluh KB", None, ["non_asn"]),
    ("tenaga-kesehatan", "Tenaga kesehatan non-ASN", None, ["non_asn"]),
    ("tenaga-administrasi", "Tenaga administrasi non-ASN", None, ["non_asn"]),
    # School staff who do not teach (UU 20/2003 Pasal 1 angka 5): not counted as tenaga pendidik.
    ("tenaga-kependidikan", "Tenaga kependidikan", None, ["non_asn"]),
    ("guru-paud", "Guru PAUD", "tenaga-pendidik", ["non_asn"]),
    ("guru-sd", "Guru SD", "tenaga-pendidik", ["non_asn"]),
    ("guru-smp", "Guru SMP", "tenaga-pendidik", ["non_asn"]),
    ("guru-ngaji", "Guru ngaji", "petugas-keagamaan", ["pekerja_keagamaan"]),
    ("imam-masjid", "Imam masjid", "petugas-keagamaan", ["pekerja_keagamaan"]),
    ("marbot", "Marbot", "petugas-keagamaan", ["pekerja_keagamaan"]),
    ("pendeta", "Pendeta", "petugas-keagamaan", ["pekerja_keagamaan"]),
    ("pemangku-adat-agama", "Pemuka agama lainnya", "petugas-keagamaan", ["pekerja_keagamaan"]),
    ("kepala-desa", "Kepala desa", "aparat-desa", ["perangkat_desa"]),
    ("sekretaris-desa", "Sekretaris desa", "aparat-desa", ["perangkat_desa"]),
    ("kepala-urusan", "Kepala urusan", "aparat-desa", ["perangkat_desa"]),
    ("kepala-seksi", "Kepala seksi", "aparat-desa", ["perangkat_desa"]),
    ("kepala-dusun", "Kepala dusun", "aparat-desa", ["perangkat_desa"]),
    ("staf-desa", "Staf desa", "aparat-desa", ["perangkat_desa"]),
    ("ketua-bpd", "Ketua BPD", "anggota-bpd", ["bpd"]),
    # Pimpinan BPD: ketua, wakil ketua, sekretaris (Permendagri 110/2016 Pasal 9).
    ("wakil-ketua-bpd", "Wakil ketua BPD", "anggota-bpd", ["bpd"]),
    ("sekretaris-bpd", "Sekretaris BPD", "anggota-bpd", ["bpd"]),
    ("anggota-bpd-biasa", "Anggota BPD", "anggota-bpd", ["bpd"]),
    ("ketua-rt", "Ketua RT", "lembaga-kemasyarakatan-desa", ["lembaga_desa"]),
    ("ketua-rw", "Ketua RW", "lembaga-kemasyarakatan-desa", ["lembaga_desa"]),
    ("kader-posyandu", "Kader posyandu", "lembaga-kemasyarakatan-desa", ["lembaga_desa"]),
    ("pengurus-lpm", "Pengurus LPM", "lembaga-kemasyarakatan-desa", ["lembaga_desa"]),
    ("buruh-tani", "Buruh tani", "pekerja-informal", ["pekerja_rentan"]),
    ("nelayan", "Nelayan", "pekerja-informal", ["pekerja_rentan"]),
    ("pedagang-kecil", "Pedagang kecil", "pekerja-informal", ["pekerja_rentan"]),
    ("tukang-ojek", "Tukang ojek", "pekerja-informal", ["pekerja_rentan"]),
    ("pekerja-harian-lepas", "Pekerja harian lepas", "pekerja-informal", ["pekerja_rentan"]),
    ("ppk", "Panitia Pemilihan Kecamatan (PPK)", "badan-ad-hoc-pemilu", ["penyelenggara_pemilu"]),
    ("pps", "Panitia Pemungutan Suara (PPS)", "badan-ad-hoc-pemilu", ["penyelenggara_pemilu"]),
    (
        "kpps",
        "Kelompok Penyelenggara Pemungutan Suara (KPPS)",
        "badan-ad-hoc-pemilu",
        ["penyelenggara_pemilu"],
    ),
    (
        "pantarlih",
        "Petugas pemutakhiran data pemilih (Pantarlih)",
        "badan-ad-hoc-pemilu",
        ["penyelenggara_pemilu"],
    ),
    (
        "panwascam",
        "Panitia pengawas kecamatan (Panwascam)",
        "badan-ad-hoc-pemilu",
        ["penyelenggara_pemilu"],
    ),
]

# Where a job title the vocabulary does not know goes: one "lainnya" per segment, so that the row is
# kept and counted in its segment, and the title's own text stays on the membership.
OTHER_PREFIX = "lainnya-"
SEGMENT_LABELS: dict[str, str] = {
    "non_asn": "pegawai non-ASN",
    "perangkat_desa": "perangkat desa",
    "bpd": "BPD",
    "lembaga_desa": "lembaga kemasyarakatan desa",
    "pekerja_keagamaan": "pekerja keagamaan",
    "pekerja_rentan": "pekerja rentan",
    "penyelenggara_pemilu": "penyelenggara pemilu",
}
OTHERS: list[tuple[str, str, str | None, list[str]]] = [
    (OTHER_PREFIX + segment.replace("_", "-"), f"Lainnya ({label})", None, [segment])
    for segment, label in SEGMENT_LABELS.items()
]


def other_code(segment: str) -> str:
    """The code of the "lainnya" occupation of ``segment``."""
    return OTHER_PREFIX + segment.replace("_", "-")
