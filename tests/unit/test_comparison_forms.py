"""Written Users skip scim2-models' comparison check only under the gateway's own key."""

from __future__ import annotations

import pytest
from scim2_models import Context, ScimPolicy
from scim2_models.base import BaseModel

from scim_gateway.scim.policy import POLICY
from scim_gateway.scim.resources import UserResource

BODY = {"schemas": [str(UserResource.__schema__)], "userName": "ann@acme.test"}


def refusing_key(binding: object, value: str) -> str:
    """Refuse every string, as a stricter policy's key could."""
    raise ValueError("no string compares here")


def test_a_user_is_still_refused_under_a_key_that_refuses_its_strings() -> None:
    policy = ScimPolicy(unknown=ScimPolicy.Unknown.ignore, comparison_key=refusing_key)

    with pytest.raises(ValueError, match="cannot be compared"):
        UserResource.model_validate(
            BODY, scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=policy
        )


@pytest.mark.parametrize(
    "value", ["ann@acme.test", "\ud800", "\u0000x", "ﬁ\u200b", "Å" * 300, "", " "]
)
def test_the_gateways_key_takes_every_string_so_skipping_the_check_refuses_nothing(
    value: str,
) -> None:
    binding = BaseModel  # the key reads only case_exact, and a model has none

    assert isinstance(POLICY.comparison_key(binding, value), str)
    body = {**BODY, "displayName": value, "title": value}
    resource = UserResource.model_validate(
        body, scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    assert resource.display_name == value
