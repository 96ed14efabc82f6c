"""The enrolment file of a plan: the intake template's ``Data`` sheet, filled in.

The columns are exactly the enrolment template's (``intake.workbooks.template.TEMPLATE_FIELDS``
with their ``schema.FIELD_LABELS`` headers, NIK and Nomor KK as text), so the file goes straight
into the intake and its fix loop: upload it under the unit that enrols the pekerja rentan (the
Disnaker for APBD, the desa's kelompok or pemerintah desa for APBDes) with segment pekerja rentan.
Desa are written as Kemendagri codes (never ambiguous), dates as dd-mm-yyyy text, the income as a
whole number. A second sheet, ``Rencana``, says what the plan was.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cakupan.common.spreadsheet import write_cell, xlsx_workbook
from cakupan.intake.schema import FIELD_LABELS, Field
from cakupan.intake.workbooks.styling import DATA_SHEET
from cakupan.intake.workbooks.template import TEMPLATE_FIELDS

PLAN_SHEET = "Rencana"


@dataclass(frozen=True)
class EnrolmentRow:
    nik: str
    name: str
    sex: str
    birth_date: dt.date
    desa: str  # Kemendagri code
    household: str
    occupation: str  # the occupation's name when it is on the list, else ""
    funding_source: str  # label, as the template's dropdown offers it
    income: Decimal
    start_date: dt.date


def _values(row: EnrolmentRow) -> dict[Field, str | int | None]:
    return {
        Field.NIK: row.nik,
        Field.NAME: row.name,
        Field.SEX: row.sex,
        Field.BIRTH_PLACE: None,
        Field.BIRTH_DATE: row.birth_date.strftime("%d-%m-%Y"),
        Field.DESA: row.desa,
        Field.PHONE: None,
        Field.KK_NUMBER: row.household
        if row.household.isdigit() and len(row.household) == 16
        else None,
        Field.OCCUPATION: row.occupation or None,
        Field.FUNDING_SOURCE: row.funding_source,
        Field.WAGE: int(row.income),
        Field.START_DATE: row.start_date.strftime("%d-%m-%Y"),
    }


def enrolment_workbook(rows: Sequence[EnrolmentRow], summary: Sequence[tuple[str, str]]) -> bytes:
    """The XLSX enrolment file of ``rows`` with ``summary`` (label, value) on ``Rencana``."""
    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    workbook.set_properties(
        {"title": "Pendaftaran pekerja rentan", "subject": "segmen=pekerja_rentan"}
    )
    data = workbook.add_worksheet(DATA_SHEET)
    plan = workbook.add_worksheet(PLAN_SHEET)
    bold = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    number = workbook.add_format({"num_format": "#,##0"})
    for col, f in enumerate(TEMPLATE_FIELDS):
        data.write_string(0, col, FIELD_LABELS[f], bold)
        data.set_column(col, col, 30 if f in (Field.NAME, Field.OCCUPATION) else 18)
    for r, row in enumerate(rows, start=1):
        values = _values(row)
        for col, f in enumerate(TEMPLATE_FIELDS):
            value = values[f]
            if f in (Field.NIK, Field.KK_NUMBER) and value is not None:
                data.write_string(r, col, str(value), text)
            else:
                write_cell(data, r, col, value, number if f is Field.WAGE else None)
    data.freeze_panes(1, 0)
    plan.set_column(0, 0, 36)
    plan.set_column(1, 1, 60)
    for r, (label, value) in enumerate(summary):
        write_cell(plan, r, 0, label, bold if r == 0 else None)
        write_cell(plan, r, 1, value)
    data.activate()
    workbook.close()
    return output.getvalue()
