"""Three-way merge of an edit with a colleague's change: nothing either side changed is
lost, and only fields both changed differently are left to the technician."""

from __future__ import annotations

import pytest

from desk_app.domain.edit_merge import choose, three_way

BASE = {"title": "Printer", "product": "", "assignee": ""}


def test_fields_changed_on_one_side_take_that_sides_value() -> None:
    merge = three_way(BASE, {**BASE, "title": "Mine"}, {**BASE, "product": "Laser 5"})
    assert merge.merged == {"title": "Mine", "product": "Laser 5", "assignee": ""}
    assert merge.conflicts == ()


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    both = {**BASE, "title": "Same"}
    assert three_way(BASE, both, both).conflicts == ()


def test_a_field_both_changed_differently_is_a_conflict_keeping_mine_until_chosen() -> None:
    theirs = {**BASE, "title": "Theirs", "assignee": "Priya"}
    merge = three_way(BASE, {**BASE, "title": "Mine", "assignee": "Alex"}, theirs)
    assert merge.conflicts == ("title", "assignee")
    assert merge.merged["title"] == "Mine"
    assert choose(merge, theirs, {"assignee"}) == {"title": "Mine", "product": "",
                                                   "assignee": "Priya"}


def test_choosing_a_field_that_is_not_in_conflict_is_refused() -> None:
    merge = three_way(BASE, {**BASE, "title": "Mine"}, BASE)
    with pytest.raises(ValueError, match="title"):
        choose(merge, BASE, {"title"})
