"""The submission's scratch folder: removed at the end of its run, and by the next run when its harness was killed."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from conftest import REPOSITORY

from ingestion.scratch import remove_stale, scratch_folder

# A harness stand-in: takes a scratch folder under the given root, writes a file in it, says where, then waits.
HOLDER = ("import sys, time; from pathlib import Path; from ingestion.scratch import scratch_folder\n"
          "with scratch_folder(Path(sys.argv[1])) as folder:\n"
          "    (folder / 'written by the model').write_bytes(bytes(1 << 20))\n"
          "    print(folder, flush=True)\n"
          "    time.sleep(600)\n")


def holding(root: Path) -> tuple[subprocess.Popen, list[str]]:
    """A process holding a scratch folder under ``root``, and the names of that folder and its lock."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], cwd=REPOSITORY, stdout=subprocess.PIPE,
                               text=True)
    name = Path(process.stdout.readline().strip()).name
    return process, [name, f"{name}.lock"]


def names(root: Path) -> list[str]:
    return sorted(path.name for path in root.iterdir())


def test_a_folder_in_use_is_kept_and_removed_with_its_lock_at_the_end(tmp_path):
    with scratch_folder(tmp_path) as folder:
        (folder / "file").write_text("x")
        assert names(tmp_path) == [folder.name, f"{folder.name}.lock"]
        assert remove_stale(tmp_path) == 0 and (folder / "file").exists()  # locked by this process
    assert list(tmp_path.iterdir()) == []


def test_the_folder_of_a_killed_harness_is_removed_by_the_next_run_and_a_live_ones_is_not(tmp_path):
    killed, killed_names = holding(tmp_path)
    live, live_names = holding(tmp_path)
    try:
        killed.send_signal(signal.SIGKILL)  # no clean-up runs
        killed.wait()
        assert names(tmp_path) == sorted(killed_names + live_names)
        with scratch_folder(tmp_path) as new:
            assert names(tmp_path) == sorted([new.name, f"{new.name}.lock", *live_names])
    finally:
        live.kill()
        live.wait()
    assert remove_stale(tmp_path) == 1 and list(tmp_path.iterdir()) == []


def test_a_lock_that_is_a_link_removes_nothing(tmp_path):
    """A planted ``submission-X.lock`` link (to an unlocked file) is not a lock: its folder stays."""
    (tmp_path / "submission-planted").mkdir()
    (tmp_path / "submission-planted" / "kept").write_text("x")
    (tmp_path / "target").write_text("")
    (tmp_path / "submission-planted.lock").symlink_to(tmp_path / "target")
    assert remove_stale(tmp_path) == 0 and (tmp_path / "submission-planted" / "kept").exists()
