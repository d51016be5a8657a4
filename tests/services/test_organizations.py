"""Organizations on a real desk (both engines): the tier and what it does to SLA clocks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from desk_app.app import AppContext
from desk_app.domain.credits import ContractInput, parse_contract
from desk_app.domain.enums import EventKind, Status, Tier
from desk_app.domain.errors import ValidationError
from desk_app.domain.sla import PolicyConditions, SlaPolicy
from desk_app.domain.ticket import RequesterInput
from desk_app.services.organizations import ContractState, OrganizationRow
from tests.conftest import ME, FakeClock, make_draft, move

pytestmark = pytest.mark.both_engines

VIP = "Enterprise customers"


@pytest.fixture
def vip_ctx(ctx: AppContext) -> AppContext:
    """A desk whose first policy matches Enterprise-tier organizations (15 min / 2 h,
    around the clock); everyone else gets the default priority policies."""
    setup = ctx.sla.setup()
    vip = SlaPolicy(VIP, "24x7", 900, 2 * 3600,
                    conditions=PolicyConditions(tiers=frozenset({Tier.ENTERPRISE})))
    ctx.sla.save_setup(replace(setup, policies=[vip, *setup.policies]), actor=ME)
    return ctx


def _org(ctx: AppContext, name: str) -> OrganizationRow:
    return next(o for o in ctx.organizations.organizations() if o.name == name)


def _stored(ctx: AppContext, ticket_id: int) -> tuple[str, int, str]:
    with ctx.db.engine.connect() as conn:
        r = conn.execute(text("SELECT sla_policy, response_target_s, sla_risk FROM ticket "
                              "WHERE id = :id"), {"id": ticket_id}).one()
    return r[0], r[1], r[2]


def test_a_tier_change_re_times_the_open_tickets_at_once_and_says_why(
        vip_ctx: AppContext, clock: FakeClock) -> None:
    ctx = vip_ctx
    open_one = ctx.tickets.create(make_draft(), actor=ME)  # Northwind, Standard
    done = ctx.tickets.create(make_draft(title="Done already"), actor=ME)
    move(ctx, done.id, Status.RESOLVED, resolution_note="Fixed")
    assert _stored(ctx, open_one.id)[0] != VIP
    northwind = _org(ctx, "Northwind")
    clock.advance(minutes=20)  # the VIP first response (15 min) is already overdue

    preview = ctx.organizations.preview_tier(northwind.id, Tier.ENTERPRISE)
    assert (preview.open_tickets, preview.policy_changes) == (1, 1)
    assert _stored(ctx, open_one.id)[0] != VIP  # a preview stores nothing

    change = ctx.organizations.set_tier(northwind.id, Tier.ENTERPRISE, actor=ME)
    assert (change.retimed, change.policy_changes) == (1, 1)
    assert "re-timed 1 open ticket; 1 moved to another SLA policy" in change.summary
    policy, target, risk = _stored(ctx, open_one.id)
    assert (policy, target, risk) == (VIP, 900, "breached")
    # The stored clocks are what a fresh replay gives (nothing stale for the monitor).
    assert ctx.sla.replay_ticket(open_one.id).policy == VIP
    switch = ctx.tickets.detail(open_one.id).timeline[-1]
    assert switch.kind is EventKind.SLA_POLICY_CHANGED and switch.new_value == VIP
    assert switch.actor == ME
    assert switch.body == "Northwind's tier changed from Standard to Enterprise"
    # A resolved ticket keeps the clocks it stopped with, and gets no event.
    assert _stored(ctx, done.id)[0] != VIP
    assert all(e.kind is not EventKind.SLA_POLICY_CHANGED
               for e in ctx.tickets.detail(done.id).timeline)
    # New tickets of the organization get the tier's policy too.
    assert _stored(ctx, ctx.tickets.create(make_draft(), actor=ME).id)[0] == VIP
    assert _org(ctx, "Northwind").tier is Tier.ENTERPRISE


def test_a_tier_no_policy_matches_on_re_times_without_moving_anyone(vip_ctx: AppContext
                                                                    ) -> None:
    ctx = vip_ctx
    d = ctx.tickets.create(make_draft(), actor=ME)
    before = _stored(ctx, d.id)
    change = ctx.organizations.set_tier(_org(ctx, "Northwind").id, Tier.PREMIUM, actor=ME)
    assert (change.retimed, change.policy_changes) == (1, 0)
    assert "its SLA policy stays the same" in change.summary
    assert _stored(ctx, d.id) == before
    unchanged = ctx.organizations.set_tier(_org(ctx, "Northwind").id, Tier.PREMIUM, actor=ME)
    assert unchanged.retimed == 0 and "nothing changed" in unchanged.summary


def test_list_counts_contacts_tickets_and_the_contract(ctx: AppContext) -> None:
    ctx.tickets.create(make_draft(), actor=ME)
    done = ctx.tickets.create(make_draft(requester=RequesterInput(
        name="Ben Brooks", email="ben@northwind.example", organization="Northwind")),
        actor=ME)
    move(ctx, done.id, Status.RESOLVED, resolution_note="Done")
    ctx.tickets.create(make_draft(requester=RequesterInput(
        name="Carl", email="carl@contoso.example", organization="Contoso")), actor=ME)
    northwind = _org(ctx, "Northwind")
    assert (northwind.contacts, northwind.tickets, northwind.open_tickets) == (2, 2, 1)
    assert northwind.tier is Tier.STANDARD and northwind.contract is ContractState.NONE
    names = [(c.name, c.tickets) for c in ctx.organizations.contacts(northwind.id)]
    assert names == [("Anna Adler", 1), ("Ben Brooks", 1)]
    contract = parse_contract(ContractInput(monthly_fee="100.00", currency="EUR",
                                            targets=frozenset({"first_response"}),
                                            tiers=(("95", "10"),)))
    ctx.credits.save_contract(northwind.id, contract, active=False)
    assert _org(ctx, "Northwind").contract is ContractState.PAUSED


def test_add_organization_refuses_a_duplicate_naming_the_field(ctx: AppContext) -> None:
    added = ctx.organizations.add("  Fabrikam  Ltd ", Tier.PREMIUM)
    assert (added.name, added.tier, added.tickets) == ("Fabrikam Ltd", Tier.PREMIUM, 0)
    with pytest.raises(ValidationError, match="already exists") as caught:
        ctx.organizations.add("fabrikam ltd", Tier.STANDARD)
    assert caught.value.field == "Name"
    with pytest.raises(ValidationError, match="required"):
        ctx.organizations.add("   ", Tier.STANDARD)
    # A ticket for it then matches on its tier from the start.
    d = ctx.tickets.create(make_draft(requester=RequesterInput(
        name="Fay", organization="Fabrikam Ltd")), actor=ME)
    assert d.organization_tier is Tier.PREMIUM
