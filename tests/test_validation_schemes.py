"""The validation-scheme benchmark: each split scored against the test set, with the manifests' true groups."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from ingestion.command import BAD_INPUT_EXIT_CODE, run_command

REPOSITORY = Path(__file__).resolve().parent.parent
MODULE = "benchmarks.validation_schemes"


def table_rows(text: str) -> dict[str, dict[str, str]]:
    """The Markdown table's rows by scheme."""
    lines = [line.strip("|").split("|") for line in text.strip().splitlines()]
    header = [cell.strip() for cell in lines[0]]
    return {row["scheme"]: row for row in (dict(zip(header, (c.strip() for c in cells))) for cells in lines[2:])}


def test_true_groups_never_reach_both_sides_while_a_clip_level_split_mixes_them(capsys):
    # sample data02: five voices, each speaking every class, so a clip-level hold-out always shares voices
    code = run_command(MODULE, ["--datasets", "data02", "--seeds", "2", "--clusters", "2,4", "--output-markdown"])
    assert code == 0
    rows = table_rows(capsys.readouterr().out)
    assert list(rows) == ["clip", "statistics-2", "statistics-4", "embeddings-2", "embeddings-4", "groups"]
    assert float(rows["groups"]["validation clips sharing a group with training"]) == 0
    assert float(rows["clip"]["validation clips sharing a group with training"]) == 1
    for row in rows.values():
        scored = int(row["seeds"].split("/")[0])
        assert row["seeds"].endswith("/2") and 0 <= scored <= 2
        if scored:
            assert abs(float(row["validation"]) - float(row["test"]) - float(row["validation - test"])) <= 0.0015
            assert float(row["abs(validation - test)"]) >= abs(float(row["validation - test"])) - 0.0005


@pytest.fixture
def copied(tmp_path: Path) -> tuple[Path, Path]:
    """sample data02 and its manifest under tmp_path (root, manifest)."""
    shutil.copytree(REPOSITORY / "sample_data" / "data02", tmp_path / "data02")
    (tmp_path / "manifests").mkdir()
    manifest = tmp_path / "manifests" / "data02.csv"
    shutil.copy(REPOSITORY / "sample_data" / "manifests" / "data02.csv", manifest)
    return tmp_path, manifest


def rewrite(manifest: Path, change) -> None:
    with manifest.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows = change(rows)
    with manifest.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f for f in fields if f in rows[0]])
        writer.writeheader()
        writer.writerows(rows)


def swap_first_classes(rows: list[dict]) -> list[dict]:
    train = [row for row in rows if row["split"] == "train"]
    other = next(row for row in train if row["class"] != train[0]["class"])
    train[0]["class"], other["class"] = other["class"], train[0]["class"]
    return rows


@pytest.mark.parametrize("change, message", [
    (None, "no manifest for data02"),
    (lambda rows: rows[1:], "training rows, but data02 has 83 training clips"),
    (swap_first_classes, "training row 1 is class"),
    (lambda rows: [{k: v for k, v in row.items() if k != "group"} for row in rows], "missing column(s) group"),
])
def test_a_missing_or_mismatched_manifest_is_one_line_naming_it(copied, capsys, change, message):
    root, manifest = copied
    if change is None:
        manifest.unlink()
    else:
        rewrite(manifest, change)
    code = run_command(MODULE, ["--data-root", str(root), "--datasets", "data02", "--seeds", "1"])
    error = capsys.readouterr().err.strip()
    assert code == BAD_INPUT_EXIT_CODE and len(error.splitlines()) == 1
    assert str(manifest) in error and message in error


def test_cluster_counts_must_be_whole_numbers(capsys):
    code = run_command(MODULE, ["--datasets", "data02", "--clusters", "4,0"])
    assert code == BAD_INPUT_EXIT_CODE and "--clusters" in capsys.readouterr().err
