"""The integrity records in the history: a witnessed seal and an accepted mismatch carry every
field they are given, and a seal's record id is fixed by the seal, so it is recorded only once."""

from datetime import date
from uuid import uuid5

from domain.ids import PLANTRAIL_NAMESPACE
from domain.integrity import Integrity, SealRecord, seal_record_id

SEAL = "plantrail-seal:v1:42:" + "ab" * 32


def test_a_seals_record_id_is_the_seal_named_in_plantrails_namespace():
    assert seal_record_id(SEAL) == uuid5(PLANTRAIL_NAMESPACE, f"seal:{SEAL}")
    assert seal_record_id(SEAL) != seal_record_id(SEAL.replace(":42:", ":43:"))


def test_a_witnessed_seal_carries_the_seal_its_position_where_it_went_and_who_witnessed_it():
    record = SealRecord.witness(seal=SEAL, position=42, sent_to="auditor@example.gov.uk", actor="witness", effective_on=date(2015, 3, 25))
    [event] = record.collect_events()
    assert isinstance(event, SealRecord.SealWitnessed)
    assert (record.id, record.seal, record.position) == (seal_record_id(SEAL), SEAL, 42)
    assert (event.originator_id, event.seal, event.position, event.sent_to) == (seal_record_id(SEAL), SEAL, 42, "auditor@example.gov.uk")
    assert (event.actor, event.effective_on, event.reason) == ("witness", date(2015, 3, 25), None)


def test_a_seal_kept_nowhere_but_the_history_is_recorded_with_no_destination():
    record = SealRecord.witness(seal=SEAL, position=42, sent_to=None, actor="witness", effective_on=date(2015, 3, 26))
    [event] = record.collect_events()
    assert (event.sent_to, event.effective_on) == (None, date(2015, 3, 26))


def test_an_accepted_mismatch_records_each_position_with_its_problem_who_decided_and_why():
    positions, problems = [7, 120], ["has no chain link", "does not match its chain link"]
    decision = Integrity.accept_mismatch(
        positions=positions, problems=problems, actor="Auditor", effective_on=date(2015, 3, 25), reason="restored"
    )
    # The caller's lists may change afterwards; the decision keeps what was decided.
    positions.append(999)
    problems.clear()
    [event] = decision.collect_events()
    assert isinstance(event, Integrity.MismatchAccepted)
    assert decision.positions == [7, 120]
    assert (event.positions, event.problems) == ([7, 120], ["has no chain link", "does not match its chain link"])
    assert (event.actor, event.effective_on, event.reason) == ("Auditor", date(2015, 3, 25), "restored")


def test_each_accepted_mismatch_is_a_decision_of_its_own_even_with_the_same_positions():
    decide = {"positions": [7], "problems": ["has no chain link"], "actor": "Auditor", "effective_on": date(2015, 3, 25), "reason": None}
    first, second = Integrity.accept_mismatch(**decide), Integrity.accept_mismatch(**decide)
    assert first.id != second.id
    assert first.collect_events()[0].reason is None
