"""Issue codes: each has its short Indonesian name, in one table, translated where it is shown."""

from __future__ import annotations

from django.utils import translation

from cakupan.common.nik import NikCode
from cakupan.intake import selectors
from cakupan.intake.schema import ISSUE_LABELS, WARNING_CODES, RowIssue, issue_label, issue_severity


def test_every_issue_code_has_a_label() -> None:
    codes = {*RowIssue, *NikCode}
    assert set(ISSUE_LABELS) == codes
    assert all(label and label[0].isupper() for label in ISSUE_LABELS.values())
    assert len(set(ISSUE_LABELS.values())) == len(ISSUE_LABELS)


def test_labels_and_severities() -> None:
    assert issue_label(NikCode.LENGTH) == "NIK tidak 16 digit"
    assert issue_label("reply_rejected") == "reply_rejected"  # not an intake code: shown as is
    assert issue_severity(RowIssue.SEX_NORMALIZED) == "warning"
    assert issue_severity(RowIssue.DESA_OUTSIDE_UNIT) == "error"
    assert {c for c in (*RowIssue, *NikCode) if issue_severity(c) == "warning"} == set(
        WARNING_CODES
    )


def test_the_web_shows_the_label_in_the_user_language() -> None:
    with translation.override("id"):
        assert str(selectors.issue_label(NikCode.LENGTH)) == "NIK tidak 16 digit"
    with translation.override("en"):
        assert str(selectors.issue_label(NikCode.LENGTH)) == "NIK not 16 digits"
        assert selectors.issue_label("something_else") == "something_else"
