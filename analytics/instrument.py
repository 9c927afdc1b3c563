"""The item bank: the five conditions, the five principles, and the items that feed them."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from analytics.settings import PROJECT_ROOT

DEFAULT_INSTRUMENT_CSV = PROJECT_ROOT / "data" / "instrument.csv"

# The one definition of the scales, in display order: snake_case key -> label.
CONDITIONS: dict[str, str] = {
    "common_agenda": "Common agenda",
    "shared_measurement": "Shared measurement",
    "mutually_reinforcing_activities": "Mutually reinforcing activities",
    "continuous_communication": "Continuous communication",
    "backbone_support": "Backbone support",
}
PRINCIPLES: dict[str, str] = {
    "equity": "Equity",
    "transparency": "Transparency",
    "mutual_benefit": "Mutual benefit",
    "embracing_diversity": "Embracing diversity",
    "having_courage": "Having courage",
}
INDICES: dict[str, str] = {
    "collective_impact": "Collective Impact index",
    "partnering": "Partnering index",
}
SCALE_TYPES: dict[str, dict[str, str]] = {
    "condition": CONDITIONS,
    "principle": PRINCIPLES,
    "index": INDICES,
}
# The index built from each family of scales.
INDEX_OF: dict[str, str] = {"condition": "collective_impact", "principle": "partnering"}


def scale_label(key: str) -> str:
    """Human label of any scale or index key."""
    for scales in SCALE_TYPES.values():
        if key in scales:
            return scales[key]
    raise KeyError(key)


@dataclass(frozen=True)
class Item:
    item_id: str
    text: str
    condition: str | None
    principle: str | None
    reverse: bool
    # The statement in other languages: (language, text), from text_<language> columns.
    texts: tuple[tuple[str, str], ...] = ()


def item_texts(item: Item) -> list[str]:
    """The item's statement in every language it has, its main text first."""
    return [item.text, *(text for _language, text in item.texts)]


def language_of(column: str) -> str | None:
    """'fr' for a column text_fr (any text_<language>), else None."""
    match = re.fullmatch(r"text_([a-z]{2,3}(?:[_-][a-z]{2})?)", column.strip().lower())
    return match.group(1) if match else None


class InstrumentError(ValueError):
    """An instrument definition that cannot be used, with the row that is wrong."""


def _parse_bool(raw: str, where: str) -> bool:
    text = raw.strip().lower()
    if text in {"true", "yes", "1"}:
        return True
    if text in {"false", "no", "0", ""}:
        return False
    raise InstrumentError(f"{where}: reverse must be true or false, not {raw!r}")


def parse_instrument_rows(rows: list[dict[str, str]], source: str) -> list[Item]:
    """Validate rows with columns item_id,text,condition,principle,reverse (and any
    text_<language>, such as text_fr) into items."""
    items: list[Item] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        where = f"{source}, row {number}"
        item_id = (row.get("item_id") or "").strip()
        text = (row.get("text") or "").strip()
        condition = (row.get("condition") or "").strip() or None
        principle = (row.get("principle") or "").strip() or None
        if not item_id:
            raise InstrumentError(f"{where}: item_id is empty")
        if item_id in seen:
            raise InstrumentError(f"{where}: item_id {item_id!r} appears twice")
        if not text:
            raise InstrumentError(f"{where}: item {item_id!r} has no text")
        if condition is not None and condition not in CONDITIONS:
            raise InstrumentError(
                f"{where}: condition {condition!r} is not one of {', '.join(CONDITIONS)}"
            )
        if principle is not None and principle not in PRINCIPLES:
            raise InstrumentError(
                f"{where}: principle {principle!r} is not one of {', '.join(PRINCIPLES)}"
            )
        if condition is None and principle is None:
            raise InstrumentError(f"{where}: item {item_id!r} feeds no condition or principle")
        seen.add(item_id)
        texts = tuple(
            (language, (value or "").strip())
            for column, value in row.items()
            if column and (language := language_of(column)) and (value or "").strip()
        )
        reverse = _parse_bool(row.get("reverse") or "", where)
        items.append(Item(item_id, text, condition, principle, reverse, texts))
    if not items:
        raise InstrumentError(f"{source}: no items")
    return items


def load_instrument_csv(path: Path = DEFAULT_INSTRUMENT_CSV) -> list[Item]:
    with Path(path).open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = {"item_id", "text", "condition", "principle", "reverse"} - set(
            reader.fieldnames or []
        )
        if missing:
            raise InstrumentError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        return parse_instrument_rows(list(reader), str(path))


def items_by_scale(items: list[Item]) -> dict[tuple[str, str], list[Item]]:
    """(scale_type, scale) -> the items feeding it, for every scale that has items."""
    out: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        if item.condition:
            out.setdefault(("condition", item.condition), []).append(item)
        if item.principle:
            out.setdefault(("principle", item.principle), []).append(item)
    return out
