"""``cakupan api token create|list|revoke``: the API's tokens from the server's shell;
``cakupan api purge``: expired idempotency keys and old rate counters (run it daily, e.g. cron).

``create`` prints the token once (it is stored only as a hash); ``list`` never shows a token, only
its public prefix; ``revoke PREFIX`` makes it answer 401 from the next call. Every creation and
revocation is written to the audit log (channel ``cli``).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source, User
from cakupan.api import selectors, services
from cakupan.api.idempotency import idempotency_purge
from cakupan.api.models import ApiToken
from cakupan.common.commands import ReportCommand, usage_error


def _row(token: ApiToken) -> dict[str, Any]:
    now = timezone.now()
    if token.revoked_at is not None:
        state = "revoked"
    elif token.expires_at is not None and token.expires_at <= now:
        state = "expired"
    elif not token.user.is_active:
        state = "user_inactive"
    else:
        state = "active"
    return {
        "prefix": token.prefix,
        "user": token.user.username,
        "name": token.name,
        "read_only": token.read_only,
        "state": state,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


class Command(ReportCommand):
    help = "Token API: buat (create), daftar (list), cabut (revoke)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="object", required=True)
        purge = sub.add_parser(
            "purge", help="hapus kunci idempotensi kedaluwarsa dan penghitung lama"
        )
        super().add_arguments(purge)
        token = sub.add_parser("token", help="token API")
        actions = token.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="buat token (ditampilkan sekali saja)")
        create.add_argument("--user", required=True, help="nama pengguna pemilik token")
        create.add_argument("--name", default="", help="nama token, mis. 'OpenSID Desa Malili'")
        create.add_argument("--expires", type=int, help="masa berlaku dalam hari (bawaan 90)")
        create.add_argument("--read-only", action="store_true", help="token hanya untuk membaca")
        super().add_arguments(create)
        listing = actions.add_parser("list", help="daftar token (tanpa rahasianya)")
        listing.add_argument("--user", help="hanya token pengguna ini")
        super().add_arguments(listing)
        revoke = actions.add_parser("revoke", help="cabut token")
        revoke.add_argument("prefix", help="awalan token (8 karakter setelah cak_)")
        super().add_arguments(revoke)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["object"] == "purge":
            self._purge(options)
            return
        {"create": self._create, "list": self._list, "revoke": self._revoke}[options["action"]](
            options
        )

    def _purge(self, options: dict[str, Any]) -> None:
        keys = idempotency_purge()
        windows = services.rate_windows_purge()
        self.emit(
            {"idempotency_keys": keys, "rate_windows": windows},
            [f"Dihapus: {keys} kunci idempotensi, {windows} penghitung batas permintaan."],
            as_json=options["as_json"],
        )

    def _create(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise usage_error(f"Pengguna tidak dikenal: {options['user']}")
        name = options["name"] or f"token {user.username}"
        try:
            issued = services.token_create(
                actor=Actor.system(source=Source.CLI, label="cakupan api token create"),
                user=user,
                name=name,
                expires_days=options["expires"],
                read_only=options["read_only"],
            )
        except services.TokenInvalid as error:
            raise usage_error(error.message) from None
        data = {**_row(issued.token), "token": issued.secret}
        lines = [
            f"Token {issued.token.name} untuk {user.username} (berlaku sampai "
            f"{timezone.localtime(issued.token.expires_at):%d-%m-%Y %H:%M}"
            f"{', hanya baca' if issued.token.read_only else ''}):",
            issued.secret,
            "Simpan sekarang: token ini tidak akan ditampilkan lagi.",
        ]
        self.emit(data, lines, as_json=options["as_json"])

    def _list(self, options: dict[str, Any]) -> None:
        if options["user"] and not User.objects.filter(username=options["user"]).exists():
            raise usage_error(f"Pengguna tidak dikenal: {options['user']}")
        rows = [_row(t) for t in selectors.token_list(username=options["user"])]
        lines = [
            f"cak_{r['prefix']}  {r['user']:<20} {r['state']:<13} {r['name']}"
            + ("  (hanya baca)" if r["read_only"] else "")
            for r in rows
        ] or ["Belum ada token."]
        self.emit({"tokens": rows}, lines, as_json=options["as_json"])

    def _revoke(self, options: dict[str, Any]) -> None:
        prefix = options["prefix"].removeprefix(services.TOKEN_PREFIX).split("_")[0]
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None:
            raise usage_error(f"Token tidak dikenal: {options['prefix']}")
        token = services.token_revoke(
            actor=Actor.system(source=Source.CLI, label="cakupan api token revoke"), token=token
        )
        row = _row(token)
        self.emit(
            row, [f"Token cak_{token.prefix} ({token.name}) dicabut."], as_json=options["as_json"]
        )
