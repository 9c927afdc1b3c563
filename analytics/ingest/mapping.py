"""Which column is which: instrument items and respondent fields, proposed from the headers,
confirmed or corrected by the broker, and saved per initiative and survey."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

import pandas as pd

from analytics.access.permissions import Permission, User, guarded
from analytics.ingest.answers import normalise_label
from analytics.ingest.layouts import Table
from analytics.ingest.values import (
    DEFAULT_CHOICES,
    VALUE_FIELDS,
    ValueMap,
    answer_key,
    looks_like,
    values_from_frame,
)
from analytics.instrument import Item, item_texts
from analytics.store.connection import Store

FIELDS: dict[str, str] = {
    "respondent_id": "Respondent id",
    "organisation": "Organisation",
    "sector": "Sector",
    "role": "Role",
    "submitted_at": "Submitted at",
    "wave": "Wave",
}

# Header names of the respondent fields, by tool, in order of preference (normalised).
_EXACT: dict[str, tuple[str, ...]] = {
    "respondent_id": (
        "respondent_id",
        "respondent id",
        "responseid",
        "response id",
        "_uuid",
        "respondent",
        "respondent key",
        "id",
    ),
    "submitted_at": (
        "submitted_at",
        "submitted at",
        "submitted",
        "recordeddate",
        "recorded date",
        "end date",
        "enddate",
        "completion time",
        "timestamp",
        "horodateur",  # Google Forms in French, Spanish, German, Portuguese
        "marca temporal",
        "zeitstempel",
        "data/hora",
        "heure de fin",  # Microsoft Forms in French
        "_submission_time",
        "end",
    ),
    "wave": ("wave", "wave label", "survey wave"),
    "organisation": ("organisation", "organization", "org"),
    "sector": ("sector",),
    "role": ("role", "position", "job title"),
}
# Words that, inside a longer question text, mark a respondent field.
_CONTAINS: dict[str, tuple[str, ...]] = {  # in this order: "which sector is your organisation
    "sector": (  # in?" asks for a sector, not an organisation; so does "best describes"
        "sector",
        "secteur",
        "best describes your organisation",
        "best describes your organization",
        "type of organisation",
        "type of organization",
        "décrit le mieux votre organisation",
        "type d'organisation",
    ),
    "role": ("your role", "role", "rôle", "job title", "position", "fonction"),
    "organisation": ("organisation", "organization"),
}

_TRAILING = re.compile(r"[\s.!?:;,]+$")
_SEPARATORS = re.compile(r"[\s_/]+")


def statement_key(text: str) -> str:
    """A header or statement for matching: case, Unicode, curly quotes and spaces normalised,
    final punctuation dropped."""
    return _TRAILING.sub("", normalise_label(text))


@dataclass
class Mapping:
    """What each column of a survey file holds. Columns are named by their labels."""

    items: dict[str, str] = field(default_factory=dict)  # column label -> item id
    fields: dict[str, str] = field(default_factory=dict)  # field -> column label
    missing_codes: list[int] = field(default_factory=list)  # numeric codes that mean N/A
    item_column: str | None = None  # long layout: the column naming the item
    value_column: str | None = None  # long layout: the column holding the answer
    values: ValueMap = field(default_factory=dict)  # the broker's value map (values.py)
    labels: dict[str, int] = field(default_factory=dict)  # the broker's own answer labels
    comments: list[str] = field(default_factory=list)  # columns of open-text comments

    @property
    def is_long(self) -> bool:
        return self.item_column is not None and self.value_column is not None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        raw = json.loads(text)
        return cls(
            items=dict(raw.get("items", {})),
            fields=dict(raw.get("fields", {})),
            missing_codes=[int(c) for c in raw.get("missing_codes", [])],
            item_column=raw.get("item_column"),
            value_column=raw.get("value_column"),
            values={f: dict(m) for f, m in raw.get("values", {}).items()},
            labels={str(k): int(v) for k, v in raw.get("labels", {}).items()},
            comments=[str(c) for c in raw.get("comments", [])],
        )

    def restricted_to(self, labels: list[str]) -> Mapping:
        """The same mapping without the columns this table does not have."""
        present = set(labels)
        return Mapping(
            items={c: i for c, i in self.items.items() if c in present},
            fields={f: c for f, c in self.fields.items() if c in present},
            missing_codes=list(self.missing_codes),
            item_column=self.item_column if self.item_column in present else None,
            value_column=self.value_column if self.value_column in present else None,
            values={f: dict(m) for f, m in self.values.items()},
            labels=dict(self.labels),
            comments=[c for c in self.comments if c in present],
        )


def survey_key(table: Table) -> str:
    """The same survey's next export has the same key: its layout and its column labels."""
    labels = sorted(statement_key(label) for label in table.labels)
    payload = json.dumps([table.layout.key, labels], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _match_item(texts: list[str], items: list[Item]) -> str | None:
    keys = [statement_key(t) for t in texts]
    for item in items:  # an item id in a header row wins
        if statement_key(item.item_id) in keys:
            return item.item_id
    best: tuple[int, str] | None = None  # by any of its languages, the longest match winning
    for item in items:
        for text in item_texts(item):
            statement = statement_key(text)
            matches = bool(statement) and any(statement in key for key in keys)
            if matches and (best is None or len(text) > best[0]):
                best = (len(text), item.item_id)
    return best[1] if best else None


def _match_field(texts: list[str]) -> tuple[str, int] | None:
    """(field, rank): rank orders candidates, exact names first in order of preference."""
    keys = [_SEPARATORS.sub(" ", statement_key(t)).strip() for t in texts]
    raw_keys = [statement_key(t) for t in texts]
    for name, options in _EXACT.items():
        for rank, option in enumerate(options):
            if option in raw_keys or _SEPARATORS.sub(" ", option) in keys:
                return name, rank
    for name, words in _CONTAINS.items():
        for word in words:
            if any(re.search(rf"\b{re.escape(word)}\b", key) for key in keys):
                return name, 100
    return None


def propose_mapping(
    table: Table, items: list[Item], choices: dict[str, list[str]] | None = None
) -> Mapping:
    """Items by id or statement in a header row; respondent fields by their common headers,
    or sector and role by their answers (`choices`: the initiative's lists).

    An item is matched to one column at most (the first); a field to its best-ranked column.
    """
    mapping = Mapping()
    if table.layout.key == "template_long":
        lowered = {statement_key(label): label for label in table.labels}
        mapping.item_column = lowered.get("item_id")
        mapping.value_column = lowered.get("value")
    taken_items: set[str] = set()
    for label in table.labels:
        if label in (mapping.item_column, mapping.value_column):
            continue
        item_id = _match_item(table.header_texts(label), items)
        if item_id and item_id not in taken_items:
            mapping.items[label] = item_id
            taken_items.add(item_id)
    best: dict[str, tuple[int, str]] = {}
    for label in table.labels:
        if label in mapping.items or label in (mapping.item_column, mapping.value_column):
            continue
        found = _match_field(table.header_texts(label))
        if found and (found[0] not in best or found[1] < best[found[0]][0]):
            best[found[0]] = (found[1], label)
    # A column whose answers look like sectors (or roles, when the initiative lists them) is
    # that field even when its header does not say so ("Which of the following best describes
    # your organisation?"); it beats a header that only contains a field's word.
    choices_of = {**DEFAULT_CHOICES, **(choices or {})}
    for name in VALUE_FIELDS:
        if name in best:
            continue
        candidates = []
        for label in table.labels:
            if label in mapping.items or label in (mapping.item_column, mapping.value_column):
                continue
            taken = [f for f, (rank, lab) in best.items() if lab == label]
            if any(best[f][0] < _BY_ANSWERS for f in taken):
                continue
            share = looks_like(table.data[label], name, choices_of[name])
            if share:
                candidates.append((-share, table.data[label].nunique(), label, taken))
        if candidates:
            _share, _n, label, taken = min(candidates, key=lambda c: c[:2])
            for f in taken:
                del best[f]
            best[name] = (_BY_ANSWERS, label)
    mapping.fields = {name: label for name, (_rank, label) in best.items()}
    taken = {*mapping.items, *mapping.fields.values(), mapping.item_column, mapping.value_column}
    mapping.comments = [
        label
        for label in table.labels
        if label not in taken and _is_comment_question(table.header_texts(label))
    ]
    return mapping


# Words of an open-text question whose answers are kept as comments (English and French).
_COMMENT_WORDS = re.compile(
    r"\b(comments?|commentaires?|anything else|feedback|suggestions?|remarques?|"
    r"autre chose|would you like to (?:add|tell|share))\b"
)


def _is_comment_question(texts: list[str]) -> bool:
    return any(_COMMENT_WORDS.search(statement_key(t)) for t in texts)


_BY_ANSWERS = 50  # the rank of a field proposed from its answers: after exact header names


@dataclass(frozen=True)
class ItemGap:
    """An item of the instrument that no column is mapped to, and the unmapped column whose
    header is most like its statement (for the broker to accept or not)."""

    item_id: str
    text: str
    closest: str | None
    similarity: float  # 0..1 (difflib's ratio)


def unmapped_items(table: Table, mapping: Mapping, items: list[Item]) -> list[ItemGap]:
    """Every item without a column, with the closest free header: a reworded statement
    ("we're" for "we are") would otherwise drop its item without a word."""
    if mapping.is_long:
        return []
    used = {*mapping.items, *mapping.fields.values()}
    free = [label for label in table.labels if label not in used]
    texts = {label: [statement_key(t) for t in table.header_texts(label)] for label in free}
    gaps = []
    for item in items:
        if item.item_id in mapping.items.values():
            continue
        wanted = [statement_key(t) for t in item_texts(item)]
        best, score = None, 0.0
        for label, keys in texts.items():
            for key in keys:
                for text in wanted:
                    ratio = difflib.SequenceMatcher(None, text, key, autojunk=False).ratio()
                    if ratio > score:
                        best, score = label, ratio
        gaps.append(ItemGap(item.item_id, item.text, best if score >= 0.6 else None, score))
    return gaps


def with_accepted(mapping: Mapping, gaps: list[ItemGap]) -> Mapping:
    """The mapping with each gap's closest header mapped to its item (the broker accepted)."""
    out = Mapping.from_json(mapping.to_json())
    for gap in gaps:
        if gap.closest and gap.closest not in out.items:
            out.items[gap.closest] = gap.item_id
    return out


def with_value_map(mapping: Mapping, edited: pd.DataFrame, choices: dict) -> Mapping:
    """The mapping with the broker's value map from the edited table (Field, Answer, Value):
    the answers of this file as set there, the saved map's other answers kept. Raises
    values.ValuesError on a value not on the initiative's list."""
    given = values_from_frame(edited, choices)
    out = Mapping.from_json(mapping.to_json())
    for name in set(edited["Field"]):
        here = {
            answer_key(a)
            for f, a in zip(edited["Field"], edited["Answer"], strict=True)
            if f == name
        }
        kept = {k: v for k, v in out.values.get(name, {}).items() if k not in here}
        merged = {**kept, **given.get(name, {})}
        if merged:
            out.values[name] = merged
        else:
            out.values.pop(name, None)
    return out


# -- the mapping as a table a person edits -------------------------------------------------------

NOT_USED = "(not used)"
COMMENT = "Comment (open text)"
LONG_ITEM = "Item id (long layout)"
LONG_VALUE = "Answer (long layout)"


def target_options(items: list[Item]) -> list[str]:
    """What a column can be mapped to, as the words shown in the editor."""
    return [
        NOT_USED,
        *FIELDS.values(),
        COMMENT,
        *[_item_option(item) for item in items],
        LONG_ITEM,
        LONG_VALUE,
    ]


def _item_option(item: Item) -> str:
    text = item.text if len(item.text) <= 60 else item.text[:57] + "…"
    return f"{item.item_id} · {text}"


def mapping_table(table: Table, mapping: Mapping, items: list[Item]) -> pd.DataFrame:
    """One row per column of the file: its label, example values and what it maps to."""
    by_id = {item.item_id: item for item in items}
    field_of = {label: FIELDS[name] for name, label in mapping.fields.items()}
    rows = []
    for label in table.labels:
        if label in mapping.items and mapping.items[label] in by_id:
            target = _item_option(by_id[mapping.items[label]])
        elif label == mapping.item_column:
            target = LONG_ITEM
        elif label == mapping.value_column:
            target = LONG_VALUE
        elif label in mapping.comments:
            target = COMMENT
        else:
            target = field_of.get(label, NOT_USED)
        examples = [v for v in table.data[label].unique()[:20] if str(v).strip()][:3]
        rows.append(
            {"Column": label, "Examples": " | ".join(map(str, examples))[:120], "Maps to": target}
        )
    return pd.DataFrame(rows)


class MappingError(ValueError):
    """A mapping a person set that cannot work; the message says which columns."""


def mapping_from_table(
    edited: pd.DataFrame, items: list[Item], missing_codes: list[int]
) -> Mapping:
    """The Mapping a person set in the editor. Raises MappingError on a target used twice."""
    by_option = {_item_option(item): item.item_id for item in items}
    field_by_word = {word: name for name, word in FIELDS.items()}
    mapping = Mapping(missing_codes=sorted(set(missing_codes)))
    used: dict[str, str] = {}
    for label, target in zip(edited["Column"], edited["Maps to"], strict=True):
        if not target or target == NOT_USED:
            continue
        if target == COMMENT:  # any number of columns
            mapping.comments.append(label)
            continue
        if target in used:
            raise MappingError(f"{target!r} is set for both {used[target]!r} and {label!r}")
        used[target] = label
        if target in by_option:
            mapping.items[label] = by_option[target]
        elif target in field_by_word:
            mapping.fields[field_by_word[target]] = label
        elif target == LONG_ITEM:
            mapping.item_column = label
        elif target == LONG_VALUE:
            mapping.value_column = label
        else:
            raise MappingError(f"{target!r} is not something a column can map to")
    if (mapping.item_column is None) != (mapping.value_column is None):
        raise MappingError("the long layout needs both an item id column and an answer column")
    return mapping


# -- the mapping saved per initiative and survey -----------------------------------------------


@guarded(Permission.IMPORT)
def saved_mapping(store: Store, user: User, initiative_id: int, key: str) -> Mapping | None:
    text = store.read_one(
        "SELECT mapping FROM survey_mappings WHERE initiative_id = ? AND survey_key = ?",
        [initiative_id, key],
    )
    return None if text is None else Mapping.from_json(text)


@guarded(Permission.IMPORT)
def mapping_for(
    store: Store,
    user: User,
    initiative_id: int,
    table: Table,
    items: list[Item],
    choices: dict[str, list[str]] | None = None,
) -> tuple[Mapping, bool]:
    """The saved mapping of this survey in this initiative (True), else a proposal (False)."""
    saved = saved_mapping(store, user, initiative_id, survey_key(table))
    if saved is not None:
        return saved.restricted_to(table.labels), True
    return propose_mapping(table, items, choices), False
