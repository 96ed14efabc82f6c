"""Errors of the rules engine: a stable ``code`` for machines and an Indonesian ``message``.

The rules package stays free of Django, so it cannot use ``cakupan.common.errors.DomainError``
(that module is Django-free today, but the import rule of this package is kept to
``cakupan.rules`` and ``cakupan.common.money`` so it can never start pulling Django in). The CLI,
the web and the API translate these errors by ``code``.
"""

from __future__ import annotations


class RulesError(ValueError):
    """A refused request. ``code`` never changes once published; ``message`` may."""

    code = "rules_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class ParameterError(RulesError):
    """A parameter is missing for a date, malformed in a data file, or may not be overridden."""

    code = "parameter_error"


class InputError(RulesError):
    """The calculator's input is refused (unknown scheme, missing risk class, month too early ...)."""

    code = "input_invalid"
