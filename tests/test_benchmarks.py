"""Benchmarks: the MFCC + logistic-regression baseline through the harness, the benchmark table, and the
comparison of two models over draws of the test clips."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPOSITORY, make_tiny_dataset
from stopping import child_processes, scripted_model, wait_for_first_prediction, wait_until_gone

from benchmarks.alc_bootstrap import compare, resampled_alc
from benchmarks.run import (
    BASELINES,
    MODELS,
    BenchmarkRow,
    RepeatedRow,
    benchmark,
    code_folder,
    comma_list,
    comparisons,
    format_table,
    main,
    positive_count,
    seed_list,
)
from benchmarks.variants import VARIANTS, config_changes
from ingestion.dataset import DatasetError, load_labels, solution_path
from ingestion.ingestion import IngestionResult, run_ingestion
from ingestion.records import StartRecord
from scoring.score import score_predictions


@pytest.fixture(scope="module")
def mfcc_logreg_run(tmp_path_factory) -> tuple[Path, IngestionResult]:
    """(dataset, result) of the baseline run through the harness once on a tiny dataset, without the sandbox as
    the benchmark runs it: inside, numba's cache is new each run and librosa compiles again (20 s on 2 cores)."""
    folder = tmp_path_factory.mktemp("mfcc_logreg")
    dataset = make_tiny_dataset(folder)
    return dataset, run_ingestion(dataset, BASELINES["mfcc_logreg"], folder / "out", sandbox=False)


def test_mfcc_logreg_baseline_through_the_harness(mfcc_logreg_run):
    dataset, result = mfcc_logreg_run
    assert result.success and len(result.prediction_times) == 2
    priors, probabilities = (np.loadtxt(path) for path in result.prediction_paths)
    np.testing.assert_allclose(priors, np.full((6, 3), 1 / 3))  # balanced classes: frequencies 1/3
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert np.ptp(probabilities, axis=0).min() > 0  # per-clip probabilities, not one row repeated
    scores = score_predictions(result.output_dir, solution_path(dataset))
    assert scores.predictions[0].score == pytest.approx(0.0)


def test_benchmark_table_from_a_real_run(make_dataset, tmp_path, capsys):
    make_dataset(name="tiny")
    args = argparse.Namespace(budget=60.0, datasets=["tiny"], models=["mfcc_logreg"], data_root=str(tmp_path),
                              output=str(tmp_path / "bench"), output_markdown=False,
                              repeats=1, seeds=None)
    assert main(args) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[:4] == ["dataset", "classes", "model", "ALC"]
    cells = row.split()
    assert cells[:3] == ["tiny", "3", "mfcc_logreg"] and cells[6] == "2" and cells[-1] == "ok"
    assert 0 < float(cells[7]) < 100_000  # peak RSS of the ingestion process, in MB
    assert (tmp_path / "bench" / "tiny" / "mfcc_logreg" / "detailed_results.html").exists()


def test_with_two_models_the_first_is_set_against_the_other_over_test_draws(make_dataset, tmp_path, capsys,
                                                                           monkeypatch):
    monkeypatch.setitem(BASELINES, "class_prior", REPOSITORY / "tests" / "dummy_models" / "class_prior")
    make_dataset(name="tiny")
    args = argparse.Namespace(budget=60.0, datasets=["tiny"], models=["mfcc_logreg", "class_prior"],
                              data_root=str(tmp_path), output=str(tmp_path / "bench"), output_markdown=True,
                              repeats=1, seeds=None)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "\nmfcc_logreg against the best other model, over draws of the test clips:\n\n" in out
    *_, header, rule, row = out.splitlines()
    assert header.startswith("| dataset | model | baseline | ALC difference |") and rule.startswith("| --- |")
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[:3] == ["tiny", "mfcc_logreg", "class_prior"]
    alc = {line.split("|")[3].strip(): float(line.split("|")[4]) for line in out.splitlines()[2:4]}
    assert float(cells[3]) == pytest.approx(alc["mfcc_logreg"] - alc["class_prior"], abs=2e-4)  # on all clips


