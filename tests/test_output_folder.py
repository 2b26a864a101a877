"""The output folder's entries whatever they are: folders, dangling links and links to files outside, planted
before a run or by a submission during it (without the sandbox), are removed or replaced, never written through,
by the harness (`python -m autospeech run`) and the scorer (`python -m scoring`)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from stopping import DUMMY_MODELS

from ingestion import safe_files
from ingestion.ingestion import run_ingestion
from ingestion.records import read_end_record, read_start_record
from ingestion.safe_files import remove_entry, write_atomically

REPOSITORY = Path(__file__).resolve().parent.parent
OUTPUTS = ["detailed_results.html", "end.txt", "learning_curve.png", "scores.txt", "start.txt"]

# Round 2 of 3 (no sandbox): links replace prediction 0 and start.txt (to files outside), dangling links wait at
# the names of prediction 1 and the report, folders at prediction 2, end.txt, its old temporary name and two score
# files.
PLANTER = '''
import os
from pathlib import Path
import numpy as np

OUT, OUTSIDE = Path({out!r}), Path({outside!r})


class Model:
    def __init__(self, metadata):
        self.round, self.done_training = 0, False

    def train(self, dataset, remaining_time_budget=None):
        self.round += 1
        self.priors = np.asarray(dataset[1], dtype=float).mean(axis=0)
        if self.round == 2:
            for name, target in [("tiny.predict_0", "victim"), ("start.txt", "start_victim"),
                                 ("tiny.predict_1", "prediction_1"), ("detailed_results.html", "details")]:
                (OUT / name).unlink(missing_ok=True)
                os.symlink(OUTSIDE / target, OUT / name)
            for name in ("tiny.predict_2", "end.txt", "end.txt.tmp", "scores.txt", "learning_curve.png"):
                os.makedirs(OUT / name / "inside")

    def test(self, x_list, remaining_time_budget=None):
        self.done_training = self.round == 3
        return np.tile(self.priors, (len(x_list), 1))
'''


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the output folder holding user data: ``victim``, ``start_victim`` and ``folder/kept``."""
    folder = tmp_path / "outside"
    (folder / "folder").mkdir(parents=True)
    for name in ("victim", "start_victim", "folder/kept"):
        (folder / name).write_text("IMPORTANT USER DATA\n")
    return folder


def assert_untouched(outside: Path) -> None:
    """Only the user's data is outside, unchanged: nothing was written through a link."""
    assert sorted(str(path.relative_to(outside)) for path in outside.rglob("*")) == [
        "folder", "folder/kept", "start_victim", "victim"]
    for name in ("victim", "start_victim", "folder/kept"):
        assert (outside / name).read_text() == "IMPORTANT USER DATA\n"


def regular_files(folder: Path) -> list[str]:
    """The names in ``folder``; each must be a regular file itself, not a link or a folder."""
    assert all(stat.S_ISREG(os.lstat(path).st_mode) for path in folder.iterdir())
    return sorted(path.name for path in folder.iterdir())


def autospeech_run(dataset: Path, code_dir: Path, output: Path, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autospeech", "run", "--dataset", str(dataset), "--code-dir", str(code_dir),
               "--output", str(output), "--time-budget", "60", *options]
    return subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)


def test_entries_planted_before_a_run_are_cleared_whatever_they_are(tiny_dataset, tmp_path, outside):
    out = tmp_path / "out"
    for name in ("end.txt.tmp", "scores.txt"):
        (out / name / "inside").mkdir(parents=True)
    for name, target in [("tiny.predict_0", "prediction_0"), ("start.txt.tmp", "start"), ("end.txt", "victim"),
                         ("learning_curve.png", "folder")]:
        os.symlink(outside / target, out / name)
    (out / "notes.md").write_text("not an output: kept")
    done = autospeech_run(tiny_dataset, DUMMY_MODELS / "class_prior", out)
    assert done.returncode == 0, done.stderr[-2000:]
    assert regular_files(out) == sorted([*OUTPUTS, "notes.md", "tiny.predict_0"])
    assert read_end_record(out).ingestion_success
    assert_untouched(outside)


@pytest.mark.parametrize("model_py", [None, "raise RuntimeError('broken')\n"])
def test_a_run_refused_before_it_starts_keeps_the_earlier_runs_outputs(tiny_dataset, tmp_path, model_py):
    out, code_dir = tmp_path / "out", tmp_path / "code"
    assert autospeech_run(tiny_dataset, DUMMY_MODELS / "class_prior", out).returncode == 0
    earlier = {path.name: path.read_bytes() for path in out.iterdir()}
    code_dir.mkdir()
    if model_py is not None:
        (code_dir / "model.py").write_text(model_py)
    done = autospeech_run(tiny_dataset, code_dir, out)
    assert done.returncode == 2 and done.stderr.splitlines()[-1].startswith("autospeech: error: "), done.stderr
    assert {path.name: path.read_bytes() for path in out.iterdir()} == earlier


def test_entries_planted_during_a_run_are_never_written_through(tiny_dataset, tmp_path, outside):
    out, code_dir = tmp_path / "out", tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "model.py").write_text(PLANTER.format(out=str(out), outside=str(outside)))
    done = autospeech_run(tiny_dataset, code_dir, out, "--no-sandbox")
    assert done.returncode == 0, done.stderr[-2000:]
    assert regular_files(out) == sorted([*OUTPUTS, "tiny.predict_0", "tiny.predict_1", "tiny.predict_2"])
    assert sorted(read_start_record(out).prediction_times) == [0, 1, 2] and read_end_record(out).ingestion_success
    np.testing.assert_allclose(np.loadtxt(out / "tiny.predict_0"), np.full((6, 3), 1 / 3))  # restored
    assert (out / "scores.txt").read_text().startswith("score: 0.000000\n")
    assert_untouched(outside)


def test_the_scorer_replaces_links_and_never_writes_through_them(tiny_dataset, tmp_path, outside):
    out = tmp_path / "out"
    assert run_ingestion(tiny_dataset, DUMMY_MODELS / "class_prior", out).success
    for name, target in [("scores.txt", "victim"), ("learning_curve.png", "curve"),
                         ("detailed_results.html", "folder")]:
        os.symlink(outside / target, out / name)
    command = [sys.executable, "-m", "scoring", "--predictions", str(out), "--solution",
               str(tiny_dataset / "tiny.solution")]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert regular_files(out) == sorted([*OUTPUTS, "tiny.predict_0"])
    assert (out / "scores.txt").read_text().startswith("score: 0.000000\n")
    assert_untouched(outside)


def test_a_link_planted_at_the_temporary_name_is_not_followed(tmp_path, outside, monkeypatch):
    names = iter(["0badc0de", "600dc0de"])
    monkeypatch.setattr(safe_files.secrets, "token_hex", lambda size: next(names))
    os.symlink(outside / "victim", tmp_path / "scores.txt.0badc0de.tmp")
    write_atomically(tmp_path / "scores.txt", "score: 1\n")
    assert (tmp_path / "scores.txt").read_text() == "score: 1\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["outside", "scores.txt", "scores.txt.0badc0de.tmp"]
    assert_untouched(outside)


def test_removing_a_folder_or_a_link_leaves_what_links_lead_to(tmp_path, outside):
    (tmp_path / "planted").mkdir()
    os.symlink(outside / "folder", tmp_path / "planted" / "link")
    os.symlink(outside / "folder", tmp_path / "folder_link")
    remove_entry(tmp_path / "planted")
    remove_entry(tmp_path / "folder_link")
    remove_entry(tmp_path / "never_there")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["outside"]
    assert_untouched(outside)
