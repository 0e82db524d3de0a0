"""The end-to-end infrastructure works for real: provider, mail, webhooks, browser."""

import base64
import hashlib
import json
import secrets
import smtplib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import Page
from standardwebhooks import Webhook

from tests.support.oidc import OidcProvider, start_oidc_provider
from tests.support.smtp import SmtpServer
from tests.support.webhooks import WebhookReceiver, start_webhook_receiver

# Nothing listens here: sign_in must hand the redirect back, not follow it.
# One worker runs the module, so its OpenID provider starts once, not once per worker.
pytestmark = pytest.mark.xdist_group("infrastructure-e2e")

REDIRECT_URI = "http://127.0.0.1:9/oidc/callback"
SIGNED_OUT_URI = "http://127.0.0.1:9/signed-out"
CLIENT_ID, CLIENT_SECRET = "seat-gateway", "test-client-secret"
CLIENT = {
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "redirect_uris": [REDIRECT_URI],
    "post_logout_redirect_uris": [SIGNED_OUT_URI],
}


@pytest.fixture(scope="module")
def oidc() -> Iterator[OidcProvider]:
    """Run one provider for this module, with one unverified account."""
    with start_oidc_provider([CLIENT], accounts={"eve@acme.test": {"email_verified": False}}) as p:
        yield p


def discovery(provider: OidcProvider) -> dict[str, Any]:
    """Fetch the provider's discovery document."""
    url = f"{provider.issuer}/.well-known/openid-configuration"
    document: dict[str, Any] = requests.get(url, timeout=5).json()
    return document


def authorize_url(provider: OidcProvider, verifier: str, nonce: str, state: str) -> str:
    """Build an authorization request as a PKCE confidential client would."""
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    return f"{discovery(provider)['authorization_endpoint']}?{urlencode(params)}"


def sign_in_for_tokens(provider: OidcProvider, login: str) -> dict[str, Any]:
    """Sign in as login, exchange the code and return the verified ID token claims."""
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    callback = provider.sign_in(
        requests.Session(), authorize_url(provider, verifier, nonce, "s"), login
    )
    code = parse_qs(urlsplit(callback).query)["code"][0]
    metadata = discovery(provider)
    tokens = requests.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=5,
    )
    assert tokens.status_code == 200, tokens.text
    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())
    claims: dict[str, Any] = jwt.decode(tokens.json()["id_token"], keys).claims
    assert claims["nonce"] == nonce
    return claims


def test_the_provider_advertises_the_code_flow_with_s256_and_logout(oidc: OidcProvider) -> None:
    document = discovery(oidc)
    assert document["issuer"] == oidc.issuer
    assert "code" in document["response_types_supported"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["end_session_endpoint"].startswith(oidc.issuer)
    assert document["authorization_response_iss_parameter_supported"] is True
    assert {"openid", "email", "profile"} <= set(document["scopes_supported"])


def test_a_headless_sign_in_redirects_to_the_client_with_code_state_and_iss(
    oidc: OidcProvider,
) -> None:
    url = authorize_url(oidc, secrets.token_urlsafe(48), "n", state="xyz")
    callback = oidc.sign_in(requests.Session(), url, "alice@acme.test")
    assert callback.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlsplit(callback).query)
    assert query["code"] and query["state"] == ["xyz"] and query["iss"] == [oidc.issuer]


def test_the_code_exchanges_for_an_id_token_with_the_login_as_sub_and_email(
    oidc: OidcProvider,
) -> None:
    claims = sign_in_for_tokens(oidc, "alice@acme.test")
    assert claims["iss"] == oidc.issuer and claims["aud"] == CLIENT_ID
    assert claims["sub"] == "alice@acme.test"
    assert claims["email"] == "alice@acme.test" and claims["email_verified"] is True
    assert claims["name"] == "alice"


