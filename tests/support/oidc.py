"""A real OpenID provider (tests/e2e/oidc) and a headless way to sign in at it."""

import json
import select
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

import requests

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "e2e" / "oidc"
INSTALL_HINT = "run `npm ci --prefix tests/e2e/oidc`"
STARTUP_TIMEOUT = 15.0
# Enough for authorize -> login -> resume -> consent -> resume -> client, with room to spare.
MAX_STEPS = 12


@dataclass(frozen=True)
class _Form:
    """One HTML form: where it posts and its named inputs with their values."""

    action: str
    fields: dict[str, str]


class _FormParser(HTMLParser):
    """Collect the forms of a page, as the development interactions render them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(_Form(values.get("action", ""), {}))
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1].fields[values["name"]] = values.get("value", "")


def _page_error(response: requests.Response) -> AssertionError:
    """Describe an unexpected answer from the provider."""
    text = " ".join(response.text.split())
    return AssertionError(
        f"OpenID provider answered {response.status_code} at {response.url}: {text[-800:]}"
    )


@dataclass(frozen=True)
class OidcProvider:
    """A running provider; any login is accepted and becomes the account's sub."""

    issuer: str
    stderr: IO[bytes]

    def sign_in(self, session: requests.Session, authorize_url: str, login: str) -> str:
        """Sign in as login through the provider's pages and return the redirect to the client.

        The returned URL (the client's redirect_uri with code, state and iss, or
        an error) is not followed. The login form is only filled in if the
        provider asks for it: a session already signed in stays who it was.
        """
        url = authorize_url
        response = session.get(url, allow_redirects=False, timeout=10)
        for _ in range(MAX_STEPS):
            if response.is_redirect:
                url = urljoin(response.url, response.headers["Location"])
                if not url.startswith(self.issuer + "/"):
                    return url
                response = session.get(url, allow_redirects=False, timeout=10)
                continue
            if response.status_code != 200:
                raise _page_error(response)
            response = self._submit(session, response, {"login": login, "password": "any"})
        raise AssertionError(f"sign-in did not reach the client in {MAX_STEPS} steps: {url}")

    def sign_out(self, session: requests.Session, end_session_url: str) -> str:
        """Confirm an RP-initiated logout and return the redirect it ends with, not followed."""
        page = session.get(end_session_url, allow_redirects=False, timeout=10)
        if page.status_code != 200:
            raise _page_error(page)
        # The confirm button sits outside the form, so its value is sent explicitly.
        response = self._submit(session, page, {}, extra={"logout": "yes"})
        if not response.is_redirect:
            raise _page_error(response)
        return urljoin(response.url, response.headers["Location"])

    def stderr_tail(self, limit: int = 4000) -> str:
        """Return the end of what the provider wrote to stderr."""
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-limit:]

    @staticmethod
    def _submit(
        session: requests.Session,
        page: requests.Response,
        answers: dict[str, str],
        extra: dict[str, str] | None = None,
    ) -> requests.Response:
        """Post the page's only form, filling in those of its fields that are answered."""
        parser = _FormParser()
        parser.feed(page.text)
        if len(parser.forms) != 1:
            raise _page_error(page)
        form = parser.forms[0]
        data = {**form.fields, **{k: v for k, v in answers.items() if k in form.fields}}
        data.update(extra or {})
        return session.post(
            urljoin(page.url, form.action), data=data, allow_redirects=False, timeout=10
        )


def _check_installed() -> str:
    """Return the node executable, failing loudly if the provider cannot run."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"node is not installed; install Node.js 20+, then {INSTALL_HINT}")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError(f"the test OpenID provider's packages are missing: {INSTALL_HINT}")
    return node


def _read_issuer(process: subprocess.Popen[bytes], stderr: IO[bytes]) -> str:
    """Wait, bounded, for the provider's JSON line announcing its issuer."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT)
    line = process.stdout.readline() if ready else b""
    if not line:
        stderr.seek(0)
        tail = stderr.read().decode(errors="replace")[-4000:]
        process.kill()
        raise RuntimeError(f"the test OpenID provider did not start ({INSTALL_HINT}?):\n{tail}")
    issuer: str = json.loads(line)["issuer"]
    return issuer


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the provider: closing its stdin asks it to exit; SIGKILL is the fallback."""
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stdout.close()


@contextmanager
def start_oidc_provider(
    clients: list[dict[str, Any]], accounts: dict[str, dict[str, Any]] | None = None
) -> Iterator[OidcProvider]:
    """Run the test OpenID provider on a free 127.0.0.1 port for the duration of the block.

    clients: client metadata (client_id, client_secret, redirect_uris,
    post_logout_redirect_uris, ...). accounts: claims overriding the defaults
    per sub, e.g. {"bob@acme.test": {"email_verified": False}}.
    """
    node = _check_installed()
    command = [
        node,
        "provider.mjs",
        "--port=0",
        f"--clients={json.dumps(clients)}",
        f"--accounts={json.dumps(accounts or {})}",
    ]
    # Append mode: the provider's writes must not follow our seeks when reading it.
    with tempfile.TemporaryFile(mode="a+b") as stderr:
        process = subprocess.Popen(
            command,
            cwd=PROVIDER_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        try:
            yield OidcProvider(_read_issuer(process, stderr), stderr)
        finally:
            _stop(process)
