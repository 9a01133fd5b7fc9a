"""The hash chain's links, one field at a time, and its table on a real SQLite file.

Each link is recomputed here from the layout the chain documents (the previous link, then the
position, stream, version and topic separated by NUL, then the first-seen time, then the
plaintext), so a change to any one of them, or to the layout, is seen."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import Notification
from sqlalchemy import Engine, create_engine, insert, select

from domain.text import clipped
from projections import chain as c
from projections.tables import events as audit_events

STREAM = UUID("11111111-2222-3333-4444-555555555555")
SEEN = datetime(2015, 3, 25, 12, 30, 15, 250, tzinfo=UTC)


def note(position: int, *, stream: UUID = STREAM, version: int | None = None, topic: str = "plantrail:Action.NoteAdded") -> Notification:
    return Notification(originator_id=stream, originator_version=version or position, topic=topic, state=b"", id=position)


def expected_link(previous: str, n: Notification, content: bytes, seen: str | None) -> str:
    text = previous + f"\0{n.id}\0{n.originator_id}\0{n.originator_version}\0{n.topic}\0" + (f"{seen}\0" if seen else "")
    return hashlib.sha256(text.encode() + content).hexdigest()


@pytest.fixture
def engine(tmp_path: Path):
    made = create_engine(f"sqlite:///{tmp_path / 'chain.db'}")
    c.metadata.create_all(made, tables=[c.chain, audit_events])
    yield made
    made.dispose()


def stored_links(engine: Engine) -> list[tuple[int, str, datetime | None]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(c.chain).order_by(c.chain.c.position))]


def chained(engine: Engine, count: int, seen_at: datetime = SEEN) -> tuple[list[Notification], list[bytes]]:
    notifications = [note(p) for p in range(1, count + 1)]
    contents = [f'{{"text":"note {p}"}}'.encode() for p in range(1, count + 1)]
    with engine.begin() as conn:
        c.extend(conn, notifications, contents, seen_at)
    return notifications, contents


# ----- one link ----------------------------------------------------------------------------------


def test_a_link_is_sha256_over_the_link_before_the_events_identity_when_it_was_first_seen_and_its_content():
    n = note(3, version=2)
    assert c.link(c.GENESIS, n, b"{}", SEEN) == expected_link("0" * 64, n, b"{}", "2015-03-25T12:30:15.000250+00:00")


def test_a_link_made_before_first_seen_times_were_recorded_hashes_no_time_at_all():
    n = note(3)
    assert c.link(c.GENESIS, n, b"{}", None) == expected_link(c.GENESIS, n, b"{}", None)


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(lambda n, content, previous, seen: (n, content, "1" * 64, seen), id="the link before"),
        pytest.param(lambda n, content, previous, seen: (note(4, version=2), content, previous, seen), id="position"),
        pytest.param(lambda n, content, previous, seen: (note(3, stream=UUID(int=1), version=2), content, previous, seen), id="stream"),
        pytest.param(lambda n, content, previous, seen: (note(3, version=3), content, previous, seen), id="version"),
        pytest.param(
            lambda n, content, previous, seen: (note(3, version=2, topic="plantrail:Action.Cancelled"), content, previous, seen), id="topic"
        ),
        pytest.param(lambda n, content, previous, seen: (n, content + b" ", previous, seen), id="content"),
        pytest.param(lambda n, content, previous, seen: (n, content, previous, seen + timedelta(microseconds=1)), id="first seen"),
        pytest.param(lambda n, content, previous, seen: (n, content, previous, None), id="first seen left out"),
    ],
)
def test_changing_any_one_field_a_link_covers_changes_the_link(changed):
    original = (note(3, version=2), b'{"text":"x"}', "e" * 64, SEEN)
    n, content, previous, seen = changed(*original)
    before = c.link(original[2], original[0], original[1], original[3])
    assert c.link(previous, n, content, seen) != before


def test_a_first_seen_time_is_hashed_as_the_same_instant_in_utc_whatever_its_zone():
    n = note(1)
    naive = SEEN.replace(tzinfo=None)  # SQLite hands back naive UTC
    in_paris = SEEN.astimezone(timezone(timedelta(hours=1)))
    assert c.seen_text(naive) == c.seen_text(in_paris) == c.seen_text(SEEN) == "2015-03-25T12:30:15.000250+00:00"
    assert c.link(c.GENESIS, n, b"", naive) == c.link(c.GENESIS, n, b"", in_paris) == c.link(c.GENESIS, n, b"", SEEN)
    assert c.seen_text(datetime(2015, 3, 25, 12, 30, tzinfo=UTC)) == "2015-03-25T12:30:00.000000+00:00"
    assert c.seen_text(None) is None


# ----- the chain table ---------------------------------------------------------------------------


def test_an_empty_chain_starts_from_the_genesis_link_at_position_zero(engine):
    with engine.connect() as conn:
        assert c.head(conn) == (0, "0" * 64)
    assert c.head_position(engine) == 0
    assert c.current_seal(engine) == "plantrail-seal:v1:0:" + "0" * 64


def test_extending_chains_each_event_from_the_one_before_and_the_head_is_the_last(engine):
    notifications, contents = chained(engine, 3)
    seen = "2015-03-25T12:30:15.000250+00:00"
    one = expected_link(c.GENESIS, notifications[0], contents[0], seen)
    two = expected_link(one, notifications[1], contents[1], seen)
    three = expected_link(two, notifications[2], contents[2], seen)
    assert [(p, link) for p, link, _ in stored_links(engine)] == [(1, one), (2, two), (3, three)]
    assert c.head_position(engine) == 3
    assert c.current_seal(engine) == f"plantrail-seal:v1:3:{three}"


def test_extending_returns_when_each_event_was_first_seen_in_utc(engine):
    naive = SEEN.replace(tzinfo=None)
    with engine.begin() as conn:
        seen = c.extend(conn, [note(1), note(2)], [b"a", b"b"], naive)
    assert seen == {1: SEEN, 2: SEEN} and all(t.tzinfo is not None for t in seen.values())
    in_paris = SEEN.astimezone(timezone(timedelta(hours=1))) + timedelta(hours=1)
    with engine.begin() as conn:
        later = c.extend(conn, [note(3)], [b"c"], in_paris)
    assert later == {3: SEEN + timedelta(hours=1)} and later[3].utcoffset() == timedelta(0)
    assert [seen for _, _, seen in stored_links(engine)] == [naive, naive, naive + timedelta(hours=1)]


def test_a_naive_first_seen_time_is_read_as_utc_whatever_the_machines_zone(engine, monkeypatch):
    # The projector hands over UTC; on a machine set to New York a naive time read as local
    # would be five hours off, and an aware one given back in local time would print so.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        with engine.begin() as conn:
            seen = c.extend(conn, [note(1)], [b"a"], SEEN.replace(tzinfo=None))
            later = c.extend(conn, [note(2)], [b"b"], SEEN.astimezone(timezone(timedelta(hours=-5))))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert seen == {1: SEEN} and seen[1].utcoffset() == timedelta(0)
    assert later == {2: SEEN} and later[2].utcoffset() == timedelta(0)


def test_an_empty_page_chains_nothing(engine):
    chained(engine, 2)
    kept = stored_links(engine)
    with engine.begin() as conn:
        assert c.extend(conn, [], [], SEEN) == {}
    assert stored_links(engine) == kept


def test_a_page_whose_contents_do_not_pair_with_its_events_is_refused_not_chained_short(engine):
    notifications, contents = chained(engine, 2)
    with engine.begin() as conn, pytest.raises(ValueError):
        c.extend(conn, [note(3), note(4)], [b"c"], SEEN)
    with engine.connect() as conn, pytest.raises(ValueError):
        c.mismatches(conn, notifications, contents[:1])
    assert c.head_position(engine) == 2


def test_a_page_applied_again_after_a_crash_keeps_its_links_and_first_seen_times(engine):
    notifications, contents = chained(engine, 3)
    kept = stored_links(engine)
    later = SEEN + timedelta(days=1)
    page = [*notifications[1:], note(4)]
    with engine.begin() as conn:
        seen = c.extend(conn, page, [*contents[1:], b"d"], later)
    assert seen == {2: SEEN, 3: SEEN, 4: later}
    assert stored_links(engine)[:3] == kept
    assert stored_links(engine)[3][1] == expected_link(kept[2][1], note(4), b"d", "2015-03-26T12:30:15.000250+00:00")


def test_a_page_entirely_chained_before_only_reads_its_times_back(engine):
    notifications, contents = chained(engine, 3)
    kept = stored_links(engine)
    with engine.begin() as conn:
        seen = c.extend(conn, notifications[:2], contents[:2], SEEN + timedelta(days=1))
    assert (seen[1], seen[2]) == (SEEN, SEEN) and stored_links(engine) == kept


def test_first_seen_reads_exactly_the_positions_asked_for_both_ends_included(engine):
    chained(engine, 3)
    with engine.begin() as conn:
        c.extend(conn, [note(4), note(5)], [b"d", b"e"], SEEN + timedelta(hours=2))
    with engine.connect() as conn:
        assert c.first_seen(conn, 2, 4) == {2: SEEN, 3: SEEN, 4: SEEN + timedelta(hours=2)}
        assert c.first_seen(conn, 5, 5) == {5: SEEN + timedelta(hours=2)}
        assert c.first_seen(conn, 6, 9) == {}


def test_a_link_made_before_first_seen_times_reads_back_as_no_time_and_still_verifies(engine):
    notifications = [note(1), note(2)]
    legacy = expected_link(c.GENESIS, notifications[0], b"a", None)
    with engine.begin() as conn:
        conn.execute(insert(c.chain), [{"position": 1, "link": legacy, "seen_at": None}])
        seen = c.extend(conn, notifications, [b"a", b"b"], SEEN)
    assert seen == {1: None, 2: SEEN}
    assert stored_links(engine)[1][1] == expected_link(legacy, notifications[1], b"b", "2015-03-25T12:30:15.000250+00:00")
    with engine.connect() as conn:
        assert c.mismatches(conn, notifications, [b"a", b"b"]) == []


# ----- checking events against their links ---------------------------------------------------------

CHANGED = "does not match its chain link: it was changed after it was chained"


def test_events_as_chained_have_no_mismatches_whatever_page_they_are_checked_in(engine):
    notifications, contents = chained(engine, 5)
    with engine.connect() as conn:
        for start, stop in [(0, 5), (0, 1), (1, 3), (4, 5), (2, 5)]:
            assert c.mismatches(conn, notifications[start:stop], contents[start:stop]) == [], (start, stop)


@pytest.mark.parametrize("changed", [0, 2, 4])
def test_a_changed_event_is_named_and_the_events_after_it_still_match_their_own_links(engine, changed):
    notifications, contents = chained(engine, 5)
    altered = [*contents]
    altered[changed] += b" "
    with engine.connect() as conn:
        found = c.mismatches(conn, notifications, altered)
        page = c.mismatches(conn, notifications[changed:], altered[changed:])
    assert found == page == [c.Mismatch(changed + 1, CHANGED)]


def test_an_event_with_another_topic_or_version_than_was_chained_is_named(engine):
    notifications, contents = chained(engine, 3)
    retyped = [notifications[0], note(2, topic="plantrail:Action.Cancelled"), note(3, version=9)]
    with engine.connect() as conn:
        assert c.mismatches(conn, retyped, contents) == [c.Mismatch(2, CHANGED), c.Mismatch(3, CHANGED)]


def test_an_event_with_no_link_is_named_and_the_next_no_longer_matches_a_link_recomputed_without_its_time(engine):
    notifications, contents = chained(engine, 3)
    with engine.begin() as conn:
        conn.execute(c.chain.delete().where(c.chain.c.position == 2))
    with engine.connect() as conn:
        assert c.mismatches(conn, notifications, contents) == [c.Mismatch(2, "has no chain link"), c.Mismatch(3, CHANGED)]
        # Past the end of the chain: every event is unchained.
        extra = [note(4), note(5)]
        assert c.mismatches(conn, extra, [b"d", b"e"]) == [c.Mismatch(4, "has no chain link"), c.Mismatch(5, "has no chain link")]


def test_a_rewritten_link_is_named_and_the_event_after_it_is_checked_from_the_link_as_stored(engine):
    notifications, contents = chained(engine, 3)
    forged = "f" * 64
    with engine.begin() as conn:
        conn.execute(c.chain.update().where(c.chain.c.position == 2).values(link=forged))
    with engine.connect() as conn:
        assert c.mismatches(conn, notifications, contents) == [c.Mismatch(2, CHANGED), c.Mismatch(3, CHANGED)]
        assert c.mismatches(conn, notifications[2:], contents[2:]) == [c.Mismatch(3, CHANGED)]


def test_a_changed_first_seen_time_is_named(engine):
    notifications, contents = chained(engine, 2)
    with engine.begin() as conn:
        conn.execute(c.chain.update().where(c.chain.c.position == 1).values(seen_at=SEEN - timedelta(seconds=1)))
    with engine.connect() as conn:
        assert c.mismatches(conn, notifications, contents) == [c.Mismatch(1, CHANGED)]


def test_a_mismatch_is_described_with_its_event_type_and_subject_when_the_trail_has_it(engine):
    with engine.begin() as conn:
        row = {
            "originator_id": str(STREAM),
            "version": 1,
            "aggregate": "action",
            "actor": "clerk",
            "effective_on": SEEN.date(),
            "recorded_at": SEEN,
            "changes": "{}",
        }
        conn.execute(
            insert(audit_events),
            [{**row, "position": 1, "plan_code": "SOS 001", "action_code": "A1", "subject": None, "type": "NoteAdded"}],
        )
        conn.execute(
            insert(audit_events),
            [{**row, "position": 2, "plan_code": None, "action_code": None, "subject": "Ann Lee", "type": "PersonRegistered"}],
        )
    with engine.connect() as conn:
        assert c.describe(conn, c.Mismatch(1, CHANGED)) == f"event 1 (NoteAdded on SOS 001/A1) {CHANGED}"
        assert c.describe(conn, c.Mismatch(2, "has no chain link")) == "event 2 (PersonRegistered on Ann Lee) has no chain link"
        assert c.describe(conn, c.Mismatch(3, "has no chain link")) == "event 3 has no chain link"


# ----- seals -------------------------------------------------------------------------------------------

LINK = "0123456789abcdef" * 4


def test_a_seal_reads_back_as_the_position_and_link_it_was_made_from():
    assert c.format_seal(42, LINK) == f"plantrail-seal:v1:42:{LINK}"
    assert c.parse_seal(c.format_seal(42, LINK)) == (42, LINK)
    assert c.parse_seal(f"  plantrail-seal:v1:7:{LINK}\n") == (7, LINK)


@pytest.mark.parametrize(
    "text",
    [
        f"plantrail-seal:v2:42:{LINK}",
        f"plantrail-seal:v1:x:{LINK}",
        f"plantrail-seal:v1:42:{LINK[:-1]}",
        f"plantrail-seal:v1:42:{LINK}0",
        f"plantrail-seal:v1:42:{LINK.upper()}",
        f"seal plantrail-seal:v1:42:{LINK}",
        "",
    ],
)
def test_text_that_is_not_exactly_a_seal_is_refused_naming_the_field_and_the_form(text):
    with pytest.raises(c.SealFormatError) as refused:
        c.parse_seal(text)
    message = str(refused.value)
    assert message == f"seal: {clipped(text.strip())} is not a plantrail seal (plantrail-seal:v1:POSITION:64 hex digits)"


def test_every_seal_in_a_text_is_found_in_order_once_each():
    other = "f" * 64
    text = (
        f"2015-03-25T12:00:00+00:00 plantrail-seal:v1:10:{LINK}\n"
        f"Subject: seal plantrail-seal:v1:12:{other} (mailed)\n"
        f"again plantrail-seal:v1:10:{LINK}\n"
        f"not one: plantrail-seal:v1:13:{LINK[:10]}\n"
        f"plantrail-seal:v1:9:{LINK}"
    )
    assert c.seals_in(text) == [(10, LINK), (12, other), (9, LINK)]
    assert c.seals_in("no seals here") == []
