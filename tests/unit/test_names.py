"""People's names (domain.names): one key for every spelling, the registered spelling kept, and
"did you mean" offered from the closest registered names.

The likenesses quoted are difflib's ratio of the two keys (2 × matching characters / total
characters): "davd leng" against "david leng" shares 9 of 19 characters each way, 18/19 = 0.947.
"""

from __future__ import annotations

import pytest

from domain.errors import NotFoundError, PersonNotFoundError
from domain.names import NameIndex, UnknownPersonError, closest, looks_misspelt, name_key, suggestion, tidy

# Likeness of each key to "davd leng": 0.947, 0.889, 0.842, 0.625 and 0.2 (below the 0.6 cut-off).
REGISTERED = ["Liam Purdie", "Dan Lee", "David Long", "Dave Leng", "David Leng"]


def test_a_name_key_folds_case_and_collapses_every_kind_of_space():
    assert name_key(" David\u00a0 LENG\t") == "david leng"
    assert name_key("Straße") == "strasse"


def test_a_tidy_name_keeps_its_case_and_loses_only_extra_spaces():
    assert tidy("  david \u00a0 LENG ") == "david LENG"
    assert tidy("Liam Purdie") == "Liam Purdie"


def test_the_closest_names_are_the_three_most_alike_best_first_in_their_registered_spelling():
    assert closest("Davd Leng", REGISTERED) == ["David Leng", "Dave Leng", "David Long"]


def test_more_or_fewer_close_names_can_be_asked_for_but_none_below_the_cut_off():
    assert closest("davd  leng", REGISTERED, n=1) == ["David Leng"]
    assert closest("DAVD LENG", REGISTERED, n=5) == ["David Leng", "Dave Leng", "David Long", "Dan Lee"]


def test_a_candidate_differing_only_in_case_and_spacing_is_found_in_its_own_spelling():
    assert closest("dave   LENG", ["Liam Purdie", "Dave Leng"], n=1) == ["Dave Leng"]
    assert closest("Zebedee", REGISTERED) == []


def test_a_name_is_taken_for_a_misspelling_only_from_0_85_alike():
    # "liam purdy" / "liam purdie": 9 of 10 and 9 of 11 characters match, 18/21 = 0.857.
    assert looks_misspelt("Liam Purdy", ["David Leng", "Liam Purdie"])
    assert looks_misspelt("LIAM  purdy", ["liam PURDIE"])
    # "dave leng" / "david leng": 8 of 9 and 8 of 10, 16/19 = 0.842, just under.
    assert not looks_misspelt("Dave Leng", ["David Leng"])
    # A login: "dleng" / "david leng", 10/15 = 0.667, alike enough to suggest, not to assume.
    assert not looks_misspelt("dleng", ["David Leng"])
    assert closest("dleng", ["David Leng"]) == ["David Leng"]
    assert not looks_misspelt("Liam Purdy", [])


def test_a_suggestion_names_each_close_name_quoted_and_joined_by_or():
    assert suggestion("Liam Purdy", ["David Leng", "Liam Purdie"]) == "; did you mean 'Liam Purdie'?"
    assert suggestion("Davd Leng", REGISTERED) == "; did you mean 'David Leng' or 'Dave Leng' or 'David Long'?"
    assert suggestion("Zebedee", REGISTERED) == ""


def test_an_unknown_person_error_names_the_field_and_the_tidied_name_and_points_to_the_people_list():
    error = UnknownPersonError("owner", "  Davd   Leng ", ["Liam Purdie", "David Leng"])
    assert str(error) == "owner: 'Davd Leng' is not a registered person; did you mean 'David Leng'?"
    assert (error.field, error.cli_hint) == ("owner", "see `plantrail people`")
    assert isinstance(error, PersonNotFoundError) and isinstance(error, NotFoundError)
    assert (error.exit_code, error.http_status) == (1, 404)
    assert str(UnknownPersonError("manager", "Zebedee", [])) == "manager: 'Zebedee' is not a registered person"


def test_a_name_index_answers_any_spelling_with_the_first_registered_one():
    index = NameIndex(["David Leng", "Liam Purdie", "DAVID  LENG"])
    assert index.names() == ["David Leng", "Liam Purdie"]
    assert index.get(" david\u00a0leng") == "David Leng"
    assert index.get("Dave Leng") is None
    index.add("Val DeSouza")
    assert index.canonical("val desouza", field="by") == "Val DeSouza"
    assert index.names() == ["David Leng", "Liam Purdie", "Val DeSouza"]
    assert NameIndex().names() == []


def test_a_name_index_refuses_an_unregistered_name_naming_the_field_and_the_closest():
    index = NameIndex(["David Leng", "Liam Purdie"])
    with pytest.raises(UnknownPersonError) as refused:
        index.canonical("Liam  Purdy", field="manager")
    assert str(refused.value) == "manager: 'Liam Purdy' is not a registered person; did you mean 'Liam Purdie'?"
    assert refused.value.field == "manager"


def test_names_are_joined_as_a_sentence_says_them():
    from domain.text import names_in_words

    assert names_in_words(["Ada"]) == "Ada"
    assert names_in_words(["Ada", "Bo"]) == "Ada or Bo"
    assert names_in_words(["Ada", "Bo", "Cy"]) == "Ada, Bo or Cy"


def test_an_unknown_name_points_to_the_people_list_or_on_an_empty_store_to_registering_first():
    from domain.names import UnknownPersonError

    on_empty = UnknownPersonError("person", "Ada Admin", [])
    assert (on_empty.field, on_empty.cli_hint) == ("person", "nobody is registered yet: `plantrail person add NAME` first")
    assert UnknownPersonError("owner", "Liam Purdy", ["Liam Purdie"]).cli_hint == "see `plantrail people`"
