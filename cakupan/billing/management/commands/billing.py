"""``cakupan billing run|summary|pay|lapse|bill``: the same services and selectors as the web.

* ``billing run --month YYYY-MM [--region CODE] [--json]``: bill a contribution month;
* ``billing summary --region CODE --year YYYY [--segment S] [--on D] [--json]``: billed, paid and
  arrears per month and in total (integer rupiah in JSON);
* ``billing pay --payer UNIT_CODE --amount N --date D --reference R [--bill ID] [--json]``;
* ``billing lapse --on D [--json]``: BPU lapse and PU arrears flags as of a day;
* ``billing bill BILL_ID (--pdf FILE | --xlsx FILE)``: a bill as a document.

The CLI acts as ``accounts.access.SYSTEM`` (unscoped) and is audited under the ``cli`` channel.
Usage errors (unknown region, payer or bill, malformed month or amount) exit with code 2.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.http import Http404
from django.utils import timezone

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source
from cakupan.billing import documents, selectors, services
from cakupan.billing.selectors import bill_get_for, payer_get_for
from cakupan.common.commands import ReportCommand, usage_error
from cakupan.common.dates import parse_month
from cakupan.common.money import format_rupiah, parse_rupiah
from cakupan.registry.models import Segment
from cakupan.wilayah.selectors import RegionNotFound, region_get


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise usage_error(f"Tanggal tidak valid (pakai YYYY-MM-DD): {text}") from None


def _rp(amount: Decimal | int) -> str:
    return format_rupiah(amount)


class Command(ReportCommand):
    help = "Tagihan iuran per pembayar: run, summary, pay, lapse, bill."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="buat/hitung ulang tagihan satu bulan iuran")
        run.add_argument("--month", required=True, help="bulan iuran YYYY-MM")
        run.add_argument("--region", help="hanya pembayar di wilayah ini (kode)")
        super().add_arguments(run)
        summary = sub.add_parser("summary", help="ringkasan tagihan, pembayaran, tunggakan")
        summary.add_argument("--region", required=True, help="kode wilayah")
        summary.add_argument("--year", required=True, type=int, help="tahun iuran")
        summary.add_argument("--segment", choices=Segment.values, help="hanya segmen ini")
        summary.add_argument("--on", help="tunggakan per tanggal (YYYY-MM-DD), bawaan hari ini")
        super().add_arguments(summary)
        pay = sub.add_parser("pay", help="catat pembayaran")
        pay.add_argument("--payer", required=True, help="kode unit pembayar")
        pay.add_argument("--amount", required=True, help="jumlah rupiah utuh")
        pay.add_argument("--date", required=True, help="tanggal bayar YYYY-MM-DD")
        pay.add_argument("--reference", required=True, help="nomor referensi (SP2D, transfer)")
        pay.add_argument("--bill", help="lunasi tagihan ini lebih dulu (nomor tagihan)")
        pay.add_argument("--note", default="", help="catatan")
        super().add_arguments(pay)
        lapse = sub.add_parser("lapse", help="periksa tunggakan: BPU nonaktif, PU ditandai")
        lapse.add_argument("--on", required=True, help="tanggal pemeriksaan YYYY-MM-DD")
        super().add_arguments(lapse)
        bill = sub.add_parser("bill", help="tagihan sebagai PDF atau XLSX")
        bill.add_argument("bill_id", help="nomor tagihan")
        out = bill.add_mutually_exclusive_group(required=True)
        out.add_argument("--pdf", help="tulis PDF ke berkas ini")
        out.add_argument("--xlsx", help="tulis XLSX ke berkas ini")
        super().add_arguments(bill)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system(source=Source.CLI, label=f"cakupan billing {options['action']}")
        handler = getattr(self, f"_{options['action']}")
        try:
            handler(options, actor)
        except services.BillingError as error:
            raise usage_error(error.message) from None

    def _run(self, options: dict[str, Any], actor: Actor) -> None:
        try:
            month = parse_month(options["month"])
        except ValueError:
            raise usage_error(f"Bulan tidak valid (pakai YYYY-MM): {options['month']}") from None
        result = services.billing_run(actor=actor, month=month, region_code=options["region"])
        lines = [
            f"Penagihan {month:%m/%Y} ({result.region_code or 'semua wilayah'}), proses #{result.run_id}",
            f"Kepesertaan ditagih: {result.memberships}; baris: {result.lines}; "
            f"pembayar: {result.payers}; jumlah {_rp(result.total)}",
            f"Tagihan baru {result.created}, dihitung ulang {result.updated}, "
            f"dihapus {result.removed}, tetap {result.unchanged}, "
            f"perlu penyesuaian {result.adjusted}",
            *(
                f"  Tidak ada tarif: {u['scheme']} {u['programme']} ({u['lines']} baris)"
                for u in result.unrated
            ),
            *(
                f"  Penyesuaian {a.payer_code} tagihan #{a.bill_id}: {_rp(a.difference)}"
                for a in result.adjustments
            ),
        ]
        self.emit(result.as_dict(), lines, as_json=options["as_json"])

    def _summary(self, options: dict[str, Any], actor: Actor) -> None:
        try:
            region = region_get(options["region"])
        except RegionNotFound:
            raise usage_error(f"Kode wilayah tidak dikenal: {options['region']}") from None
        on = _date(options["on"]) if options["on"] else timezone.localdate()
        data = selectors.billing_summary(
            user=SYSTEM, region=region, year=options["year"], segment=options["segment"], on=on
        )
        lines = [f"{region.code} {region.name}, iuran {options['year']}, tunggakan per {on}"]
        lines += [
            f"  {m['month']}: ditagih {_rp(m['billed'])}, dibayar {_rp(m['paid'])}, "
            f"menunggak {_rp(m['arrears'])}"
            for m in data["months"]
        ]
        total = data["total"]
        lines.append(
            f"Jumlah: ditagih {_rp(total['billed'])}, dibayar {_rp(total['paid'])}, "
            f"menunggak {_rp(total['arrears'])}; kredit {_rp(data['credit'])}"
        )
        self.emit(data, lines, as_json=options["as_json"])

    def _pay(self, options: dict[str, Any], actor: Actor) -> None:
        try:
            amount = parse_rupiah(options["amount"])
        except ValueError:
            raise usage_error(f"Jumlah tidak valid: {options['amount']}") from None
        try:
            payer = payer_get_for(SYSTEM, options["payer"], write=True)
        except Http404:
            raise usage_error(f"Unit pembayar tidak dikenal: {options['payer']}") from None
        bill = None
        if options["bill"]:
            try:
                bill = bill_get_for(SYSTEM, options["bill"], write=True)
            except Http404:
                raise usage_error(f"Tagihan tidak dikenal: {options['bill']}") from None
        result = services.payment_record(
            actor=actor,
            payer=payer,
            amount=amount,
            paid_on=_date(options["date"]),
            reference=options["reference"],
            bill=bill,
            note=options["note"],
        )
        data = {
            "payment": result.payment.pk,
            "payer": payer.code,
            "amount": result.payment.amount,
            "paid_on": result.payment.paid_on,
            "reference": result.payment.reference,
            "allocations": [
                {"bill": bill_id, "amount": amount}
                for bill_id, amount in sorted(result.allocations.items())
            ],
            "credit": result.credit,
        }
        lines = [
            f"Pembayaran #{result.payment.pk} {payer.code} {_rp(result.payment.amount)} dicatat",
            *(f"  tagihan #{b}: {_rp(a)}" for b, a in sorted(result.allocations.items())),
            f"Sisa menjadi kredit: {_rp(result.credit)}",
        ]
        self.emit(data, lines, as_json=options["as_json"])

    def _lapse(self, options: dict[str, Any], actor: Actor) -> None:
        result = services.lapse_check(actor=actor, on=_date(options["on"]))
        lines = [
            f"Pemeriksaan tunggakan per {result.on}: {len(result.lapsed)} kepesertaan BPU "
            f"nonaktif, {len(result.flagged)} pembayar PU ditandai, {len(result.cleared)} "
            "penanda selesai",
            *(
                f"  {x['person']} ({x['unit']}): menunggak sejak {x['oldest_unpaid_month']}, "
                f"nonaktif {x['lapsed_on']}"
                for x in result.lapsed
            ),
            *(
                f"  {x['payer']}: {x['months_in_arrears']} bulan, {_rp(x['amount'])}"
                for x in result.flagged
            ),
        ]
        self.emit(result.as_dict(), lines, as_json=options["as_json"])

    def _bill(self, options: dict[str, Any], actor: Actor) -> None:
        try:
            if options["pdf"]:
                target = options["pdf"]
                data = documents.bill_pdf(user=SYSTEM, actor=actor, pk=options["bill_id"])
            else:
                target = options["xlsx"]
                data = documents.bill_xlsx(user=SYSTEM, actor=actor, pk=options["bill_id"])
        except Http404:
            raise usage_error(f"Tagihan tidak dikenal: {options['bill_id']}") from None
        Path(target).write_bytes(data)
        self.emit(
            {"bill": int(options["bill_id"]), "file": target, "bytes": len(data)},
            [f"Tagihan #{options['bill_id']} ditulis ke {target}"],
            as_json=options["as_json"],
        )
