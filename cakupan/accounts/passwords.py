"""Password rules beyond Django's: the words Indonesian users build weak passwords from.

Django's validators (settings ``AUTH_PASSWORD_VALIDATORS``) check the length (12 at least), its own
list of 20,000 common passwords, similarity to the user's name and e-mail, and all-digit passwords.
This one refuses a password whose letters are one or two words of ``data/common_passwords_id.txt``
(Indonesian words, names, places and this system's own vocabulary), whatever digits and symbols
surround them: ``bpjs2024``, ``Bismillah123!``, ``jakarta-2026``, ``Cakupan-Demo-2026``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WORDS_FILE = Path(__file__).resolve().parent / "data" / "common_passwords_id.txt"


@functools.cache
def common_words() -> frozenset[str]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def _one_or_two_words(letters: str, words: frozenset[str]) -> bool:
    if letters in words:
        return True
    return any(letters[:i] in words and letters[i:] in words for i in range(1, len(letters)))


def is_common(password: str) -> bool:
    """Whether ``password``'s letters are one or two common words (or it has no letters at all)."""
    letters = re.sub(r"[^a-z]", "", password.lower())
    if not letters:
        return True
    words = common_words()
    if _one_or_two_words(letters, words):
        return True
    # The same word repeated: "bpjsbpjsbpjs".
    for size in range(1, len(letters) // 2 + 1):
        unit = letters[:size]
        if len(letters) % size == 0 and unit * (len(letters) // size) == letters:
            return unit in words or size <= 3
    return False


class IndonesianCommonPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if is_common(password):
            raise ValidationError(
                _(
                    "Kata sandi ini terlalu mudah ditebak: hanya kata umum (misalnya nama tempat, "
                    "'bpjs', 'bismillah') dengan angka atau simbol. Pakai frasa beberapa kata "
                    "yang tidak umum."
                ),
                code="password_too_common_id",
            )

    def get_help_text(self) -> str:
        return _("Kata sandi tidak boleh hanya berupa kata umum ditambah angka atau simbol.")
