"""Amounts in words (``common.money``): Indonesian (``terbilang``) and English, for documents that
write an amount beside its figures (the KSO report in either language, the berita acara)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cakupan.common.money import rupiah_in_english, rupiah_in_words, terbilang


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "zero rupiah"),
        (1, "one rupiah"),
        (11, "eleven rupiah"),
        (19, "nineteen rupiah"),
        (20, "twenty rupiah"),
        (42, "forty-two rupiah"),
        (100, "one hundred rupiah"),
        (111, "one hundred eleven rupiah"),
        (1_001, "one thousand one rupiah"),
        (12_000, "twelve thousand rupiah"),
        (111_011, "one hundred eleven thousand eleven rupiah"),
        (1_500_000, "one million five hundred thousand rupiah"),
        (42_000_000, "forty-two million rupiah"),
        (890_000_000, "eight hundred ninety million rupiah"),
        (1_077_000_000, "one billion seventy-seven million rupiah"),
        (2_000_000_000_000, "two trillion rupiah"),
        (1_000_000_000_000_000, "one thousand trillion rupiah"),
        (Decimal(36_000_000), "thirty-six million rupiah"),
        (-5_000, "minus five thousand rupiah"),
    ],
)
def test_rupiah_in_english(amount: int | Decimal, words: str) -> None:
    assert rupiah_in_english(amount) == words


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("id", "satu miliar tujuh puluh tujuh juta rupiah"),
        ("en", "one billion seventy-seven million rupiah"),
        ("en-us", "one billion seventy-seven million rupiah"),
    ],
)
def test_rupiah_in_words_follows_the_language(language: str, words: str) -> None:
    assert rupiah_in_words(1_077_000_000, language) == words
    assert rupiah_in_words(1_077_000_000, "id") == terbilang(1_077_000_000)
