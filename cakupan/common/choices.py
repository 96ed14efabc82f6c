"""``get_FOO_display()`` without translating every label of the field on each call.

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` on every
call; hashing the lazy labels translates each of them, so one status label on a list row costs as
many ``gettext`` calls as the field has choices (about 0.4 ms a call: a fifth of the membership
list's CPU). A model that sets ``_get_FIELD_display = choice_display`` in its body (before its fields
are added, so Django's ``get_FOO_display`` binds to it) looks the value up in a dict of the field's
labels built once per field; the one label found is translated when it is shown, in the language of
the request, as before.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.encoding import force_str

_LABELS = "_cakupan_choice_labels"


def choice_display(self: models.Model, field: models.Field[Any, Any]) -> Any:
    """What Django's ``get_FOO_display()`` returns for ``field`` of ``self``: its label, or the
    value itself when it is not one of the choices."""
    value = getattr(self, field.attname)
    labels = field.__dict__.get(_LABELS)
    if labels is None:
        labels = dict(field.flatchoices)
        field.__dict__[_LABELS] = labels
    try:
        label = labels.get(value, value)
    except TypeError:  # an unhashable value (a list): Django's own way
        return models.Model._get_FIELD_display(self, field)  # type: ignore[attr-defined]
    return force_str(label, strings_only=True)
