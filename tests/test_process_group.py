"""Killing the submission's process group: real processes, /proc as the kernel shows it."""

from __future__ import annotations

import os
import subprocess

from ingestion.process_group import kill_group, live_members, live_processes, process_tree
from stopping import leading_a_group

# A group leader that starts two grandchildren in its own group, says so, then waits.
LEADER = ("import subprocess, sys, time\n"
          "children = [subprocess.Popen(['sleep', '600']) for _ in range(2)]\n"
          "print(' '.join(str(child.pid) for child in children), flush=True)\n"
          "time.sleep(600)\n")


def test_live_members_are_the_group_until_killed_and_zombies_do_not_count():
    with leading_a_group(LEADER) as (leader, line):
        grandchildren = [int(pid) for pid in line.split()]
        assert sorted(live_members(leader.pid)) == sorted([leader.pid, *grandchildren])
        kill_group(leader.pid)
        assert live_members(leader.pid) == []  # at once: kill_group waited until they ended
        # The leader is a zombie now (not reaped yet), still in /proc, not alive.
        assert os.waitid(os.P_PID, leader.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def test_a_descendant_in_a_session_of_its_own_is_killed_with_the_group():
    with leading_a_group(LEADER.replace("['sleep', '600']", "['sleep', '600'], start_new_session=True")) as (
            leader, line):
        grandchildren = [int(pid) for pid in line.split()]
        assert live_members(leader.pid) == [leader.pid]  # they left the group
        assert sorted(process_tree(leader.pid)) == sorted([leader.pid, *grandchildren])
        kill_group(leader.pid)
        assert [pid for pid in grandchildren if pid in dict(live_processes())] == []


def test_killing_a_group_that_has_ended_is_no_error():
    process = subprocess.Popen(["true"], start_new_session=True)
    process.wait()
    kill_group(process.pid)
    assert live_members(process.pid) == []
