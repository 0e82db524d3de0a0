"""A lean load generator: forked client processes, each a closed loop over one raw socket.

Every client is its own process, so the clients never share a GIL, and each speaks just
enough HTTP/1.1 (keep-alive when the server offers it, reconnect when it closes) to spend
a few tens of microseconds per request rather than http.client's header parsing.
"""

from __future__ import annotations

import multiprocessing
import resource
import socket
import threading
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

RECV_SIZE = 65536
ERROR_SAMPLES = 3


@dataclass(frozen=True)
class Request:
    """One request of a plan, the label it is reported under and the statuses it expects."""

    label: str
    method: str
    path: str
    body: bytes | None = None
    expect: frozenset[int] = frozenset({200})
    # A lookup's check: the answer holds one user, and this text (its quoted userName).
    finds: bytes | None = None


def found_one(body: bytes, text: bytes) -> bool:
    """Tell whether a SCIM answer holds exactly one resource with a userName, and text."""
    return body.count(b'"userName"') == 1 and text in body


# A plan turns (client index, number of clients) into that client's requests.
Plan = Callable[[int, int], Iterator[Request]]


class ProtocolError(Exception):
    """The server's answer was not HTTP this client understands."""


class Connection:
    """One client connection to the server under test."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.address = (host, port)
        self.host_header = f"{host}:{port}"
        self.headers = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.sock: socket.socket | None = None

    def request(self, request: Request) -> tuple[int, bytes]:
        """Send one request and return its status and body."""
        if self.sock is None:
            self.sock = socket.create_connection(self.address)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = request.body or b""
        head = (
            f"{request.method} {request.path} HTTP/1.1\r\nHost: {self.host_header}\r\n"
            f"{self.headers}Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        try:
            self.sock.sendall(head + body)
            return self._read()
        except (OSError, ProtocolError):
            self.close()
            raise

    def _read(self) -> tuple[int, bytes]:
        assert self.sock is not None
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = self.sock.recv(RECV_SIZE)
            if not chunk:
                raise ProtocolError("connection closed before the response headers")
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if headers.get("transfer-encoding") == "chunked":
            raise ProtocolError("chunked responses are not supported")
        length = headers.get("content-length")
        if length is None:
            rest += self._read_to_end()
            self.close()
            return status, rest
        while len(rest) < int(length):
            chunk = self.sock.recv(RECV_SIZE)
            if not chunk:
                raise ProtocolError("connection closed inside the response body")
            rest += chunk
        if headers.get("connection") == "close":
            self.close()
        return status, rest

    def _read_to_end(self) -> bytes:
        assert self.sock is not None
        parts = []
        while chunk := self.sock.recv(RECV_SIZE):
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


@dataclass
class LabelResult:
    """The latencies and failures of one label's requests."""

    latencies: array[float] = field(default_factory=lambda: array("d"))
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        self.errors += 1
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(what)


@dataclass
class RunResult:
    """What a timed run of a plan measured."""

    labels: dict[str, LabelResult]
    seconds: float
    client_cpu_seconds: float
    exhausted: bool


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _drive(
    connection: Connection,
    requests: Iterator[Request],
    deadline: float,
    results: dict[str, LabelResult] | None,
) -> bool:
    """Send requests until the deadline; return True if the plan ran out first."""
    for request in requests:
        started = time.perf_counter()
        try:
            status, body = connection.request(request)
        except (OSError, ProtocolError) as error:
            status, body = 0, repr(error).encode()
        elapsed = time.perf_counter() - started
        if results is not None:
            result = results.setdefault(request.label, LabelResult())
            if status in request.expect and (
                request.finds is None or found_one(body, request.finds)
            ):
                result.latencies.append(elapsed)
            else:
                result.fail(f"{request.method} {request.path} -> {status}: {body[:300]!r}")
        if time.monotonic() >= deadline:
            return False
    return True


def _client(
    index: int,
    clients: int,
    plan: Plan,
    address: tuple[str, int],
    headers: dict[str, str],
    *,
    warmup: float,
    seconds: float,
    barrier: Any,
    pipe: Any,
) -> None:
    connection = Connection(*address, headers)
    requests = plan(index, clients)
    if warmup > 0:
        _drive(connection, requests, time.monotonic() + warmup, None)
    barrier.wait()
    cpu_before = _cpu_seconds()
    results: dict[str, LabelResult] = {}
    exhausted = _drive(connection, requests, time.monotonic() + seconds, results)
    finished = time.monotonic()
    connection.close()
    pipe.send((results, _cpu_seconds() - cpu_before, finished, exhausted))
    pipe.close()


def run(
    base_url: str,
    headers: dict[str, str],
    plan: Plan,
    *,
    clients: int,
    seconds: float,
    warmup: float = 0.0,
    on_start: Callable[[], None] | None = None,
) -> RunResult:
    """Drive plan from `clients` forked processes for at most `seconds` after a warm-up.

    A finite plan ends the run early once every client has sent all of its requests.
    on_start is called when the warm-up is over and the measured run begins.
    """
    host, _, port = base_url.removeprefix("http://").partition(":")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients + 1)
    pipes, processes = [], []
    for index in range(clients):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_client,
            args=(index, clients, plan, (host, int(port)), headers),
            kwargs={"warmup": warmup, "seconds": seconds, "barrier": barrier, "pipe": sender},
            daemon=True,
        )
        process.start()
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    barrier.wait(timeout=warmup + 60)
    started = time.monotonic()
    if on_start is not None:
        on_start()
    labels: dict[str, LabelResult] = {}
    cpu, last, exhausted = 0.0, started, True
    for receiver in pipes:
        results, client_cpu, finished, client_exhausted = receiver.recv()
        cpu += client_cpu
        last = max(last, finished)
        exhausted = exhausted and client_exhausted
        for label, result in results.items():
            merged = labels.setdefault(label, LabelResult())
            merged.latencies.extend(result.latencies)
            merged.errors += result.errors
            merged.samples.extend(result.samples[: ERROR_SAMPLES - len(merged.samples)])
    for process in processes:
        process.join(timeout=10)
    return RunResult(labels, last - started, cpu, exhausted)


def burst(
    base_url: str, headers: dict[str, str], requests: Sequence[Request]
) -> tuple[list[int], float]:
    """Send every request at once, each from its own thread; return statuses and seconds.

    The threads connect only after a barrier releases them all, so the server sees them
    arrive together, as a burst of IdP calls would.
    """
    host, _, port = base_url.removeprefix("http://").partition(":")
    statuses = [0] * len(requests)
    barrier = threading.Barrier(len(requests) + 1)

    def send(position: int, request: Request) -> None:
        connection = Connection(host, int(port), headers)
        barrier.wait()
        try:
            statuses[position], _ = connection.request(request)
        except (OSError, ProtocolError):
            statuses[position] = 0
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(position, request), daemon=True)
        for position, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    started = time.monotonic()
    for thread in threads:
        thread.join(timeout=120)
    return statuses, time.monotonic() - started
