"""Regions (Kemendagri master data, the same for every user) and the NIK check.

Neither reads personal data: a region is public, and the NIK check parses the number the client
sent (structure, birth date, sex, the regions its digits name) without looking anyone up. Both
still need a token, like every operation of the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.params import functions as param_functions

from cakupan.api.auth import token_auth_reads
from cakupan.api.errors import ApiError
from cakupan.api.types import IsoDate
from cakupan.common.nik import parse_nik
from cakupan.wilayah import selectors
from cakupan.wilayah.models import Region

router = Router(tags=["wilayah"])

# A Kemendagri code, dotted (73.24.04) or not (732404).
REGION_CODE_PATTERN = r"^[0-9][0-9.]{0,12}$"
RegionCode = Annotated[
    str, param_functions.Path(..., pattern=REGION_CODE_PATTERN, examples=["73.24"])
]


class RegionRef(Schema):
    code: str = Field(examples=["73.24"])
    name: str
    kind: str = Field(description="provinsi, kabupaten, kota, kecamatan, desa, kelurahan")


class RegionChild(RegionRef):
    level: int
    valid_from: dt.date | None
    valid_to: dt.date | None


class RegionOut(RegionChild):
    parents: list[RegionRef] = Field(description="induk, dari yang terdekat")
    children: dict[str, int] = Field(description="jumlah anak yang berlaku, per jenis")
    grandchildren: dict[str, int] = Field(description="jumlah cucu yang berlaku, per jenis")


class ChildrenFilter(Schema):
    include_retired: bool = Field(
        False, description="juga wilayah yang sudah tidak berlaku (pemekaran, penggabungan)"
    )


def region_or_404(code: str) -> Region:
    """The region ``code`` (dotted or not) or 404 ``region_unknown``, as the CLI names it."""
    try:
        return selectors.region_get(code)
    except selectors.RegionNotFound:
        raise ApiError(
            404, "region_unknown", _("Kode wilayah tidak dikenal: %(code)s") % {"code": code[:20]}
        ) from None


def region_filter_code(raw: str) -> str:
    """The code of the region a list's ``region`` filter names (dotted or not), or 422
    ``region_unknown`` naming the query field: an unknown filter is bad input, not a missing
    record."""
    try:
        return selectors.region_get(raw).code
    except selectors.RegionNotFound:
        raise ApiError(
            422,
            "region_unknown",
            _("Kode wilayah tidak dikenal: %(code)s") % {"code": raw[:20]},
            details=[{"field": "region", "location": "query"}],
        ) from None


def _child(region: Region) -> RegionChild:
    return RegionChild(
        code=region.code,
        name=region.name,
        kind=region.kind,
        level=region.level,
        valid_from=region.valid_from,
        valid_to=region.valid_to,
    )


@router.get("/regions/{code}", response=RegionOut, url_name="region_show")
def region_show(request: HttpRequest, code: RegionCode) -> RegionOut:
    """One region: its parents and how many children and grandchildren it has, per kind."""
    region = region_or_404(code)
    counts = selectors.region_descendant_counts(region)
    return RegionOut(
        **_child(region).model_dump(),
        parents=[
            RegionRef(code=r.code, name=r.name, kind=r.kind)
            for r in selectors.region_ancestors(region)
        ],
        children=counts["children"],
        grandchildren=counts["grandchildren"],
    )


@router.get("/regions/{code}/children", response=list[RegionChild], url_name="region_children")
def region_children(
    request: HttpRequest, code: RegionCode, filters: Query[ChildrenFilter]
) -> list[RegionChild]:
    """The regions directly below ``code`` (a kabupaten has at most a few dozen kecamatan, a
    kecamatan a few dozen desa: one answer, no paging), by code."""
    region = region_or_404(code)
    rows = selectors.region_list(parent=region.code, current_only=not filters.include_retired)
    return [_child(r) for r in rows.order_by("code")]


class NikCheckIn(Schema):
    nik: str = Field(
        max_length=40,
        description="16 digit; spasi, titik dan tanda hubung diabaikan",
        examples=["7324045708850001"],
    )
    sex: Literal["L", "P"] | None = Field(None, description="jenis kelamin menurut data")
    birth_date: IsoDate | None = Field(None, description="tanggal lahir menurut data")


class NikIssueOut(Schema):
    code: str
    message: str


class NikCheckOut(Schema):
    nik: str = Field(description="16 digit setelah dibersihkan, atau isian apa adanya")
    valid: bool
    errors: list[NikIssueOut]
    warnings: list[NikIssueOut]
    sex: Literal["L", "P"] | None
    birth_date: dt.date | None
    province: RegionRef | None
    regency: RegionRef | None
    district: RegionRef | None


@router.post("/nik/check", response=NikCheckOut, url_name="nik_check", auth=token_auth_reads)
def nik_check(request: HttpRequest, payload: NikCheckIn) -> NikCheckOut:
    """Check a NIK as ``cakupan nik check`` does: structure, birth date and sex from its digits
    (against ``sex``/``birth_date`` when given) and the regions its first six digits name.

    A POST so that the NIK travels in the body, never in an address (nor in access logs). It reads
    nothing about any person, and is allowed to read-only tokens.
    """
    names: dict[str, str] = {}

    def lookup(codes: list[str]) -> dict[str, str]:
        names.update(selectors.region_names(codes))
        return names

    result = parse_nik(
        payload.nik,
        sex=payload.sex,
        birth_date=payload.birth_date,
        region_names=lookup,
        today=timezone.localdate(),
    )
    kinds = dict(Region.objects.filter(code__in=list(names)).values_list("code", "kind"))

    def ref(code: str | None) -> RegionRef | None:
        if code is None or code not in names:
            return None
        return RegionRef(code=code, name=names[code], kind=kinds.get(code) or "")

    return NikCheckOut(
        nik=result.nik if result.nik is not None else result.input,
        valid=result.valid,
        errors=[NikIssueOut(code=i.code, message=i.message) for i in result.errors],
        warnings=[NikIssueOut(code=i.code, message=i.message) for i in result.warnings],
        sex=result.sex,  # type: ignore[arg-type]
        birth_date=result.birth_date,
        province=ref(result.province_code),
        regency=ref(result.regency_code),
        district=ref(result.district_code),
    )
