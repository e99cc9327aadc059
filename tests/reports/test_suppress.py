"""Withholding small counts: primary and secondary, checked against hand-worked tables."""

from __future__ import annotations

from facedocket.reports.suppress import count_table


def test_a_withheld_count_never_stands_alone_in_a_line() -> None:
    # A: 10, 2 (12)   B: 7, 8 (15)   totals 17, 10 (27); below 5.
    # A.y = 2 is withheld; row A then withholds A.x (its smallest other), column x then
    # B.x, column y B.y. Every row and column now has two withheld counts or none.
    table = count_table("t", "r", ["A", "B"], ["x", "y"], [[10, 2], [7, 8]], 5)
    assert table.cells == ((None, None), (None, None))
    assert table.row_totals == (12, 15)
    assert table.column_totals == (17, 10)
    assert table.total == 27


def test_one_dimension_and_zeros() -> None:
    table = count_table("t", "g", ["rmv", "mugshots", "other"], ["n"], [[44], [1], [0]], 5)
    assert table.cells == ((None,), (None,), (0,))
    assert table.total == 45


def test_nothing_is_withheld_when_the_policy_publishes_every_count() -> None:
    table = count_table("t", "r", ["A"], ["x", "y"], [[1, 2]], 0)
    assert table.cells == ((1, 2),) and table.total == 3 and not table.withheld


def test_a_small_total_is_withheld_with_its_cells() -> None:
    table = count_table("t", "r", ["A", "B"], ["x"], [[3], [20]], 5)
    assert table.cells == ((None,), (None,))
    assert table.row_totals == (None, None)
    assert table.total == 23


def test_an_empty_table() -> None:
    table = count_table("t", "r", [], ["x", "y"], [], 5)
    assert table.cells == () and table.column_totals == (0, 0) and table.total == 0
