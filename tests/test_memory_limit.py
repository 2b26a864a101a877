"""The submission's memory limit: measuring a real process tree, and what the machine or its cgroup can give."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autospeech.cli import main
from ingestion.command import MAX_GIB
from ingestion.memory_limit import MemoryLimitExceeded, MemoryWatch, available_memory, tree_memory
from ingestion.watch import GIB, WATCH_SECONDS, WATCH_SHARE, distinct_gib
from stopping import leading_a_group

CLASS_PRIOR = Path(__file__).resolve().parent / "dummy_models" / "class_prior"  # quick, should an option pass

# A parent that starts a child holding 256 MiB (written, so resident), says so when it is, then waits.
HOLDER = ("import subprocess, sys\n"
          "child = subprocess.Popen([sys.executable, '-c', 'import numpy, sys, time; held = numpy.ones(256 << 20, "
          "numpy.uint8); print(flush=True); time.sleep(600)'], stdout=subprocess.PIPE, start_new_session=True)\n"
          "child.stdout.readline()\n"
          "print(child.pid, flush=True)\n"
          "child.wait()\n")


def test_a_tree_holding_memory_is_measured_with_its_descendants_and_stopped_by_the_watch():
    with leading_a_group(HOLDER) as (parent, line):
        child = int(line)
        assert tree_memory(child) >= 256 << 20
        assert tree_memory(parent.pid) >= tree_memory(child) + (1 << 20)  # the parent's interpreter too
        MemoryWatch(parent.pid, 1 * GIB).check()  # within the limit: nothing happens
        with pytest.raises(MemoryLimitExceeded, match=r"used 0\.[23]\d GiB of memory, more than the limit of "
                                                      r"0\.20 GiB, and was killed"):
            MemoryWatch(parent.pid, int(0.2 * GIB)).check()
    assert tree_memory(parent.pid) == 0 and tree_memory(child) == 0  # killed with its parent's group


@pytest.mark.parametrize("used, limit, shown", [
    (int(0.7 * GIB), GIB // 2, ("0.70", "0.50")),
    (GIB // 2 + (3 << 20), GIB // 2, ("0.503", "0.500")),  # 3 MiB past: two decimals would read 0.50 and 0.50
    (GIB // 2 + 4096, GIB // 2, ("0.500004", "0.500000")),  # one page past
])
def test_the_message_tells_the_memory_used_from_the_limit(used, limit, shown):
    assert distinct_gib(used, limit) == shown
    assert str(MemoryLimitExceeded(used, limit)) == (f"used {shown[0]} GiB of memory, more than the limit of "
                                                     f"{shown[1]} GiB, and was killed")


class SlowScan:
    """A clock (``now``) and a measurement that takes ``seconds`` of it, counting its calls."""

    def __init__(self, seconds: float) -> None:
        self.now, self.seconds, self.calls = 0.0, seconds, 0

    def measure(self, root: int) -> int:
        self.calls += 1
        self.now += self.seconds
        return 0


@pytest.mark.parametrize("scan_seconds, interval", [(0.001, WATCH_SECONDS), (0.1, 0.1 / WATCH_SHARE)])
def test_measurements_are_spaced_so_that_they_take_a_small_share_of_the_time(scan_seconds, interval):
    scan = SlowScan(scan_seconds)
    watch = MemoryWatch(1, GIB, clock=lambda: scan.now, measure=scan.measure)
    while scan.now < 100 * interval:
        watch.check()
        scan.now += 0.01
    assert scan.calls == pytest.approx(100, abs=1)  # one measurement per interval, counted from its start


def write_files(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


MEMINFO = "MemTotal:       24683520 kB\nMemFree:        22000000 kB\nMemAvailable:   20000000 kB\n"


@pytest.mark.parametrize("cgroup_files, expected", [
    ({}, 20000000 * 1024),  # no cgroup files: the machine's MemAvailable
    ({"memory.max": "max\n", "memory.current": "123\n"}, 20000000 * 1024),  # v2 without a limit
    ({"memory.max": "4294967296\n", "memory.current": "1073741824\n"}, 3 * GIB),  # v2: limit less usage
    ({"memory/memory.limit_in_bytes": "2147483648\n", "memory/memory.usage_in_bytes": "536870912\n"},
     int(1.5 * GIB)),  # v1
    ({"memory.max": "1000\n", "memory.current": "5000\n"}, 0),  # over its limit already
])
def test_available_memory_is_the_machines_or_the_cgroups(tmp_path, cgroup_files, expected):
    meminfo = write_files(tmp_path, {"meminfo": MEMINFO}) / "meminfo"
    cgroup = write_files(tmp_path / "cgroup", cgroup_files) if cgroup_files else tmp_path / "none"
    assert available_memory(meminfo, cgroup) == expected


def test_this_machine_has_memory_available():
    assert 0 < available_memory() <= int(Path("/proc/meminfo").read_text().split()[1]) * 1024


@pytest.mark.parametrize("option", ["--memory-limit", "--disk-reserve"])
@pytest.mark.parametrize("value, problem", [(text, f"must be a positive number of GiB, at most {MAX_GIB} (a "
                                                   f"pebibyte), got {text}")
                                            for text in ("0", "-1", "inf", "nan", "1e300", str(MAX_GIB + 1),
                                                         "lots")])
def test_a_limit_that_is_not_a_positive_number_is_refused(tiny_dataset, tmp_path, option, value, problem):
    """Refused by the argument parser, before the output folder is touched: an earlier run's files stay."""
    earlier = earlier_output(tmp_path / "out")
    done = subprocess.run([sys.executable, "-m", "ingestion", "--dataset", str(tiny_dataset), "--code-dir",
                           str(CLASS_PRIOR), "--output", str(earlier.parent), option, value],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].endswith(f"argument {option}: {problem}")
    assert [path.name for path in earlier.parent.iterdir()] == [earlier.name]


@pytest.mark.parametrize("option", ["--memory-limit", "--disk-reserve"])
def test_autospeech_run_refuses_a_limit_too_large_to_convert_before_the_output_is_touched(tiny_dataset, tmp_path,
                                                                                          capsys, option):
    earlier = earlier_output(tmp_path / "out")
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--dataset", str(tiny_dataset), "--code-dir", str(CLASS_PRIOR), "--output", str(earlier.parent),
              option, "1e300"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(f"argument {option}: must be a positive number of "
                                                             f"GiB, at most {MAX_GIB} (a pebibyte), got 1e300")
    assert [path.name for path in earlier.parent.iterdir()] == [earlier.name]


def earlier_output(folder: Path) -> Path:
    """An earlier run's prediction in ``folder`` (created), which a refused option must leave."""
    folder.mkdir()
    earlier = folder / "tiny.predict_0"
    earlier.write_text("an earlier run's prediction\n")
    return earlier
    assert not (tmp_path / "out").exists()
