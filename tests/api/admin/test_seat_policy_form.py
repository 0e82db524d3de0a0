"""The seat policy form of Billing settings: the Primary Owner sets it, Owners read it."""

from scim_gateway.db import transaction
from seat_core import get_organization, policy_of

from .conftest import post_form

BILLING = "/admin/acme/billing"
ACTION = "/admin/acme/billing/policy"


def stored(app):
    with app.app_context(), transaction() as session:
        return policy_of(session, get_organization(session, "acme").id).as_json()


def test_the_primary_owner_saves_the_policy_and_sees_it_on_the_page(primary, app):
    saved = post_form(
        primary,
        BILLING,
        ACTION,
        licensed_groups="Engineering\n\n  Support  \n",
        reclaim_after_days="45",
        exempt_groups="Executives",
    )
    page = primary.get(BILLING, follow_redirects=True).text

    assert saved.status_code == 302 and saved.headers["Location"].endswith("#policy-heading")
    assert stored(app) == {
        "licensed_groups": ["Engineering", "Support"],
        "reclaim_after_days": 45,
        "exempt_groups": ["Executives"],
    }
    assert "Seat policy saved." in page
    assert ">Engineering\nSupport</textarea>" in page and 'value="45"' in page


def test_a_period_under_fourteen_days_is_refused_with_the_reason(primary, app):
    refused = post_form(primary, BILLING, ACTION, reclaim_after_days="7")
    page = primary.get(BILLING).text

    assert refused.status_code == 302
    assert "between 14 and 3650, not 7" in page
    assert stored(app)["reclaim_after_days"] is None


def test_an_owner_reads_the_policy_but_cannot_post_it(owner, app):
    page = owner.get(BILLING).text
    posted = post_form(owner, BILLING, ACTION, licensed_groups="Engineering")

    assert 'data-testid="seat-policy"' in page and "Save seat policy" not in page
    assert posted.status_code == 403
    assert stored(app)["licensed_groups"] == []