def test_an_account_can_be_given_an_unverified_email(oidc: OidcProvider) -> None:
    claims = sign_in_for_tokens(oidc, "eve@acme.test")
    assert claims["email"] == "eve@acme.test" and claims["email_verified"] is False


def test_the_provider_refuses_an_authorization_request_without_pkce(oidc: OidcProvider) -> None:
    url = authorize_url(oidc, "v" * 43, "n", "s")
    without_pkce = url.split("&code_challenge=")[0]
    callback = oidc.sign_in(requests.Session(), without_pkce, "alice@acme.test")
    assert parse_qs(urlsplit(callback).query)["error"] == ["invalid_request"]


def test_a_signed_in_session_can_log_out_back_to_the_client(oidc: OidcProvider) -> None:
    session = requests.Session()
    oidc.sign_in(session, authorize_url(oidc, "v" * 43, "n", "s"), "alice@acme.test")
    params = {
        "client_id": CLIENT_ID,
        "post_logout_redirect_uri": SIGNED_OUT_URI,
        "state": "bye",
    }
    end_session = f"{discovery(oidc)['end_session_endpoint']}?{urlencode(params)}"
    assert oidc.sign_out(session, end_session) == f"{SIGNED_OUT_URI}?state=bye"


def test_a_mail_sent_with_smtplib_arrives_at_the_smtp_server(smtp_server: SmtpServer) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "gw@acme.test", "bob@acme.test", "Seat"
    message.set_content("Your seat is ready.")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.send_message(message)
    [mail] = smtp_server.wait_for(1)
    assert mail.mail_from == "gw@acme.test" and mail.rcpt_tos == ["bob@acme.test"]
    assert mail.message["Subject"] == "Seat"
    assert mail.message.get_content().strip() == "Your seat is ready."


def post_webhook(receiver: WebhookReceiver, secret: str, body: bytes) -> int:
    """Send body to the receiver signed with secret, the Standard Webhooks way."""
    msg_id, now = "msg_" + secrets.token_hex(8), datetime.now(tz=UTC)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, now, body.decode()),
        "content-type": "application/json",
    }
    return requests.post(f"{receiver.url}/hooks", data=body, headers=headers, timeout=5).status_code


def test_a_correctly_signed_webhook_is_accepted(webhook_receiver: WebhookReceiver) -> None:
    body = json.dumps({"type": "seat.assigned"}).encode()
    assert post_webhook(webhook_receiver, webhook_receiver.secret, body) == 204
    [received] = webhook_receiver.wait_for_accepted(1)
    assert received.path == "/hooks" and received.body == body and received.signature_valid


def test_a_wrongly_signed_webhook_is_rejected(webhook_receiver: WebhookReceiver) -> None:
    wrong_secret = "whsec_" + base64.b64encode(b"not the receiver's secret").decode()
    assert post_webhook(webhook_receiver, wrong_secret, b"{}") == 401
    assert not webhook_receiver.requests[0].signature_valid
    assert webhook_receiver.accepted == []


def test_the_webhook_receiver_can_fail_the_first_deliveries() -> None:
    with start_webhook_receiver(fail_first=2) as receiver:
        statuses = [post_webhook(receiver, receiver.secret, b"{}") for _ in range(3)]
        assert statuses == [500, 500, 204]
        assert len(receiver.wait_for_accepted(1, timeout=1)) == 1


def test_chromium_renders_a_page_and_a_screenshot_is_written(
    page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    page.set_content("<h1>Seat Gateway</h1>")
    assert page.inner_text("h1") == "Seat Gateway"
    started = time.time()
    path = screenshot(page, "hello")
    assert path.stat().st_size > 0 and path.stat().st_mtime >= started - 1


def test_chromium_reaches_the_provider_sign_in_page_on_loopback(
    oidc: OidcProvider, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    page.goto(authorize_url(oidc, "v" * 43, "n", "s"))
    assert page.locator("input[name=login]").is_visible()
    screenshot(page, "provider-sign-in")
