"""Worker processes for the race tests: each races its threads for seats or renewals."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime
from typing import Any

from seat_core import (
    NoSeatAvailable,
    identity_key,
    make_sessionmaker,
    renew_due,
    take_seat,
)
from seat_core.licensing import add_to_group
from seat_core.models import Member, ScimGroup
from tests.databases import engine_for

AT = datetime(2025, 3, 1, 12, tzinfo=UTC)


def race_for_seats(
    url: str, organization_id: int, process: int, threads: int, barrier: Any
) -> dict[str, int]:
    """Create and activate one member per thread, all at once; count outcomes."""
    engine = (
        engine_for(url, pool_size=threads, max_overflow=0)
        if url.startswith("postgresql")
        else engine_for(url)
    )
    sessions = make_sessionmaker(engine)
    outcomes = {"taken": 0, "refused": 0}
    lock = threading.Lock()
    local_barrier = threading.Barrier(threads)

    def attempt(index: int) -> None:
        name = f"p{process}-t{index}"
        local_barrier.wait()
        try:
            with sessions.begin() as session:
                member = Member(
                    organization_id=organization_id,
                    user_name=name,
                    user_name_key=identity_key(name),
                    source="scim",
                    scim={},
                    created_at=AT,
                    updated_at=AT,
                )
                session.add(member)
                take_seat(session, member, at=AT)
            result = "taken"
        except NoSeatAvailable:
            result = "refused"
        with lock:
            outcomes[result] += 1

    barrier.wait()
    workers = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    return outcomes


def run_in_processes(target: Any, argument_lists: list[tuple[Any, ...]]) -> list[Any]:
    """Run target in one process per argument list, all released together.

    Each process is forked from multiprocessing's fork server, a single-threaded process
    that imported this module once: a fresh process per racer, as with spawn, without each
    importing the seat core again; never a fork of the test process and its threads.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    barrier = context.Barrier(len(argument_lists))
    results = context.Queue()
    processes = [
        context.Process(target=_report, args=(results, target, (*arguments, barrier)))
        for arguments in argument_lists
    ]
    for process in processes:
        process.start()
    collected = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    failures = [item for item in collected if isinstance(item, BaseException)]
    if failures:
        raise failures[0]
    return collected


def _report(results: Any, target: Any, arguments: tuple[Any, ...]) -> None:
    try:
        results.put(target(*arguments))
    except Exception as error:  # reported to the test, which raises it
        results.put(RuntimeError(repr(error)))


def race_to_renew(url: str, at: datetime, barrier: Any) -> int:
    """Renew due contracts once the other racers are ready; return the invoices issued."""
    engine = engine_for(url)
    sessions = make_sessionmaker(engine)
    barrier.wait()
    with sessions.begin() as session:
        issued = len(renew_due(session, at=at))
    engine.dispose()
    return issued


def race_to_join(url: str, group_id: str, member_ids: list[str], barrier: Any) -> dict[str, int]:
    """Add each member to the licensed group from a thread of its own, all at once."""
    engine = (
        engine_for(url, pool_size=len(member_ids), max_overflow=0)
        if url.startswith("postgresql")
        else engine_for(url)
    )
    sessions = make_sessionmaker(engine)
    outcomes = {"taken": 0, "queued": 0}
    lock = threading.Lock()
    local_barrier = threading.Barrier(len(member_ids))

    errors: list[str] = []

    def join(member_id: str) -> None:
        local_barrier.wait()
        try:
            with sessions.begin() as session:
                group = session.get_one(ScimGroup, group_id)
                synced = add_to_group(session, group, [member_id], at=AT)
        except Exception as error:  # reported to the test, which fails on it
            errors.append(repr(error))
            return
        with lock:
            outcomes["taken"] += len(synced.taken)
            outcomes["queued"] += len(synced.queued)

    barrier.wait()
    workers = [threading.Thread(target=join, args=(member_id,)) for member_id in member_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    if errors:
        raise RuntimeError(errors[0])
    return outcomes
