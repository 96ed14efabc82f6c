"""Forms of signing in, the second factor, passwords and the accounts administrators manage."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.models import Role, User


class LoginForm(auth_forms.AuthenticationForm):
    """Django's form with the project's wording; the same message for a wrong name or password."""

    error_messages = {
        "invalid_login": _(
            "Nama pengguna atau kata sandi salah. Periksa kembali; huruf besar dan kecil dibedakan."
        ),
        "inactive": _("Akun ini tidak aktif. Hubungi admin kabupaten/kota Anda."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Nama pengguna")
        self.fields["password"].label = _("Kata sandi")
        self.fields["username"].widget.attrs.update(autocapitalize="none", spellcheck="false")


class CodeForm(forms.Form):
    """A code from the authenticator app (6 digits) or a recovery code."""

    code = forms.CharField(
        label=_("Kode"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form in the project's wording; ``save`` is the service's (the view calls it)."""

    def __init__(self, *args: Any, require_old: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Kata sandi sekarang (atau kode sekali pakai)")
        self.fields["new_password1"].label = _("Kata sandi baru")
        self.fields["new_password2"].label = _("Ulangi kata sandi baru")
        self.fields[
            "new_password1"
        ].help_text = password_validation.password_validators_help_text_html()
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": _("Kata sandi sekarang salah."),
            "password_mismatch": _("Kedua kata sandi baru tidak sama."),
        }

    def clean_new_password1(self) -> str:
        password: str = self.cleaned_data["new_password1"]
        if self.user.check_password(password):
            raise forms.ValidationError(
                _("Kata sandi baru harus berbeda dari yang sekarang."), code="password_unchanged"
            )
        return password


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class OperatorForm(forms.Form):
    """An operator account: its name, e-mail, role and unit (the choices the administrator may give)."""

    username = forms.RegexField(
        label=_("Nama pengguna"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Hanya huruf, angka dan . @ + - _ .")},
    )
    first_name = forms.CharField(label=_("Nama depan"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nama belakang"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Surel"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Peran"))
    unit = UnitChoiceField(label=_("Unit"), queryset=None)

    def __init__(
        self, *args: Any, roles: list[Role], units: Any, instance: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [(r.value, r.label) for r in roles]
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units
        if instance is not None:
            self.fields["username"].disabled = True
            self.initial.update(
                username=instance.username,
                first_name=instance.first_name,
                last_name=instance.last_name,
                email=instance.email,
                role=instance.role,
                unit=instance.unit_id,
            )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if self.instance is None and User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Nama pengguna ini sudah dipakai."), code="taken")
        return username

    def out_of_scope(self) -> bool:
        """A role or unit that is not among the choices: posted by hand, refused with 403."""
        return self.has_error("role", "invalid_choice") or self.has_error("unit", "invalid_choice")
