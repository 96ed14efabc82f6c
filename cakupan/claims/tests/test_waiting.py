"""What waits for whom among the claims (the home page's panel, issue 17 item 1)."""

from __future__ import annotations

import pytest

from cakupan.claims import selectors, workflow
from cakupan.claims.tests.builders import TODAY, World, complete_draft
from cakupan.parameters.selectors import active_parameters

pytestmark = pytest.mark.django_db


def kinds(world: World, name: str) -> dict[str, int]:
    return {
        item.key: item.count
        for item in selectors.waiting_work(
            user=world.users[name], today=TODAY, params=active_parameters()
        )
    }


def test_claims_wait_for_the_reporter_the_verifier_and_bpjs(world: World) -> None:
    claim = complete_draft(world)
    assert kinds(world, "desa") == {"claims.draft": 1}
    assert kinds(world, "desa_other") == {}
    assert kinds(world, "dpmd") == {}

    claim = workflow.claim_submit(actor=world.actor("desa"), claim=claim, today=TODAY)
    assert kinds(world, "desa") == {}
    assert kinds(world, "dpmd") == {"claims.verify": 1}
    assert kinds(world, "admin") == {"claims.verify": 1}
    assert kinds(world, "bkpsdm") == {}  # not its segment

    claim = workflow.claim_verify(actor=world.actor("dpmd"), claim=claim)
    assert kinds(world, "dpmd") == {}
    assert kinds(world, "bpjs") == {"claims.file": 1}
    assert kinds(world, "bpjs_other") == {}
    claim = workflow.claim_file(actor=world.actor("bpjs"), claim=claim, on=TODAY)
    assert kinds(world, "bpjs") == {"claims.decide": 1}
    workflow.claim_approve(actor=world.actor("bpjs"), claim=claim, on=TODAY)
    assert kinds(world, "bpjs") == {"claims.pay": 1}
