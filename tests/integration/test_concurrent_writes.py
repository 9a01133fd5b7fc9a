"""Writes from many threads of one process, as a web process's request threads make them: each
writer reads its own write back as soon as its call returns, and nothing is applied twice or lost.

The process's writers queue on the application's write lock, and one thread's catch-up applies
the events of those queued behind it (projections/projector.py, domain/application.py)."""

import threading
from datetime import date

from domain.commands import UpdateProgress
from tests.integration.snapshots import stored_event_count, view_snapshot

PLAN = "SOS 001"
DAY = date(2015, 3, 25)
WRITERS = 8
UPDATES_EACH = 4


def test_writers_in_many_threads_each_read_their_own_update_back_and_every_event_is_projected_once(seeded):
    seeded.app.configure_sign_off(PLAN, sign_off="none", actor="test", reason="record directly")
    seeded.projector.catch_up()
    codes = [a["code"] for a in seeded.queries.actions(PLAN, as_at=DAY)][:WRITERS]
    assert len(codes) == WRITERS
    events_before = stored_event_count(seeded.app)
    start = threading.Barrier(WRITERS)
    read_back: dict[str, list[int]] = {code: [] for code in codes}
    errors: list[BaseException] = []

    def write(code: str) -> None:
        try:
            start.wait()
            for n in range(UPDATES_EACH):
                figure = 10 + 10 * n + codes.index(code)
                seeded.record(f"{PLAN}/{code}", UpdateProgress(figure, None, DAY), actor="test")
                read_back[code].append(seeded.show(f"{PLAN}/{code}")["progress"])
        except BaseException as error:  # any failure in a thread is reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for i, code in enumerate(codes):
        assert read_back[code] == [10 + 10 * n + i for n in range(UPDATES_EACH)]
    assert stored_event_count(seeded.app) == events_before + WRITERS * UPDATES_EACH
    assert seeded.projector.position() == stored_event_count(seeded.app)
    kept = view_snapshot(seeded.engine)
    seeded.projector.rebuild()
    assert view_snapshot(seeded.engine) == kept  # the same views as one writer at a time would leave


def test_on_sqlite_a_page_waits_for_a_save_in_progress_in_the_same_process(seeded):
    """One file, one writer: the projector's page takes the application's write lock, so it
    queues behind a save in this process instead of sleeping in SQLite's busy handler."""
    seeded.app.configure_sign_off(PLAN, sign_off="none", actor="test", reason="record directly")
    code = seeded.queries.actions(PLAN, as_at=DAY)[0]["code"]
    seeded.app.handle(PLAN, code, UpdateProgress(42, None, DAY), actor="test")  # saved, not yet projected
    finished = threading.Event()
    catch_up = threading.Thread(target=lambda: (seeded.projector.catch_up(), finished.set()))
    with seeded.app.write_lock:
        catch_up.start()
        if seeded.database.kind == "sqlite":
            assert not finished.wait(timeout=1.0), "the page went ahead while this process held the write lock"
        else:  # PostgreSQL takes a page and a save side by side
            assert finished.wait(timeout=60), "the page waited for the application's write lock"
    catch_up.join()
    assert finished.is_set()
    assert seeded.show(f"{PLAN}/{code}")["progress"] == 42
