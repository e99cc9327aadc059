"""Count tables for the public, with small counts withheld so no case can be singled out.

Primary rule: a count from 1 to ``below - 1`` is withheld (``below`` is the policy's
``reporting.suppress_below``; 0 or 1 withholds nothing). Secondary rule: a withheld count
must not be recoverable by subtraction, so every line of the table — a row with its
total, a column with its total, the column totals with the grand total — that holds
exactly one withheld count gets a second: the smallest non-zero count of that line,
inner cells before totals, the grand total last. This repeats until no line holds a
single withheld count. Zeros are always shown; "none" points at no one.
"""

from __future__ import annotations

from dataclasses import dataclass

Shown = int | None  # None: withheld
Spot = tuple[int, int]


@dataclass(frozen=True)
class Table:
    """Counts by two dimensions with their totals, as they may be published."""

    title: str
    row_heading: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Shown, ...], ...]
    row_totals: tuple[Shown, ...]
    column_totals: tuple[Shown, ...]
    total: Shown

    @property
    def withheld(self) -> bool:
        shown = [*self.row_totals, *self.column_totals, self.total]
        return None in shown or any(None in row for row in self.cells)


def count_table(
    title: str,
    row_heading: str,
    rows: list[str],
    columns: list[str],
    counts: list[list[int]],
    below: int,
) -> Table:
    """The table of ``counts`` (one list per row), totals added, small counts withheld."""
    grid = [[*row, sum(row)] for row in counts]
    width = len(columns) + 1
    grid.append([sum(row[j] for row in grid) for j in range(width)])
    hidden = withheld(grid, below)

    def show(spot: Spot) -> Shown:
        return None if spot in hidden else grid[spot[0]][spot[1]]

    last_row, last_column = len(rows), len(columns)
    return Table(
        title=title,
        row_heading=row_heading,
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(tuple(show((i, j)) for j in range(last_column)) for i in range(last_row)),
        row_totals=tuple(show((i, last_column)) for i in range(last_row)),
        column_totals=tuple(show((last_row, j)) for j in range(last_column)),
        total=show((last_row, last_column)),
    )


def withheld(grid: list[list[int]], below: int) -> set[Spot]:
    """The spots of ``grid`` (last row and column: totals) to withhold."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1
    spots = [(i, j) for i in range(last_row + 1) for j in range(last_column + 1)]
    hidden = {(i, j) for i, j in spots if 0 < grid[i][j] < below}
    lines = [[(i, j) for j in range(last_column + 1)] for i in range(last_row + 1)]
    lines += [[(i, j) for i in range(last_row + 1)] for j in range(last_column + 1)]

    def cost(spot: Spot) -> tuple[bool, bool, int, Spot]:
        i, j = spot
        grand = spot == (last_row, last_column)
        return grand, i == last_row or j == last_column, grid[i][j], spot

    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(spot in hidden for spot in line) != 1:
                continue
            # Totals add up, so a line with one withheld count always has another non-zero.
            open_spots = [s for s in line if s not in hidden and grid[s[0]][s[1]] > 0]
            hidden.add(min(open_spots, key=cost))
            changed = True
    return hidden
