"""Answer labels to Likert values (DESIGN.md section 3): the one label map of the project."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

LIKERT_LABELS: dict[str, int] = {
    "strongly disagree": 1,
    "disagree": 2,
    "neither agree nor disagree": 3,
    "neutral": 3,
    "agree": 4,
    "strongly agree": 5,
}
MISSING_LABELS: frozenset[str] = frozenset(
    {"", "n/a", "na", "not applicable", "don't know", "dont know", "not sure", "prefer not to say"}
)
VALID_VALUES: frozenset[int] = frozenset(range(1, 6))

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_SPACES = re.compile(r"\s+")
_INTEGER = re.compile(r"-?\d+(\.0+)?")


def normalise_label(text: str) -> str:
    """Trim, fold case, Unicode-normalise (NFKC) and straighten curly quotes."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACES.sub(" ", folded).strip().casefold()


@dataclass(frozen=True)
class Answer:
    """One cell read as an answer: a value 1..5, missing, or invalid with a reason."""

    value: int | None
    missing: bool = False
    invalid_reason: str | None = None

    @property
    def is_invalid(self) -> bool:
        return self.invalid_reason is not None


def parse_answer(raw: object, missing_codes: frozenset[int] = frozenset()) -> Answer:
    """Read one cell. Never coerces: 4.5, 0, 6, 'four' or a typo are invalid, not clipped.

    `missing_codes` are numeric codes that the survey tool uses for N/A columns.
    """
    if raw is None:
        return Answer(None, missing=True)
    if isinstance(raw, bool):
        return Answer(None, invalid_reason="not an answer on the 1-5 scale")
    if isinstance(raw, int | float):
        if raw != raw:  # NaN: an empty cell
            return Answer(None, missing=True)
        text = repr(raw) if isinstance(raw, float) else str(raw)
    else:
        text = str(raw)
    label = normalise_label(text)
    if label in MISSING_LABELS:
        return Answer(None, missing=True)
    if label in LIKERT_LABELS:
        return Answer(LIKERT_LABELS[label])
    if _INTEGER.fullmatch(label):
        if len(label.partition(".")[0].lstrip("-").lstrip("0")) > 6:  # 400 digits, say
            return Answer(None, invalid_reason="a number far outside the scale 1-5")
        number = int(label.partition(".")[0])
        if number in missing_codes:
            return Answer(None, missing=True)
        if number in VALID_VALUES:
            return Answer(number)
        return Answer(None, invalid_reason=f"{number} is outside the scale 1-5")
    if label.startswith(("=", "+", "-", "@")):
        return Answer(None, invalid_reason="looks like a formula, not an answer")
    return Answer(None, invalid_reason="not a known answer label or a number 1-5")
