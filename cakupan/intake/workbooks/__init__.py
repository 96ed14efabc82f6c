"""The workbooks the intake hands out, one module per job: the enrolment template
(:mod:`.template`), the annotated copy of an upload with its issues marked (:mod:`.annotated`),
and the registration file for BPJS Ketenagakerjaan (:mod:`.registration`); :mod:`.styling`
holds what they share (sheet name, colours, print setup, Excel's limits).

Pure: plain data in, ``bytes`` out; no database, no Django. Written with xlsxwriter through
``common.spreadsheet`` (no text ever becomes a formula, number or link; text starting with
``= + - @``, tab, CR ... gets a leading ``'``). The data rows of the annotated workbook and of the
XLSX registration file are generated as XML and spliced in (``common.spreadsheet.append_rows``):
xlsxwriter needs 40 s for 200,000 rows, the splice about 4 s.
"""
