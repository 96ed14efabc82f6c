"""``cakupan demo``: prepare the database (migrations, regions, demo data, sign-ins), idempotently."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Role, Source
from cakupan.common.commands import ReportCommand
from cakupan.coverage import rollup
from cakupan.demo.claims import demo_claims_load
from cakupan.demo.services import demo_load, demo_password, demo_users_ensure
from cakupan.demo.targeting import demo_targeting_load
from cakupan.wilayah import dataset
from cakupan.wilayah.services import regions_load


class Command(ReportCommand):
    help = "Siapkan basis data demo: migrasi, data wilayah, data demo dan akun demo (idempoten)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--skip-static", action="store_true", help="jangan jalankan collectstatic"
        )
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["as_json"]
        if not quiet:
            self.stdout.write("Migrasi basis data ...")
        call_command("migrate", interactive=False, verbosity=0)
        regions = regions_load(rows=dataset.iter_regions(), source=dataset.dataset_source())
        if not quiet:
            self.stdout.write(
                f"Data wilayah: {regions.source} ({'dimuat' if regions.loaded else 'sudah ada'})"
            )
            self.stdout.write("Data demo ...")
        result = demo_load(actor=Actor.system(source=Source.CLI, label="cakupan demo"))
        logins = demo_users_ensure()
        claims = demo_claims_load(actor=Actor.system(source=Source.CLI, label="cakupan demo"))
        demo_targeting_load(actor=Actor.system(source=Source.CLI, label="cakupan demo"))
        rollup.rebuild()  # the coverage pages of Indonesia, provinces and kabupaten read it
        if not options["skip_static"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        mfa_roles = [str(Role(r).label) for r in settings.ACCOUNTS_MFA_ROLES]
        mfa_skipped = settings.ACCOUNTS_DEMO_WITHOUT_MFA
        data = {
            "regions": {"source": regions.source, "loaded": regions.loaded},
            "demo": result,
            "claims": claims,
            "password": demo_password(),
            "logins": [{"username": x.username, "role": x.role, "scope": x.scope} for x in logins],
            "mfa": {"required_for_roles": mfa_roles, "demo_sign_ins_without_mfa": mfa_skipped},
        }
        lines = [
            f"Data demo: {'dimuat' if result['loaded'] else 'sudah ada'} "
            f"({result['people']} orang, {result['memberships']} kepesertaan, {result['units']} unit)",
            f"Klaim demo: {'dimuat' if claims['loaded'] else 'sudah ada'} ({claims['claims']} klaim)",
            "",
            f"Akun demo (kata sandi untuk semua: {demo_password()}):",
            *(f"  {x.username:<18} {x.role:<36} {x.scope}" for x in logins),
            "",
            (
                "Verifikasi dua langkah (TOTP): TIDAK diminta dari akun demo "
                "(CAKUPAN_DEMO_WITHOUT_MFA=1, atau tanpa HTTPS); wajib untuk akun lain dengan peran "
                + ", ".join(mfa_roles)
                + "."
                if mfa_skipped
                else "Verifikasi dua langkah (TOTP): WAJIB untuk "
                + ", ".join(mfa_roles)
                + ", akun demo juga (siapkan aplikasi autentikator saat masuk pertama; "
                "CAKUPAN_DEMO_WITHOUT_MFA=1 melewatinya untuk akun demo)."
            ),
        ]
        self.emit(data, lines, as_json=options["as_json"])
