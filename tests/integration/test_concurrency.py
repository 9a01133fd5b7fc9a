import multiprocessing
from contextlib import contextmanager
from datetime import date

import pytest

from domain.application import PlanTrail
from domain.errors import ConcurrentChangeError
from plantrail.bootstrap import bootstrap
from tests.integration.workers import add_notes

PLAN, CODE = "SOS 001", "SS_ICSAP_IMP1"


def _url(services) -> str:
    if services.database.kind == "sqlite":
        return services.database.eventsourcing_env["SQLITE_DBNAME"]
    env = services.database.eventsourcing_env
    return f"postgresql://{env['POSTGRES_USER']}@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}?schema={env['POSTGRES_SCHEMA']}"


def test_notes_written_at_once_by_several_processes_are_all_kept(seeded):
    before = seeded.app.get_action(PLAN, CODE)
    writers, per_writer = 4, 15
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        done = pool.starmap(add_notes, [(_url(seeded), PLAN, CODE, w, per_writer) for w in range(writers)])
    assert sum(done) == writers * per_writer
    after = seeded.app.get_action(PLAN, CODE)
    texts = [n["text"] for n in after.notes[len(before.notes) :]]
    assert sorted(texts) == sorted(f"note {n} from writer {w}" for w in range(writers) for n in range(per_writer))
    assert after.version == before.version + writers * per_writer


@contextmanager
def rival_writes_between_our_read_and_write(seeded, rival_does):
    """Make ``seeded.app`` read an action, then let a second application (its own connections)
    change it before our save: a real version conflict in the real store."""
    rival = bootstrap(_url(seeded))
    loads = {"n": 0}

    def get_then_let_rival_write(self, plan_code, code):
        action = PlanTrail.get_action(self, plan_code, code)
        loads["n"] += 1
        if loads["n"] == 1:
            rival_does(rival.app, plan_code, code)
        return action

    seeded.app.get_action = get_then_let_rival_write.__get__(seeded.app)
    try:
        yield loads
    finally:
        del seeded.app.get_action
        rival.close()


def test_an_update_that_a_concurrent_cancel_makes_impossible_is_a_clear_conflict(seeded):
    cancel = lambda app, plan, code: app.change_lifecycle(plan, code, "cancel", reason="merged into IMP2", actor="rival")  # noqa: E731
    with (
        rival_writes_between_our_read_and_write(seeded, cancel) as loads,
        pytest.raises(ConcurrentChangeError, match=r"no longer applies.*cancelled"),
    ):
        seeded.app.update_progress(PLAN, CODE, 80, actor="owner", effective_on=date(2015, 3, 25))
    assert loads["n"] == 2  # read, conflict on save, re-read, rule refuses
    assert seeded.app.get_action(PLAN, CODE).progress == 70


def test_a_concurrent_note_is_retried_on_fresh_state_not_lost(seeded):
    note = lambda app, plan, code: app.add_note(plan, code, "rival's note", actor="rival")  # noqa: E731
    with rival_writes_between_our_read_and_write(seeded, note):
        seeded.app.update_progress(PLAN, CODE, 80, note="our note", actor="owner")
    action = seeded.app.get_action(PLAN, CODE)
    assert [n["text"] for n in action.notes[-2:]] == ["rival's note", "our note"]
    assert action.progress == 80
