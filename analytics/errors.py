"""The problem and refusal types every layer raises: a person can act on them (row, column,
value, reason), and the app and the CLI show them as a table, never as a traceback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportProblem:
    """One cell or row that could not be imported as it is."""

    row: int | None  # the row number a spreadsheet shows, header rows included
    column: str | None
    value: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


class ImportRefused(ValueError):
    """The import was not written; `problems` (may be empty) says why, cell by cell."""

    def __init__(self, message: str, problems: list[ImportProblem] | None = None):
        super().__init__(message)
        self.problems = problems or []
