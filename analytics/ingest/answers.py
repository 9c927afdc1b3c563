"""Answer labels to Likert values (DESIGN.md section 3): the one label map of the project,
in English and French (accents and case ignored), plus the labels a broker adds."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Keys are written as answer_key() makes them: folded case, no accents, straight quotes.
LIKERT_LABELS: dict[str, int] = {
    "strongly disagree": 1,
    "disagree": 2,
    "neither agree nor disagree": 3,
    "neutral": 3,
    "agree": 4,
    "strongly agree": 5,
    # French (Canada and France): the wordings of bilingual surveys.
    "fortement en desaccord": 1,
    "tout a fait en desaccord": 1,
    "totalement en desaccord": 1,
    "en desaccord": 2,
    "plutot en desaccord": 2,
    "pas d'accord": 2,
    "ni en accord ni en desaccord": 3,
    "ni d'accord ni en desaccord": 3,
    "ni d'accord ni pas d'accord": 3,
    "neutre": 3,
    "d'accord": 4,
    "en accord": 4,
    "plutot d'accord": 4,
    "fortement d'accord": 5,
    "tout a fait d'accord": 5,
    "totalement d'accord": 5,
}
MISSING_LABELS: frozenset[str] = frozenset(
    {
        *("", "n/a", "na", "not applicable", "don't know", "dont know", "not sure"),
        "prefer not to say",
        *("sans objet", "s.o.", "ne sais pas", "je ne sais pas", "ne s'applique pas"),
        *("non applicable", "sans opinion", "prefere ne pas repondre"),
        "je prefere ne pas repondre",
    }
)
VALID_VALUES: frozenset[int] = frozenset(range(1, 6))

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_SPACES = re.compile(r"\s+")
_INTEGER = re.compile(r"-?\d+(\.0+)?")


def normalise_label(text: str) -> str:
    """Trim, fold case, Unicode-normalise (NFKC) and straighten curly quotes."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACES.sub(" ", folded).strip().casefold()


def answer_key(text: object) -> str:
    """An answer for matching labels: normalise_label, then accents dropped ("Désaccord" is
    "desaccord", "Résident(e)" is "resident(e)")."""
    decomposed = unicodedata.normalize("NFKD", normalise_label(str(text)))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def labels_from_text(text: str) -> dict[str, int]:
    """A broker's labels typed one per line as `label = value` (0: no answer). Raises
    ValueError naming the line that is not."""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, equals, value = line.rpartition("=")
        if not equals or not label.strip() or value.strip() not in {"0", "1", "2", "3", "4", "5"}:
            raise ValueError(f"line {number}: write label = 1 to 5, or label = 0 for no answer")
        out[label.strip()] = int(value)
    return out


def extra_labels(given: dict[str, int]) -> dict[str, int]:
    """A broker's own labels (another wording or language), keyed for matching; each value
    must be on the scale 1-5 (a label meaning missing is given as 0)."""
    out = {}
    for label, value in given.items():
        if int(value) not in (0, *VALID_VALUES):
            raise ValueError(f"the label {label!r} must mean 1 to 5, or 0 for missing")
        out[answer_key(label)] = int(value)
    return out


@dataclass(frozen=True)
class Answer:
    """One cell read as an answer: a value 1..5, missing, or invalid with a reason."""

    value: int | None
    missing: bool = False
    invalid_reason: str | None = None

    @property
    def is_invalid(self) -> bool:
        return self.invalid_reason is not None


def parse_answer(
    raw: object,
    missing_codes: frozenset[int] = frozenset(),
    labels: dict[str, int] | None = None,
) -> Answer:
    """Read one cell. Never coerces: 4.5, 0, 6, 'four' or a typo are invalid, not clipped.

    `missing_codes` are numeric codes that the survey tool uses for N/A columns; `labels` are
    the broker's own labels (extra_labels: 0 means missing).
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
    key = answer_key(label)
    if labels and key in labels:
        return Answer(labels[key]) if labels[key] else Answer(None, missing=True)
    if key in MISSING_LABELS:
        return Answer(None, missing=True)
    if key in LIKERT_LABELS:
        return Answer(LIKERT_LABELS[key])
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
