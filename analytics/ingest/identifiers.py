"""Names that identify things people group by (waves, organisations, sectors, roles), in one
form: Unicode NFC, no control or invisible (zero-width, direction) characters, single spaces,
trimmed. Without it, 'W1' and 'W1' followed by a zero-width space are two waves that look
alike."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

# Line breaks and tabs inside a name read as spaces; other controls and format characters
# (zero-width spaces and joiners, direction marks, the BOM, soft hyphens) are dropped.
_DROPPED = ("Cc", "Cf", "Co", "Cs", "Cn")
_SPACES = re.compile(r"\s+")


class IdentifierRefused(ValueError):
    """A name that cannot be used; the message says why."""


def normalise_identifier(text: str) -> str:
    """`text` in the one form names are stored and compared in."""
    text = unicodedata.normalize("NFC", str(text))
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _DROPPED
    )
    return _SPACES.sub(" ", kept).strip()


def checked_identifier(text: str, what: str) -> str:
    """A name typed by a person (a wave label, say): NUL anywhere refuses it."""
    if "\x00" in text:
        raise IdentifierRefused(f"the {what} has a NUL character")
    return normalise_identifier(text)


def normalise_column(column: pd.Series) -> pd.Series:
    """normalise_identifier over a column of text, once per distinct value."""
    codes, distinct = pd.factorize(column, sort=False)
    if not len(distinct):
        return column
    normalised = pd.Index([normalise_identifier(v) for v in distinct], dtype=object)
    return pd.Series(normalised.take(codes), index=column.index, dtype=object)
