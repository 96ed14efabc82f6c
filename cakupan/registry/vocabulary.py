"""The registry's vocabulary: which words in a file stand for which coded value.

The rules are data (``vocabulary.toml`` beside this module, with the regulations they follow);
this module only reads and checks them. Matching is intake's job
(``cakupan.intake.columns.vocabulary``), set-based over a file's distinct values.

No Django imports: readers and validators use it without a database.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cakupan.registry.occupations import GROUPS, OCCUPATIONS, OTHERS

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")
# The fields (``intake.schema.Field`` values) the vocabulary has rules for.
FIELDS = ("occupation", "funding_source", "scheme", "segment")
_PHRASE = re.compile(r"^[0-9a-z]+( [0-9a-z]+)*$")


@dataclass(frozen=True, slots=True)
class Rule:
    """The value holds one of ``words``, one of ``also`` (when given) and none of ``unless``."""

    target: str
    words: tuple[str, ...]
    also: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


def _targets() -> dict[str, set[str]]:
    # Imported here: the model module imports Django.
    from cakupan.registry.models import FundingSource, Scheme, Segment

    return {
        "occupation": {code for code, _, _ in GROUPS}
        | {code for code, _, _, _ in (*OCCUPATIONS, *OTHERS)},
        "funding_source": {str(v) for v in FundingSource.values},
        "scheme": {str(v) for v in Scheme.values},
        "segment": {str(v) for v in Segment.values},
    }


def parse(text: str, *, targets: dict[str, set[str]] | None = None) -> dict[str, tuple[Rule, ...]]:
    """The rules of each field, in priority order. Raises ``ValueError`` on a malformed entry.

    With ``targets``, every rule's target must be one of its field's known values.
    """
    data = tomllib.loads(text)
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown vocabulary sections: {sorted(unknown)}")
    rules: dict[str, tuple[Rule, ...]] = {}
    for field in FIELDS:
        parsed = []
        for entry in data.get(field, []):
            extra = set(entry) - {"target", "words", "also", "unless"}
            if extra or "target" not in entry or not entry.get("words"):
                raise ValueError(f"{field}: malformed rule {entry!r}")
            phrases = [*entry["words"], *entry.get("also", []), *entry.get("unless", [])]
            bad = [p for p in phrases if not _PHRASE.match(p)]
            if bad:
                raise ValueError(f"{field} -> {entry['target']}: phrases not normalised: {bad}")
            if targets is not None and entry["target"] not in targets[field]:
                raise ValueError(f"{field}: unknown target {entry['target']!r}")
            parsed.append(
                Rule(
                    target=entry["target"],
                    words=tuple(entry["words"]),
                    also=tuple(entry.get("also", ())),
                    unless=tuple(entry.get("unless", ())),
                )
            )
        rules[field] = tuple(parsed)
    return rules


@cache
def rules() -> dict[str, tuple[Rule, ...]]:
    """The installation's vocabulary (``vocabulary.toml``), checked against the known codes."""
    return parse(VOCABULARY_FILE.read_text(encoding="utf-8"), targets=_targets())