def test_earlier_run_is_not_scored_and_datasets_are_checked_first(make_dataset, tmp_path):
    make_dataset(name="tiny")
    stale = tmp_path / "bench" / "tiny" / "mfcc_logreg"
    stale.mkdir(parents=True)
    (stale / "start.txt").write_text("task_name: tiny\ntime_budget: 60\nstart_time: 0\n0: 1.0\n")
    row = benchmark(tmp_path / "tiny", "mfcc_logreg", stale, 60.0)
    assert row.success and row.rounds == 2  # this run's two predictions, not the stale record's one
    args = argparse.Namespace(budget=60.0, datasets=["tiny", "absent"], models=["mfcc_logreg"],
                              data_root=str(tmp_path), output=str(tmp_path / "second"), output_markdown=False,
                              repeats=1, seeds=None)
    with pytest.raises(DatasetError, match="absent"):
        main(args)
    assert not (tmp_path / "second").exists()  # nothing ran before the missing dataset was found


def test_markdown_table():
    row = BenchmarkRow("data02", 7, "kon", 0.75, 0.8, 12.345, 9, 1500.4, True)
    assert format_table([row], markdown=True).splitlines() == [
        "| dataset | classes | model | ALC | final 2AUC-1 | first prediction (s) | rounds | peak RSS (MB) | ingestion |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        "| data02 | 7 | kon | 0.7500 | 0.8000 | 12.35 | 9 | 1500 | ok |"]


def test_repeated_runs_each_keep_their_files_and_the_table_gives_their_medians(make_dataset, tmp_path, capsys):
    make_dataset(name="tiny")
    args = argparse.Namespace(budget=60.0, datasets=["tiny"], models=["mfcc_logreg"], data_root=str(tmp_path),
                              output=str(tmp_path / "bench"), output_markdown=False, repeats=2, seeds=None)
    assert main(args) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[-4:] == ["ingestion", "runs", "ALC", "range"]
    cells = row.split()
    assert cells[:3] == ["tiny", "3", "mfcc_logreg"] and cells[-3:-1] == ["ok", "2"]
    low, high = map(float, cells[-1].split(".."))
    assert low <= float(cells[3]) <= high  # the median ALC lies in the runs' range
    for run in ("run1", "run2"):
        assert (tmp_path / "bench" / "tiny" / "mfcc_logreg" / run / "detailed_results.html").exists()


def test_repeated_row_medians_largest_memory_and_failures():
    runs = [BenchmarkRow("data02", 4, "kon", alc, final, first, rounds, rss, ok)
            for alc, final, first, rounds, rss, ok in [(0.5, None, 1.0, 3, 900.0, True),
                                                       (0.1, 0.2, 3.0, 8, 1200.0, False),
                                                       (0.3, 0.4, 2.0, 5, 1000.0, True)]]
    assert RepeatedRow(runs).cells() == ["data02", "4", "kon", "0.3000", "0.3000", "2.00", "5", "1200",
                                         "failed 1/3", "3", "0.1000..0.5000"]


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "two"])
def test_repeats_must_be_a_whole_number_of_at_least_one(text):
    with pytest.raises(argparse.ArgumentTypeError, match="whole number"):
        positive_count(text)


def test_unknown_model_variant_is_rejected():
    with pytest.raises(argparse.ArgumentTypeError, match="unknown foo"):
        comma_list(tuple(MODELS))("kon,foo")


@pytest.mark.parametrize("text, problem", [("", "give at least one name"), (",", "give at least one name"),
                                           ("kon,kon", "names must be distinct")])
def test_a_list_of_names_names_each_once(text, problem):
    with pytest.raises(argparse.ArgumentTypeError, match=problem):
        comma_list(tuple(MODELS))(text)


def test_an_output_that_is_a_file_is_refused_before_any_run(make_dataset, tmp_path):
    make_dataset(name="tiny")
    (tmp_path / "afile").write_text("kept\n")
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--models", "mfcc_logreg", "--datasets", "tiny",
                           "--data-root", str(tmp_path), "--output", str(tmp_path / "afile")],
                          cwd=REPOSITORY, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr == f"python -m benchmarks.run: error: --output {tmp_path / 'afile'} is not a folder\n"
    assert (tmp_path / "afile").read_text() == "kept\n"


def test_kons_code_folder_is_the_upload_and_a_baseline_keeps_its_own(tmp_path):
    folder = code_folder("kon", tmp_path)
    assert (folder / "model.py").read_text() == (REPOSITORY / "model.py").read_text()
    assert (folder / "autospeech_model" / "model.py").is_file() and (folder / "pretrained" / "data01.keras").is_file()
    assert code_folder("mfcc_logreg", tmp_path, seed=4) == BASELINES["mfcc_logreg"]


