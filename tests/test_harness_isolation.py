"""Hostile and careless submissions (tests/hostile_models/) through the real harness: the child process, the
sandbox where bubblewrap works (the plain child process where asked with sandbox=False), the budget's watchdog,
the exit paths, and the output folder's lock and clean-up."""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import REPOSITORY, make_tiny_dataset, run_arguments

from autospeech import run as run_local
from ingestion.child_bootstrap import LENGTH, Channel, ProtocolError, receive, send
from ingestion.disk_reserve import free_space
from ingestion.ingestion import run_ingestion
from ingestion.outputs import SCORE_FILES, OutputBusyError, claim_output
from ingestion.records import read_end_record, read_start_record
from ingestion.sandbox import ENVIRONMENT_NAMES, ENVIRONMENT_PREFIXES, sandbox_works
from ingestion.submission import DeadlineChannel, IngestionError, ReplyTimeout
from ingestion.timing import GRACE_SECONDS, Budget, TimeoutException
from ingestion.watch import GIB
from scoring.score import CURVE_FILE, DETAILS_FILE, SCORES_FILE, score_predictions

HOSTILE = Path(__file__).resolve().parent / "hostile_models"
BUDGET = 1.0  # seconds, for the submissions that must be stopped
SLACK = 6.0  # seconds a stopped run may take beyond budget + grace (starting Python and numpy, a busy machine)
needs_sandbox = pytest.mark.skipif(not sandbox_works(), reason="bubblewrap cannot create namespaces here "
                                                                  "(.ci/run installs it)")
BOTH_MODES = [pytest.param(True, marks=needs_sandbox, id="sandbox"), pytest.param(False, id="plain")]


def hostile(tmp_path: Path, name: str, **files: str) -> Path:
    """A code folder ``tmp_path/code``: a copy of ``tests/hostile_models/NAME``, the base class module beside its
    model.py, and extra ``files`` (file name -> text)."""
    code_dir = tmp_path / "code"
    shutil.copytree(HOSTILE / name, code_dir)
    shutil.copy(HOSTILE / "prior_rounds.py", code_dir)
    for file_name, text in files.items():
        (code_dir / file_name).write_text(text)
    return code_dir


