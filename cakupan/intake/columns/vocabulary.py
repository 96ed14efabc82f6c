"""Coded columns (occupation, funding source, scheme, segment) read through a vocabulary.

A cell is normalised (lower case, every run of characters other than a-z and 0-9 as one space),
then resolved in this order: the unit's own mapping of that value (``memory``; the operator chose
it on a batch page, "abaikan" included), an exact code or name (``exact``), the vocabulary's rules
(``cakupan.registry.vocabulary``: the first rule that fits). A value none of these resolve is
*unmapped*: the caller decides what it becomes (a "lainnya" occupation, the unit's default funding)
and warns; it is never an error by itself.

Set-based: the rules run as polars string expressions over the column's *distinct* normalised
values (a few dozen in a real file, whatever its length), and the result is joined back to the
rows. No Python runs per row or per distinct value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from cakupan.intake.schema import IGNORE
from cakupan.registry.vocabulary import Rule

NON_ALNUM = r"[^0-9a-z]+"

# How a value was resolved (column ``how``).
EMPTY, MEMORY, EXACT, RULE, UNMAPPED, IGNORED = (
    "empty",
    "memory",
    "exact",
    "rule",
    "unmapped",
    "ignored",
)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What resolves one field: exact keys and rules (``memory`` comes per unit, at call time)."""

    exact: Mapping[str, str]  # normalised code or label -> target
    rules: Sequence[Rule] = ()


def normalised(column: pl.Expr) -> pl.Expr:
    """The matching key of a cell: as :func:`cakupan.intake.validation.normalise_label`."""
    return column.str.to_lowercase().str.replace_all(NON_ALNUM, " ").str.strip_chars()


def _any_phrase(padded: pl.Expr, phrases: Sequence[str]) -> pl.Expr:
    # Keys are single-spaced a-z/0-9 words; padded with a space at both ends, a whole-word phrase
    # is a plain substring " phrase ". One regex per phrase set.
    pattern = " (?:" + "|".join(phrases) + ") "
    return padded.str.contains(pattern)


def rule_target(key: pl.Expr, rules: Sequence[Rule]) -> pl.Expr:
    """The target of the first rule that fits ``key`` (a normalised value), else null."""
    if not rules:
        return pl.lit(None, pl.String)
    padded = pl.concat_str(pl.lit(" "), key, pl.lit(" "))
    branches = []
    for rule in rules:
        fits = _any_phrase(padded, rule.words)
        if rule.also:
            fits = fits & _any_phrase(padded, rule.also)
        if rule.unless:
            fits = fits & ~_any_phrase(padded, rule.unless)
        branches.append(pl.when(fits).then(pl.lit(rule.target, pl.String)))
    return pl.coalesce(branches)


def resolve(
    raw: pl.Series, vocabulary: Vocabulary, memory: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """One row per cell of ``raw``: ``key`` (normalised), ``text`` (the cell as written, runs of
    whitespace as one space, trimmed), ``target`` (null unless resolved) and ``how``
    (:data:`EMPTY`, :data:`MEMORY`, :data:`EXACT`, :data:`RULE`, :data:`UNMAPPED` or
    :data:`IGNORED`: the unit mapped the value to "abaikan", so it counts as empty).

    Everything but the final join runs once per distinct cell text, not per row.
    """
    memory = memory or {}
    cells = pl.DataFrame({"raw": raw.cast(pl.String)})
    spellings = (
        cells.unique("raw")
        .drop_nulls()
        .with_columns(
            key=normalised(pl.col("raw")),
            text=pl.col("raw").str.replace_all(r"[\s\u00a0]+", " ").str.strip_chars(),
        )
    )
    distinct = spellings.filter(pl.col("key") != "").unique("key").select("key")

    def table(mapping: Mapping[str, str], name: str) -> pl.DataFrame:
        return pl.DataFrame(
            {"key": list(mapping), name: list(mapping.values())},
            schema={"key": pl.String, name: pl.String},
        )

    resolved = (
        distinct.join(table(memory, "memory"), on="key", how="left")
        .join(table(vocabulary.exact, "exact"), on="key", how="left")
        .with_columns(rule=rule_target(pl.col("key"), vocabulary.rules))
        .select(
            "key",
            target=pl.when(pl.col("memory") == IGNORE)
            .then(pl.lit(None, pl.String))
            .otherwise(pl.coalesce("memory", "exact", "rule")),
            how=pl.when(pl.col("memory") == IGNORE)
            .then(pl.lit(IGNORED))
            .when(pl.col("memory").is_not_null())
            .then(pl.lit(MEMORY))
            .when(pl.col("exact").is_not_null())
            .then(pl.lit(EXACT))
            .when(pl.col("rule").is_not_null())
            .then(pl.lit(RULE))
            .otherwise(pl.lit(UNMAPPED)),
        )
    )
    by_spelling = spellings.join(resolved, on="key", how="left").with_columns(
        how=pl.col("how").fill_null(EMPTY)
    )
    return (
        cells.join(by_spelling, on="raw", how="left", maintain_order="left")
        .with_columns(how=pl.col("how").fill_null(EMPTY))
        .select("key", "text", "target", "how")
    )


def distinct_values(resolved: pl.DataFrame, *, limit: int) -> list[dict[str, object]]:
    """The unmapped and unit-mapped values of a column, once each, for the batch page.

    ``[{"key", "text" (the first spelling seen), "rows" (how many), "how", "target"}]``, the most
    frequent first, at most ``limit``.
    """
    frame = (
        resolved.filter(pl.col("how").is_in([UNMAPPED, MEMORY, IGNORED]))
        .group_by("key", maintain_order=True)
        .agg(
            pl.col("text").first(),
            pl.len().alias("rows"),
            pl.col("how").first(),
            pl.col("target").first(),
        )
        .sort(["rows", "key"], descending=[True, False])
        .head(limit)
    )
    return frame.to_dicts()
