"""The benchmarks' tables: aligned text for the terminal, or Markdown for the README."""

from __future__ import annotations

from collections.abc import Sequence


def number(value: float | None, digits: int) -> str:
    """``value`` with ``digits`` decimals, or "-" when unknown."""
    return "-" if value is None else f"{value:.{digits}f}"


def render(columns: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool = False) -> str:
    """``rows`` of cells under ``columns`` as an aligned text table, or as a Markdown table."""
    table = [list(columns)] + [list(cells) for cells in rows]
    if markdown:
        lines = ["| " + " | ".join(cells) + " |" for cells in table]
        lines.insert(1, "|" + "|".join(" --- " for _ in columns) + "|")
        return "\n".join(lines)
    widths = [max(len(cells[i]) for cells in table) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip() for cells in table)
