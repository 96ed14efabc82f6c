"""Users with a role and a scope, and the append-only audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cakupan.common.choices import choice_display


class Role(models.TextChoices):
    SUPERADMIN = "superadmin", _("Superadmin")
    ADMIN_KABUPATEN = "admin_kabupaten", _("Admin kabupaten/kota")
    OPERATOR_OPD = "operator_opd", _("Operator OPD")
    OPERATOR_DESA = "operator_desa", _("Operator desa")
    CAMAT = "camat", _("Camat")
    PETUGAS_BPJS = "petugas_bpjs", _("Petugas BPJS Ketenagakerjaan")
    PIMPINAN = "pimpinan", _("Pimpinan (Bupati/Wali Kota/Sekda)")


# Which scope each role must carry: a region of a given level, a unit, or a branch office.
ROLE_SCOPE = {
    Role.SUPERADMIN: None,
    Role.ADMIN_KABUPATEN: "region",
    Role.OPERATOR_OPD: "unit",
    Role.OPERATOR_DESA: "unit",
    Role.CAMAT: "region",
    Role.PETUGAS_BPJS: "branch_office",
    Role.PIMPINAN: "region",
}
# Roles that may change registry data inside their scope; the others read only.
WRITER_ROLES = {Role.SUPERADMIN, Role.ADMIN_KABUPATEN, Role.OPERATOR_OPD, Role.OPERATOR_DESA}


class UserManager(DjangoUserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> User:
        """``cakupan createsuperuser``: a superadmin, the one role that needs no scope."""
        extra_fields.setdefault("role", Role.SUPERADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. What they see is decided by ``role`` and the one scope it needs."""

    # Before the fields: their get_FOO_display() bind to it (cakupan.common.choices).
    _get_FIELD_display = choice_display

    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "wilayah.Region",
        verbose_name=_("wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    branch_office = models.ForeignKey(
        "registry.BranchOffice",
        verbose_name=_("kantor cabang"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    # Sign-in (issue 13): an administrator's one-time code is the password until the user sets their
    # own; it stops working at ``reset_code_expires``. ``is_demo``: a sign-in of ``cakupan demo``,
    # whose password is published (``ACCOUNTS_DEMO_WITHOUT_MFA`` may spare it the second factor).
    must_change_password = models.BooleanField(_("wajib ganti kata sandi"), default=False)
    reset_code_expires = models.DateTimeField(
        _("kode sekali pakai berlaku sampai"), null=True, blank=True
    )
    is_demo = models.BooleanField(_("akun demo"), default=False)

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            models.CheckConstraint(
                name="user_scope_matches_role",
                condition=(
                    Q(role=Role.SUPERADMIN)
                    | Q(
                        role__in=[Role.ADMIN_KABUPATEN, Role.CAMAT, Role.PIMPINAN],
                        region__isnull=False,
                    )
                    | Q(role__in=[Role.OPERATOR_OPD, Role.OPERATOR_DESA], unit__isnull=False)
                    | Q(role=Role.PETUGAS_BPJS, branch_office__isnull=False)
                ),
            ),
        ]

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES

    # Sessions remember a hash of what signing in vouched for. Django's covers the password; this one
    # also covers the role and the scope, so re-scoping an account ends its sessions. Its own salt
    # also ended, once, every session opened before sign-in got its second factor (issue 13).
    _SESSION_SALT = "cakupan.accounts.User.session-auth-hash.v2"

    def _session_hash(self, secret: str | bytes | None = None) -> str:
        from django.utils.crypto import salted_hmac

        value = "|".join(
            (
                self.password,
                self.role,
                str(self.region_id or ""),
                str(self.unit_id or ""),
                str(self.branch_office_id or ""),
            )
        )
        return salted_hmac(self._SESSION_SALT, value, secret=secret, algorithm="sha256").hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash()

    def get_session_auth_fallback_hash(self) -> Any:
        from django.conf import settings

        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)


