"""The seat policy form of Billing settings: the Primary Owner sets it, Owners read it."""

import html
import re

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


def policy_section(page):
    """Return the seat policy section of Billing settings."""
    return page[page.index('id="policy-heading"') :]


def error_of(page, field):
    """Return the words of the error shown beside a field of the page."""
    found = re.search(rf'<p id="{field}-error" class="field-error">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)).strip() if found else None


def test_a_period_under_fourteen_days_is_refused_beside_its_field_in_words(primary, app):
    refused = post_form(
        primary, BILLING, ACTION, reclaim_after_days="7", licensed_groups="Engineering"
    )
    page = refused.text

    assert refused.status_code == 400
    assert error_of(page, "reclaim_after_days") == (
        "7 days is too short. Enter from 14 to 3650 days, or leave the field empty to "
        "never reclaim seats."
    )
    assert re.search(r'name="reclaim_after_days"[^>]*value="7"[^>]*aria-invalid="true"', page)
    assert ">Engineering</textarea>" in page
    assert "reclaim_after_days must" not in page and "not saved" in policy_section(page)
    assert stored(app) == {"licensed_groups": [], "reclaim_after_days": None, "exempt_groups": []}


def test_a_period_that_is_not_a_number_keeps_what_was_typed(primary, app):
    refused = post_form(primary, BILLING, ACTION, reclaim_after_days="two weeks")
    page = refused.text

    assert refused.status_code == 400
    assert error_of(page, "reclaim_after_days").startswith(
        "“two weeks” is not a number of days. Enter a whole number of days from 14 to 3650"
    )
    assert re.search(r'value="two weeks" aria-invalid="true"[^>]*autofocus', page)
    assert stored(app)["reclaim_after_days"] is None


def test_a_bad_group_name_is_refused_beside_its_field(primary, app):
    refused = post_form(
        primary, BILLING, ACTION, exempt_groups="Executives\n" + "x" * 300, reclaim_after_days="30"
    )
    page = refused.text

    assert refused.status_code == 400
    assert "exempt groups" in error_of(page, "exempt_groups")
    assert error_of(page, "reclaim_after_days") is None and 'value="30"' in page
    assert stored(app)["exempt_groups"] == []


def test_a_saved_policy_says_so_in_its_own_section(primary, app):
    saved = post_form(primary, BILLING, ACTION, reclaim_after_days="30")
    page = primary.get(saved.headers["Location"]).text

    assert saved.headers["Location"].endswith("#policy-heading")
    assert "Seat policy saved." in policy_section(page)
    assert "Seat policy saved." not in page[: page.index('id="policy-heading"')]
    assert stored(app)["reclaim_after_days"] == 30


def test_an_owner_reads_the_policy_but_cannot_post_it(owner, app):
    page = owner.get(BILLING).text
    posted = post_form(owner, BILLING, ACTION, licensed_groups="Engineering")

    assert 'data-testid="seat-policy"' in page and "Save seat policy" not in page
    assert posted.status_code == 403
    assert stored(app)["licensed_groups"] == []
