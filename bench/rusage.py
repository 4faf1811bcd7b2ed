#!/usr/bin/python3
"""Runs one command and writes its wall time, peak RSS (wait4's ru_maxrss), CPU time and CPU time per
thread (thread_cpu.py) as JSON.

Usage: rusage.py [--proc-sampling] RESULT_FILE TIMEOUT_SECONDS COMMAND [ARGS...]
--proc-sampling: per-thread numbers from /proc samples even where the kernel's taskstats would serve.
Node cannot read a child's rusage, and /proc/PID/status is gone once the child is reaped; the
benchmark needs both numbers for exactly the process it started (`ip netns exec` execs in place,
so the child is the scanner itself). On timeout the child gets SIGTERM, then SIGKILL a second later.
"""
import json, os, signal, sys, time

sys.dont_write_bytecode = True  # no __pycache__ left in bench/
from thread_cpu import ThreadAccounting

args = sys.argv[1:]
force_proc = args[0] == "--proc-sampling"
if force_proc:
    args = args[1:]
result_file, timeout, argv = args[0], float(args[1]), args[2:]
accounting = ThreadAccounting(force_proc)
started = time.monotonic()
pid = os.fork()
if pid == 0:
    os.execvp(argv[0], argv)
accounting.watch(pid)

timed_out = False

def on_alarm(_sig, _frame):
    global timed_out
    if not timed_out:
        timed_out = True
        os.kill(pid, signal.SIGTERM)
        signal.alarm(1)
    else:
        os.kill(pid, signal.SIGKILL)

def forward(sig, _frame):
    os.kill(pid, sig)

signal.signal(signal.SIGALRM, on_alarm)
signal.signal(signal.SIGTERM, forward)
signal.signal(signal.SIGINT, forward)
signal.alarm(max(1, int(timeout + 0.999)))
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - started
signal.alarm(0)
threads = accounting.finish()
with open(result_file, "w") as f:
    json.dump({
        "wallMs": round(wall * 1000, 1),
        "maxRssKb": usage.ru_maxrss,
        "exitCode": os.waitstatus_to_exitcode(status),
        "timedOut": timed_out,
        "pid": pid,
        "cpu": {
            "userMs": round(usage.ru_utime * 1000, 1),
            "sysMs": round(usage.ru_stime * 1000, 1),
            "voluntary": usage.ru_nvcsw,
            "involuntary": usage.ru_nivcsw,
        },
        "threadSource": threads["source"],
        "threadRecordsLost": threads["recordsLost"],
        "threads": threads["threads"],
    }, f)