class Source(models.TextChoices):
    WEB = "web", _("Web")
    CLI = "cli", _("CLI")
    API = "api", _("API")
    IMPORT = "import", _("Impor berkas")
    SYSTEM = "system", _("Sistem")


class Action(models.TextChoices):
    CREATE = "create", _("Buat")
    UPDATE = "update", _("Ubah")
    DELETE = "delete", _("Hapus")
    VIEW = "view", _("Lihat")
    EXPORT = "export", _("Ekspor")
    DENIED = "denied", _("Ditolak")
    # Signing in and out (entity ``accounts.user``): who, from which address, how, and why not.
    SIGN_IN = "sign_in", _("Masuk")
    SIGN_IN_FAILED = "sign_in_failed", _("Gagal masuk")
    LOCKOUT = "lockout", _("Dikunci")
    UNLOCK = "unlock", _("Kunci dibuka")
    SIGN_OUT = "sign_out", _("Keluar")


class AuditEvent(models.Model):
    """One change to, or one access of, personal data (UU 27/2022 PDP Pasal 31).

    Rows are only ever inserted: a database trigger (migration ``0002``) refuses UPDATE and DELETE,
    so not even the application's own database role can rewrite history. ``before`` and ``after``
    hold the changed fields only; a view of one record names it in ``entity_id``, a list or export
    page puts ``"*"`` there and the ids it showed in ``after["shown"]``.
    """

    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("pelaku"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        # No database constraint: the trail is append-only (no row is ever updated or deleted, see
        # migration 0002), PROTECT still keeps a user with audit rows from being deleted through
        # Django, and ``actor_label`` names the actor whatever happens to the account. The check
        # cost one lookup per audit row, millions on a bulk import (docs/benchmarks.md).
        db_constraint=False,
    )
    actor_label = models.CharField(_("nama pelaku"), max_length=150)
    source = models.CharField(_("kanal"), max_length=10, choices=Source.choices)
    action = models.CharField(_("tindakan"), max_length=20, choices=Action.choices)
    entity = models.CharField(_("entitas"), max_length=60)
    entity_id = models.CharField(_("id entitas"), max_length=64, db_collation="C")
    before = models.JSONField(_("sebelum"), null=True, blank=True)
    after = models.JSONField(_("sesudah"), null=True, blank=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    # The hash chain (migration 0006, ``accounts/chain.py``, docs/integrity.md): set by the database
    # on insert, whatever wrote the row; values given by the writer are ignored. The rows of one
    # transaction form a block, each row hashing the one before it (``chain_hash``); at commit the
    # block is linked into the chain of all blocks (:class:`AuditLink`).
    chain_block = models.BigIntegerField(_("blok rantai"), editable=False)
    chain_pos = models.IntegerField(_("urutan dalam blok"), editable=False)
    chain_hash = models.BinaryField(_("hash rantai"), max_length=32, editable=False)

    class Meta:
        verbose_name = _("jejak audit")
        verbose_name_plural = _("jejak audit")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["entity", "entity_id"], name="audit_entity"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.entity}#{self.entity_id}"


class AuditLink(models.Model):
    """One committed transaction's audit rows (a block), linked into the chain of all blocks.

    Written only by the database, at commit (the deferred trigger of migration ``0006``), under one
    lock held for that moment only: ``seq`` counts the links without gaps, ``hash`` hashes the
    previous link's hash with this block's last row hash, its row count and the link time.
    ``cakupan audit verify`` recomputes every row and every link (``accounts/chain.py``).
    """

    seq = models.BigIntegerField(_("urutan"), unique=True)
    block = models.BigIntegerField(_("blok"), unique=True)
    rows = models.IntegerField(_("jumlah baris"))
    last_hash = models.BinaryField(_("hash baris terakhir"), max_length=32)
    at = models.DateTimeField(_("waktu"))
    hash = models.BinaryField(_("hash"), max_length=32)

    class Meta:
        verbose_name = _("mata rantai audit")
        verbose_name_plural = _("mata rantai audit")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} blok {self.block} ({self.rows})"
