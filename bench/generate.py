"""Seeded generator of wide survey files for benchmarks and crash tests.

40 items over 10 scales (the five conditions and five principles, four items each, two of them
reverse-coded), about 5% blank answers, 4 waves, 200 organisations. Writes the survey CSV and
the instrument CSV that `python -m analytics import --instrument` takes.

    python bench/generate.py --respondents 100000 --out bench/data
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.instrument import CONDITIONS, PRINCIPLES  # noqa: E402
from analytics.store.schema import SECTORS  # noqa: E402

WAVES = ["2023-W1", "2024-W2", "2025-W3", "2026-W4"]
LABELS = np.array(["", "1", "2", "3", "4", "5"])


def instrument_rows() -> list[dict[str, str]]:
    rows = []
    for family, scales in (("condition", CONDITIONS), ("principle", PRINCIPLES)):
        for key, label in scales.items():
            for k in range(4):
                rows.append(
                    {
                        "item_id": f"{key[:3].upper()}{family[0]}{k + 1}",
                        "text": f"{label}: statement {k + 1}",
                        "condition": key if family == "condition" else "",
                        "principle": key if family == "principle" else "",
                        "reverse": "true" if k >= 2 else "false",
                    }
                )
    return rows


def write_instrument(path: Path) -> list[str]:
    rows = instrument_rows()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return [r["item_id"] for r in rows]


def write_survey(path: Path, respondents: int, item_ids: list[str], seed: int = 8) -> None:
    """One row per respondent: id, organisation, sector, role, submitted_at, wave, 40 answers."""
    rng = np.random.default_rng(seed)
    n = respondents
    wave = np.arange(n) * len(WAVES) // n
    latent = rng.normal(3.3, 0.6, n)[:, None] + rng.normal(0, 0.8, (n, len(item_ids)))
    values = np.clip(np.rint(latent), 1, 5).astype(np.int8)
    reverse = np.array([int(i[-1]) >= 3 for i in item_ids])
    values[:, reverse] = 6 - values[:, reverse]
    values[rng.random(values.shape) < 0.05] = 0  # blank
    organisation = rng.integers(0, 200, n)
    columns = {
        "respondent_id": pa.array(np.char.add("R", np.arange(n).astype(str))),
        "organisation": pa.array(np.char.add("Organisation ", organisation.astype(str))),
        "sector": pa.array(np.array(SECTORS)[organisation % len(SECTORS)]),
        "role": pa.array(np.where(rng.random(n) < 0.5, "Leadership", "Programme staff")),
        "submitted_at": pa.array(np.array([f"{w[:4]}-03-15 10:00" for w in WAVES])[wave]),
        "wave": pa.array(np.array(WAVES)[wave]),
    }
    for j, item_id in enumerate(item_ids):
        columns[item_id] = pa.array(LABELS[values[:, j]])
    pa_csv.write_csv(
        pa.table(columns), path, pa_csv.WriteOptions(quoting_style="needed", include_header=True)
    )


def generate(respondents: int, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    instrument = out / "instrument.csv"
    survey = out / f"survey_{respondents}.csv"
    item_ids = write_instrument(instrument)
    write_survey(survey, respondents, item_ids)
    return survey, instrument


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, required=True)
    parser.add_argument("--out", type=Path, default=Path("bench/data"))
    args = parser.parse_args()
    survey, instrument = generate(args.respondents, args.out)
    print(f"{survey} ({survey.stat().st_size / 1e6:.1f} MB), {instrument}")


if __name__ == "__main__":
    main()
