"""Run scim2-tester against a SCIM endpoint: `python -m tests.support.scim_check URL TOKEN`."""

from __future__ import annotations

import sys
from typing import Any

import requests
from scim2_client import BaseSyncSCIMClient
from scim2_tester import Status, check_server


class RequestsSCIMClient(BaseSyncSCIMClient):
    """A scim2-client engine on requests, sending the bearer token."""

    def __init__(self, base_url: str, token: str, **options: Any) -> None:
        super().__init__(**options)
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, url: str, **options: Any) -> requests.Response:
        target = url if url.startswith("http") else self.base_url + url
        return self.http.request(method, target, timeout=30, **options)


def failures(base_url: str, token: str) -> tuple[int, list[str]]:
    """Run every check; return how many ran and the failures, one line each."""
    results = check_server(RequestsSCIMClient(base_url, token))
    failed = [r for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    return len(results), [f"{r.title}: {r.reason}" for r in failed]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tests.support.scim_check BASE_URL TOKEN", file=sys.stderr)
        return 2
    ran, failed = failures(*argv)
    for line in failed:
        print(line)
    print(f"scim2-tester: {ran - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
