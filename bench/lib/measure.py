#!/usr/bin/env python3
"""Run one command and measure it like `/usr/bin/time`, plus the peak RSS of its whole tree.

  measure.py --json OUT [--cwd DIR] [--stdout F] [--stderr F] [--unset VAR]... [--interval S] -- CMD ARGS...

OUT gets: wall_s, user_s, sys_s, cpu_s (user+sys of the process and all descendants it
reaped, from wait4), maxrss_single_kb (ru_maxrss: the largest single process in the
tree, what `/usr/bin/time -f %M` reports), peak_tree_rss_kb (largest sum of VmRSS over
the live process tree, sampled from /proc every --interval seconds), max_procs, exit_code.
The measuring process itself is not part of the measured tree.
"""
import argparse, json, os, subprocess, sys, time


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return 0


def tree(pid):
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += children(p)
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--cwd")
    ap.add_argument("--stdout")
    ap.add_argument("--stderr")
    ap.add_argument("--unset", action="append", default=[])
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    env = {k: v for k, v in os.environ.items() if k not in a.unset}
    out = open(a.stdout, "wb") if a.stdout else subprocess.DEVNULL
    err = open(a.stderr, "wb") if a.stderr else subprocess.DEVNULL
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=a.cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    peak, max_procs = 0, 0
    while True:
        # WNOWAIT: peek without reaping, so that wait4 below still gets the rusage.
        try:
            info = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            info = None
        if info is not None:
            break
        pids = tree(p.pid)
        max_procs = max(max_procs, len(pids))
        peak = max(peak, sum(rss_kb(x) for x in pids))
        time.sleep(a.interval)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    res = {
        "wall_s": round(wall, 3), "user_s": round(ru.ru_utime, 3), "sys_s": round(ru.ru_stime, 3),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 3), "maxrss_single_kb": ru.ru_maxrss,
        "peak_tree_rss_kb": max(peak, ru.ru_maxrss), "max_procs": max_procs,
        "exit_code": p.returncode, "cmd": cmd,
    }
    with open(a.json, "w") as f:
        json.dump(res, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