def processes_running(marker: str) -> list[int]:
    """Process ids whose command line holds ``marker`` (as one argument)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def assert_stopped_at_the_budget(result, started: float) -> None:
    assert result.timed_out and not result.success
    assert result.error.startswith(f"model in {result.output_dir.parent / 'code'} exceeded the time budget of "
                                   f"{BUDGET:g} s (killed {GRACE_SECONDS:g} s after the budget ran out)")
    assert time.monotonic() - started < BUDGET + GRACE_SECONDS + SLACK
    assert len(result.prediction_times) == 1 and result.prediction_times[0] < BUDGET
    end = read_end_record(result.output_dir)
    assert not end.ingestion_success and end.error == result.error


@pytest.mark.parametrize("inside_code_dir", [False, True], ids=["dataset_apart", "dataset_inside_code_dir"])
@needs_sandbox
def test_label_thief_scores_as_a_guess_in_the_sandbox(tmp_path, inside_code_dir):
    # Inside the code folder (visible to the model) the dataset and output folders are covered by empty ones.
    code_dir = hostile(tmp_path, "label_thief")
    root = code_dir / "inside" if inside_code_dir else tmp_path
    dataset = make_tiny_dataset(root)
    result = run_ingestion(dataset, code_dir, root / "out", time_budget=60)
    assert result.success and result.sandboxed
    prediction = np.loadtxt(result.prediction_paths[0])
    np.testing.assert_allclose(prediction, np.full((6, 3), 1 / 3))  # the class frequencies: no labels found
    assert score_predictions(root / "out", dataset / "tiny.solution").alc == pytest.approx(0.0)


def test_label_thief_finds_the_labels_without_the_sandbox(tiny_dataset, tmp_path, caplog):
    # The control: the thief works, so the sandbox is what stops it; the plain child says so in one warning.
    caplog.set_level("INFO")
    result = run_ingestion(tiny_dataset, hostile(tmp_path, "label_thief"), tmp_path / "out", time_budget=60,
                           sandbox=False)
    assert result.success and not result.sandboxed
    assert score_predictions(tmp_path / "out", tiny_dataset / "tiny.solution").alc > 0.5
    warnings = [record.message for record in caplog.records if record.levelname == "WARNING"]
    assert warnings == ["no sandbox (--no-sandbox was given): the submission runs as a plain child process and can "
                        "read the filesystem, the test solution included"]


@pytest.mark.parametrize("sandbox", BOTH_MODES)
def test_a_rewritten_prediction_is_restored_before_it_counts(make_dataset, tmp_path, caplog, sandbox):
    dataset = make_dataset(name="rewritten")
    result = run_ingestion(dataset, hostile(tmp_path, "prediction_rewriter"), tmp_path / "out", time_budget=60,
                           sandbox=sandbox)
    assert result.success and len(result.prediction_times) == 2
    np.testing.assert_allclose(np.loadtxt(result.prediction_paths[0]), np.full((6, 3), 1 / 3))
    restored = [record.message for record in caplog.records if "restored" in record.message]
    # Without the sandbox the model reached the file (and the harness put it back); in the sandbox it could not.
    assert restored == ([] if sandbox else [f"restored 1 prediction file(s) changed during the run and removed 0 "
                                            f"file(s) it did not write in {tmp_path / 'out'}"])


@needs_sandbox
def test_the_sandbox_cannot_be_remounted_writable(tiny_dataset, tmp_path):
    code_dir = hostile(tmp_path, "remounter")
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=60)
    assert result.success and result.sandboxed
    assert not (code_dir / "written_by_the_model").exists()


def test_patching_the_harness_from_the_model_changes_nothing(tiny_dataset, tmp_path):
    # Without the sandbox the model can import this very harness (its path is handed to it) and patch the clock
    # and the records: in its own process only.
    code_dir = hostile(tmp_path, "harness_patcher", **{"harness_path.txt": str(REPOSITORY)})
    started = time.monotonic()
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=BUDGET, sandbox=False)
    assert_stopped_at_the_budget(result, started)
    assert read_start_record(tmp_path / "out").prediction_times == pytest.approx({0: result.prediction_times[0]},
                                                                                abs=1e-5)


@pytest.mark.parametrize("sandbox", BOTH_MODES)
def test_a_model_ignoring_signals_is_killed_with_its_children(tiny_dataset, tmp_path, sandbox):
    markers = [f"{1000 + random.random():.9f}" for _ in range(2)]
    children = [["sleep", markers[0]]]
    if sandbox:  # a program in a session of its own escapes a process group: only the sandbox ends it
        children.append(["setsid", "sleep", markers[1]])
    code_dir = hostile(tmp_path, "ignores_alarm", **{"children.json": json.dumps(children)})
    seen: set[str] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.update(marker for marker in markers if processes_running(marker))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    try:
        result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=BUDGET, sandbox=sandbox)
    finally:
        stop.set()
        watcher.join()
    assert_stopped_at_the_budget(result, started)
    assert seen == {marker for _, *argv in children for marker in argv if marker in markers}  # they did run
    assert not any(processes_running(marker) for marker in markers)


def test_a_model_swallowing_every_exception_is_killed(tiny_dataset, tmp_path):
    started = time.monotonic()
    result = run_ingestion(tiny_dataset, hostile(tmp_path, "swallows_everything"), tmp_path / "out",
                           time_budget=BUDGET)
    assert_stopped_at_the_budget(result, started)


def test_an_instant_predictor_that_never_finishes_stops_at_the_budget(tiny_dataset, tmp_path):
    started = time.monotonic()
    result = run_ingestion(tiny_dataset, hostile(tmp_path, "never_done"), tmp_path / "out", time_budget=BUDGET)
    assert result.timed_out and time.monotonic() - started < BUDGET + GRACE_SECONDS + SLACK
    times = read_start_record(tmp_path / "out").prediction_times  # the reader checks they strictly increase
    assert len(times) == len(result.prediction_times) > 1
    assert len(list((tmp_path / "out").glob("tiny.predict_*"))) == len(times)
    assert all(seconds < BUDGET + 0.5 for seconds in times.values())


def test_work_hidden_in_done_training_and_array_conversion_is_charged(tiny_dataset, tmp_path):
    result = run_ingestion(tiny_dataset, hostile(tmp_path, "hidden_work"), tmp_path / "out", time_budget=60)
    assert result.success and len(result.prediction_times) == 1
    assert result.prediction_times[0] >= 1.0  # two sleeps of 0.5 s: in __array__ and in done_training


@pytest.mark.parametrize("mode, sandbox, reason", [
    ("sys_exit", True, r"called sys\.exit\(3\) \(at .*/code/model\.py:\d+ in misbehave\)"),
    ("os_exit", True, r"ended without replying \(exit status 3\)"),
    ("segfault", True, r"ended without replying \(killed by signal SIGSEGV\)"),
    ("segfault", False, r"ended without replying \(killed by signal SIGSEGV\)"),
    ("sigkill", True, r"ended without replying \(killed by signal SIGKILL\)"),
])
def test_a_model_that_quits_ends_the_run_with_the_reason(tiny_dataset, tmp_path, mode, sandbox, reason):
    if sandbox and not sandbox_works():
        pytest.skip("bubblewrap cannot create namespaces here")
    code_dir = hostile(tmp_path, "quits", **{"mode.txt": mode})
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=60, sandbox=sandbox)
    assert not result.success and not result.timed_out
    assert re.fullmatch(f"model in {re.escape(str(code_dir))} {reason}", result.error), result.error
    assert read_end_record(tmp_path / "out").error == result.error
    assert len(result.prediction_times) == 1  # the first round's prediction is kept and scored
    assert len(score_predictions(tmp_path / "out", tiny_dataset / "tiny.solution").predictions) == 1


@pytest.mark.parametrize("mode, sandbox", [("self", True), ("child", True), ("child", False)])
def test_a_model_past_its_memory_limit_is_killed_and_its_predictions_kept(tiny_dataset, tmp_path, mode, sandbox):
    if sandbox and not sandbox_works():
        pytest.skip("bubblewrap cannot create namespaces here")
    code_dir = hostile(tmp_path, "memory_hog", **{"mode.txt": mode})
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=300, sandbox=sandbox,
                           memory_limit=0.5)
    assert not result.success and not result.timed_out
    used = re.fullmatch(rf"model in {re.escape(str(code_dir))} used (\d+\.\d\d+) GiB of memory, more than the "
                        r"limit of 0\.50+ GiB, and was killed", result.error)
    assert used and 0.5 < float(used[1]) < 4, result.error  # killed long before it held all it asked for
    assert read_end_record(tmp_path / "out").error == result.error
    assert len(result.prediction_times) == 1  # the first round's prediction is kept and scored
    assert processes_running("memory-hog-child") == []  # outside the sandbox too, though in a session of its own


def test_a_model_filling_the_disk_is_killed_before_the_records_have_no_room(tiny_dataset, tmp_path):
    scratch_root = Path(tempfile.gettempdir())
    if os.stat(scratch_root).st_dev != os.stat(tmp_path).st_dev or free_space(tmp_path) < 2 * GIB:
        pytest.skip("needs the scratch folders and the outputs on one filesystem with 2 GiB free")
    code_dir = hostile(tmp_path, "disk_filler")
    reserve = free_space(tmp_path) - 256 * 2**20  # the model may write about 256 MiB more
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=300, disk_reserve=reserve / GIB)
    assert not result.success and not result.timed_out
    shown = re.fullmatch(rf"model in {re.escape(str(code_dir))} filled the disk: (\d+\.\d\d+) GiB left free on "
                         rf"the filesystem of {re.escape(str(scratch_root))}/submission-\w+, less than the "
                         rf"(\d+\.\d\d+) GiB the harness keeps for its records, and was killed", result.error)
    assert shown, result.error
    free_shown, reserve_shown = shown.groups()
    decimals = len(reserve_shown.split(".")[1])
    assert float(free_shown) < float(reserve_shown) and reserve_shown == f"{reserve / GIB:.{decimals}f}"
    assert read_end_record(tmp_path / "out").error == result.error
    assert len(result.prediction_times) == 1  # the first round's prediction is kept and scored
    assert free_space(tmp_path) > reserve  # the scratch folder and its files are gone


def test_the_model_is_the_oom_killers_first_choice(tiny_dataset, tmp_path):
    code_dir = hostile(tmp_path, "quits", **{"mode.txt": "os_exit"})
    (code_dir / "model.py").write_text("class Model:\n    def __init__(self, metadata):\n"
                                       "        raise RuntimeError(open('/proc/self/oom_score_adj').read())\n")
    with pytest.raises(IngestionError, match=r"raised RuntimeError: 1000 "):
        run_ingestion(tiny_dataset, code_dir, tmp_path / "out")


def test_autospeech_run_exits_non_zero_when_the_model_quits(tiny_dataset, tmp_path):
    code_dir = hostile(tmp_path, "quits", **{"mode.txt": "os_exit"})
    command = [sys.executable, "-m", "autospeech", "run", "--dataset", str(tiny_dataset), "--code-dir",
               str(code_dir), "--output", str(tmp_path / "out")]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[0] == (f"ALC 0.0000 on tiny with 1 prediction(s) (ingestion failed: model in "
                                           f"{code_dir} ended without replying (exit status 3))")
    assert (tmp_path / "out" / SCORES_FILE).exists()


def test_setup_has_its_own_limit(tiny_dataset, tmp_path):
    code_dir = hostile(tmp_path, "quits", **{"mode.txt": "hang_in_init"})
    started = time.monotonic()
    with pytest.raises(IngestionError, match=re.escape(f"model in {code_dir} took more than the setup limit of 1 s "
                                                       f"to import model.py, build Model(metadata) and take the "
                                                       f"data")):
        run_ingestion(tiny_dataset, code_dir, tmp_path / "out", setup_limit=1)
    assert time.monotonic() - started < 1 + SLACK
    assert list((tmp_path / "out").iterdir()) == []  # the run never started: no records


@pytest.mark.parametrize("sandbox", BOTH_MODES)
def test_the_model_sees_only_its_code_folder_and_a_scratch_folder(tiny_dataset, tmp_path, sandbox):
    forbidden = [str(tiny_dataset), str(tmp_path / "out"), str(REPOSITORY / "ingestion")]
    code_dir = hostile(tmp_path, "probe", **{"forbidden.json": json.dumps(forbidden)})
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=60, sandbox=sandbox)
    view = json.loads(re.search(r"raised RuntimeError: VIEW (\{.*\}) \(at ", result.error).group(1))
    assert view["argv"] == ["-c"] and view["mentioned"] == []
    assert view["project_paths"] == [str(code_dir)] and view["project_modules"] == []
    assert view["cwd_entries"] == [] and view["home"] == view["cwd"] and view["stdin"] == ""
    passed = {"HOME", "TMPDIR", "PWD", *ENVIRONMENT_NAMES}  # bubblewrap sets PWD (the scratch folder)
    assert [name for name in view["environment"] if name not in passed and not name.startswith(ENVIRONMENT_PREFIXES)
            ] == []
    assert not Path(view["cwd"]).exists()  # the scratch folder is removed after the run
    assert view["existing"] == ([] if sandbox else forbidden)  # without the sandbox it can read everything


@pytest.mark.parametrize("sandbox", BOTH_MODES)
def test_the_child_imports_from_the_virtual_environment_of_the_harness(tiny_dataset, tmp_path, sandbox):
    """The child skips .pth hooks (-S) and gets the harness's site-packages folders instead: run from a virtual
    environment that borrows the base installation's packages (numpy), the model imports both a module installed
    only in the environment and numpy from the base."""
    environment = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(environment)],
                   check=True)
    own_packages = next(environment.glob("lib/python*/site-packages"))
    (own_packages / "venv_only_module.py").write_text("MARK = 'from the environment'\n")
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    prior = (REPOSITORY / "tests" / "dummy_models" / "class_prior" / "model.py").read_text()
    (code_dir / "model.py").write_text("import venv_only_module\n" + prior)
    command = [str(environment / "bin" / "python"), "-m", "ingestion", "--dataset", str(tiny_dataset),
               "--code-dir", str(code_dir), "--output", str(tmp_path / "out"), "--time-budget", "60",
               *([] if sandbox else ["--no-sandbox"])]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert read_end_record(tmp_path / "out").ingestion_success


def test_prints_of_the_model_do_not_corrupt_the_channel(tiny_dataset, tmp_path, capfd):
    result = run_ingestion(tiny_dataset, hostile(tmp_path, "noisy"), tmp_path / "out", time_budget=60)
    assert result.success and len(result.prediction_times) == 1
    assert "noisy model: test" in capfd.readouterr().err  # the model's stdout goes to the harness's stderr


def test_junk_on_the_reply_channel_is_a_protocol_error(tiny_dataset, tmp_path):
    code_dir = hostile(tmp_path, "protocol_breaker")
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=60)
    assert not result.success and len(result.prediction_times) == 1
    assert result.error.startswith(f"model in {code_dir} broke the harness protocol: a message header of ")


@pytest.mark.parametrize("mode, problem", [
    ("nested", "a message header that is not JSON: maximum recursion depth exceeded"),
    ("zero_width", "a prediction reply holds 1 arrays, not one of float64 (|S0)")])
def test_a_forged_reply_that_would_exhaust_the_harness_is_a_protocol_error(tiny_dataset, tmp_path, mode, problem):
    code_dir = hostile(tmp_path, "reply_forger", **{"mode.txt": mode})
    result = run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=60)
    assert not result.success and len(result.prediction_times) == 1
    assert result.error.startswith(f"model in {code_dir} broke the harness protocol: {problem}")
    assert read_end_record(tmp_path / "out").error == result.error


@pytest.mark.parametrize("sandbox", BOTH_MODES)
def test_the_models_uncharged_construction_cannot_reach_the_data(tiny_dataset, tmp_path, sandbox):
    # The clips are sent only after Model(metadata) is built: no frame of the child's stack holds them then.
    result = run_ingestion(tiny_dataset, hostile(tmp_path, "data_seeker"), tmp_path / "out", time_budget=60,
                           sandbox=sandbox)
    assert result.success, result.error
    assert len(result.prediction_times) == 1


@pytest.mark.parametrize("folder", ["dataset", "output"])
def test_a_code_folder_that_is_the_dataset_or_the_output_folder_is_refused(tiny_dataset, tmp_path, folder):
    code_dir = tiny_dataset if folder == "dataset" else tmp_path / "out"
    shutil.copytree(hostile(tmp_path, "label_thief"), code_dir, dirs_exist_ok=True)
    with pytest.raises(IngestionError, match=f"^the code folder {re.escape(str(code_dir))} is also the "
                                             f"dataset's or the output folder"):
        run_ingestion(tiny_dataset, code_dir, tmp_path / "out", time_budget=60)


def test_a_second_run_into_a_locked_output_folder_is_refused(tiny_dataset, tmp_path):
    output, code_dir = tmp_path / "out", hostile(tmp_path, "never_done")
    command = [sys.executable, "-m", "ingestion", "--dataset", str(tiny_dataset), "--code-dir", str(code_dir),
               "--output", str(output)]
    with claim_output(output):
        (output / "start.txt").write_text("the running run's record\n")
        done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
        with pytest.raises(OutputBusyError):
            run_ingestion(tiny_dataset, code_dir, output)
    assert done.returncode == 2
    assert done.stderr == (f"python -m ingestion: error: output folder {output} is in use by another run; wait for "
                           f"it to end or choose another output folder\n")
    assert (output / "start.txt").read_text() == "the running run's record\n"  # untouched


def test_run_refuses_two_datasets_of_one_name_before_running_any(make_dataset, tmp_path):
    first = make_dataset(name="tiny")
    second = shutil.copytree(first, tmp_path / "elsewhere" / "tiny")
    args = run_arguments("--dataset", first, second, "--code-dir", hostile(tmp_path, "never_done"), "--output",
                         tmp_path / "runs", "--setup-limit", "60")
    with pytest.raises(ValueError, match="several datasets are named tiny; their outputs would collide"):
        run_local.main(args)
    assert not (tmp_path / "runs").exists()


def test_the_harness_clears_exactly_the_files_scoring_writes():
    # ingestion sits below scoring and cannot import its names; this keeps the two lists one.
    assert sorted(SCORE_FILES) == sorted([SCORES_FILE, CURVE_FILE, DETAILS_FILE])


def test_budget_charges_the_wall_time_since_its_start():
    now = [100.0]
    budget = Budget(10, clock=lambda: now[0])
    assert budget.elapsed == 0 and budget.check() == 10  # nothing is charged before the start (the setup)
    budget.start()
    now[0] = 107.5
    assert budget.elapsed == 7.5 and budget.remaining == 2.5 and budget.check() == 2.5
    now[0] = 110.0
    with pytest.raises(TimeoutException, match="charged 10.0 s"):
        budget.check()


def test_the_harness_end_of_the_channel_has_a_deadline_and_a_size_limit():
    read_fd, write_fd = os.pipe()
    reader, writer = DeadlineChannel(read_fd, write_fd), Channel(read_fd, write_fd)
    reader.deadline = time.monotonic() + 0.2
    with pytest.raises(ReplyTimeout):
        receive(reader)  # nothing was sent
    send(writer, "predicted", {"done_training": True}, (np.zeros((100, 10)),))
    reader.deadline, reader.limit = time.monotonic() + 5, 1000
    with pytest.raises(ProtocolError, match="larger than the harness allows"):
        receive(reader)
    os.close(read_fd)
    os.close(write_fd)


def test_messages_carry_arrays_but_never_pickles():
    read_fd, write_fd = os.pipe()
    channel = Channel(read_fd, write_fd)
    send(channel, "setup", {"metadata": {"class_num": 3}}, (np.arange(4.0), np.eye(2, dtype=np.int64)))
    header, arrays = receive(channel)
    assert header == {"metadata": {"class_num": 3}, "kind": "setup", "arrays": 2}
    np.testing.assert_array_equal(arrays[1], np.eye(2))
    pickled = io.BytesIO()
    np.save(pickled, np.array([print], dtype=object), allow_pickle=True)  # what a hostile child could send
    header = json.dumps({"kind": "predicted", "arrays": 1}).encode()
    channel.write(LENGTH.pack(len(header)) + header + pickled.getvalue())
    with pytest.raises(ProtocolError, match="Object arrays cannot be loaded when allow_pickle=False"):
        receive(channel)
    os.close(read_fd)
    os.close(write_fd)