SHOW_CONFIG = """
import json, sys
sys.path.insert(0, sys.argv[1])
import model
from autospeech_model.config import ModelConfig
config = model.Model({"class_num": 3, "train_num": 12, "test_num": 6, "time_budget": 60}).config
print(json.dumps({"model": model.__file__, "same": config == ModelConfig.from_dict(json.loads(sys.argv[2]))}))
"""


def test_a_variants_code_folder_builds_the_model_with_its_config_and_seed(tmp_path):
    folder = code_folder("scratch", tmp_path, seed=3)
    expected = VARIANTS["scratch"].replace(seed=3).to_dict()
    done = subprocess.run([sys.executable, "-c", SHOW_CONFIG, str(folder), json.dumps(expected, default=str)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(report["model"]) == folder / "model.py" and report["same"]


def test_kon_plain_is_written_as_its_changes_from_the_defaults():
    assert VARIANTS["kon_plain"] == type(VARIANTS["kon"])(**config_changes(VARIANTS["kon_plain"]))
    assert config_changes(VARIANTS["kon"]) == {}


def test_a_config_a_model_py_cannot_spell_is_refused(tmp_path):
    with pytest.raises(ValueError, match="Python literals"):
        config_changes(VARIANTS["kon"].replace(pretrained_weights=tmp_path / "other.keras"))


@pytest.mark.parametrize("text", ["", "1,-2", "0,x", "1,1", "1.5", "4294967296"])
def test_seeds_must_be_distinct_whole_numbers(text):
    with pytest.raises(argparse.ArgumentTypeError, match="seeds must be"):
        seed_list(text)


def test_each_seed_keeps_its_files_and_the_table_gives_their_medians(make_dataset, tmp_path, capsys):
    make_dataset(name="tiny")
    args = argparse.Namespace(budget=60.0, datasets=["tiny"], models=["mfcc_logreg"], data_root=str(tmp_path),
                              output=str(tmp_path / "bench"), output_markdown=False, repeats=1, seeds=[0, 5])
    assert main(args) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[-4:] == ["ingestion", "runs", "ALC", "range"] and row.split()[-3:-1] == ["ok", "2"]
    for seed in ("seed0", "seed5"):
        assert (tmp_path / "bench" / "tiny" / "mfcc_logreg" / seed / "detailed_results.html").exists()


def test_a_terminated_benchmark_stops_its_ingestion_and_that_its_submission(tiny_dataset, tmp_path):
    code_dir, out = scripted_model(tmp_path, ["prior", "sleep"]), tmp_path / "out"  # sleeps in its 2nd train
    run = (f"ingest_in_subprocess(Path({str(tiny_dataset)!r}), Path({str(code_dir)!r}), Path({str(out)!r}), 600.0)")
    script = ("import sys; from pathlib import Path; from benchmarks.run import ingest_in_subprocess; "
              f"from ingestion.command import call_main; sys.exit(call_main(lambda _: {run}[0], None, 'bench'))")
    bench = subprocess.Popen([sys.executable, "-c", script], cwd=REPOSITORY, stderr=subprocess.PIPE, text=True)
    wait_for_first_prediction(bench, out)
    (ingestion,) = child_processes(bench.pid)
    (submission,) = child_processes(ingestion)
    bench.send_signal(signal.SIGTERM)
    _, stderr = bench.communicate(timeout=60)
    assert bench.returncode == 128 + signal.SIGTERM and "bench: terminated" in stderr
    wait_until_gone(ingestion, "the benchmark's ingestion")
    wait_until_gone(submission, "the ingestion's submission")
    assert "ingestion was terminated by SIGTERM" in (out / "end.txt").read_text()


def write_run(folder: Path, task: str, predictions: list[tuple[float, np.ndarray]], budget: float = 60.0) -> Path:
    """A prediction folder as ingestion leaves it: start.txt with each prediction's time, NAME.predict_K."""
    folder.mkdir(parents=True)
    StartRecord(task, budget, 0.0, {k: seconds for k, (seconds, _) in enumerate(predictions)}).write(folder)
    for k, (_, prediction) in enumerate(predictions):
        np.savetxt(folder / f"{task}.predict_{k}", prediction)
    return folder


def test_resampled_alc_with_every_clip_once_is_the_scorers_alc(mfcc_logreg_run, tmp_path):
    dataset, result = mfcc_logreg_run
    solution_file = solution_path(dataset)
    solution = load_labels(solution_file, None)
    alc = resampled_alc(result.output_dir, solution, solution_file, np.ones((1, len(solution))))
    assert alc[0] == pytest.approx(score_predictions(result.output_dir, solution_file).alc, abs=1e-12)


def test_resampled_alc_counts_a_clip_drawn_twice_twice(tmp_path):
    rng = np.random.default_rng(0)
    solution = np.eye(3)[rng.integers(0, 3, 30)]
    predictions = [(seconds, rng.random((30, 3))) for seconds in (2.0, 20.0)]
    np.savetxt(tmp_path / "one.solution", solution, fmt="%d")
    run = write_run(tmp_path / "run", "one", predictions)
    twice = [0] * 5 + list(range(30))  # clip 0 drawn six times
    np.savetxt(tmp_path / "twice.solution", solution[twice], fmt="%d")
    run_twice = write_run(tmp_path / "run_twice", "twice", [(s, p[twice]) for s, p in predictions])
    weights = np.ones((1, 30))
    weights[0, 0] = 6
    alc = resampled_alc(run, solution, tmp_path / "one.solution", weights)[0]
    assert alc == pytest.approx(score_predictions(run_twice, tmp_path / "twice.solution").alc, abs=1e-12)


def test_compare_says_how_sure_the_test_clips_are(tmp_path):
    rng = np.random.default_rng(1)
    solution = np.eye(4)[np.arange(40) % 4]
    solution_file = tmp_path / "task.solution"
    np.savetxt(solution_file, solution, fmt="%d")
    perfect = write_run(tmp_path / "perfect", "task", [(1.0, solution + 0.1 * rng.random((40, 4)))])
    noise = [write_run(tmp_path / f"noise{k}", "task", [(1.0, rng.random((40, 4)))]) for k in range(2)]
    difference, low, high, share = compare(solution_file, [perfect], [noise[0]], resamples=300)
    assert difference > 0.5 and 0 < low <= high and share == 1.0
    assert compare(solution_file, [noise[0]], [perfect], resamples=300)[3] == 0.0
    assert compare(solution_file, [noise[0]], [noise[0]], resamples=300) == (0.0, 0.0, 0.0, 1.0)
    difference, low, high, share = compare(solution_file, [noise[0]], [noise[1]], resamples=300)
    assert low < difference < high and low < 0 < high and 0.05 < share < 0.95  # two guesses: a coin toss


def test_compare_on_test_clips_that_cannot_be_scored_says_so(tmp_path):
    np.savetxt(tmp_path / "one.solution", [[1, 0]], fmt="%d")  # one clip: no class has positives and negatives
    run = write_run(tmp_path / "run", "one", [(1.0, np.array([[0.7, 0.3]]))])
    assert np.isnan(compare(tmp_path / "one.solution", [run], [run], resamples=10)).all()


def test_the_first_model_is_compared_with_the_best_other_by_median_alc(make_dataset, tmp_path):
    dataset = make_dataset(name="tiny")
    solution = load_labels(solution_path(dataset), None)
    rng = np.random.default_rng(2)

    def row(model: str, alc: float, prediction: np.ndarray | None) -> BenchmarkRow:
        folder = None if prediction is None else write_run(tmp_path / model / str(alc), "tiny",
                                                            [(1.0, prediction)])
        return BenchmarkRow("tiny", 3, model, alc, None, None, 1, 100.0, True, folder)

    rows = [row("kon", 0.5, solution), row("weak", 0.1, rng.random(solution.shape)),
            row("strong", 0.9, solution + 0.5 * rng.random(solution.shape)),
            row("strong", 0.8, solution + 0.5 * rng.random(solution.shape)), row("failed", 1.0, None)]
    (found,) = comparisons(rows, [dataset])
    assert (found.dataset, found.model, found.baseline) == ("tiny", "kon", "strong")
    assert found.cells()[:3] == ["tiny", "kon", "strong"] and found.share == 1.0
    assert comparisons(rows[:1] + rows[-1:], [dataset]) == []  # no other model made predictions
