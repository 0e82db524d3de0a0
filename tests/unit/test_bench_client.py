"""The benchmark's load generator against a small local HTTP server."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.client import Connection, Request, run


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b'{"ok": true}'
        self.send_response(404 if self.path == "/missing" else 200)
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/close":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address
    httpd.shutdown()
    httpd.server_close()


def test_a_connection_is_kept_alive_until_the_server_closes_it(server):
    connection = Connection(*server, {"Accept": "application/json"})

    first = connection.request(Request("a", "GET", "/"))
    kept = connection.sock
    second = connection.request(Request("a", "GET", "/close"))
    closed = connection.sock
    third = connection.request(Request("a", "GET", "/"))

    assert first == (200, b'{"ok": true}')
    assert kept is not None
    assert second[0] == 200 and closed is None
    assert third[0] == 200
    connection.close()


def test_a_run_counts_unexpected_statuses_as_errors_per_label(server):
    def plan(index, clients):
        for _ in range(5):
            yield Request("found", "GET", "/")
            yield Request("missing", "GET", "/missing")

    result = run(f"http://{server[0]}:{server[1]}", {}, plan, clients=2, seconds=10)

    assert result.exhausted
    assert len(result.labels["found"].latencies) == 10
    assert result.labels["found"].errors == 0
    assert result.labels["missing"].errors == 10
    assert "-> 404" in result.labels["missing"].samples[0]
    assert result.client_cpu_seconds >= 0
