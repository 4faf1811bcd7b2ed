#!/usr/bin/python3
"""Runs one command and writes its wall time and peak RSS (wait4's ru_maxrss) as JSON.

Usage: rusage.py RESULT_FILE TIMEOUT_SECONDS COMMAND [ARGS...]
Node cannot read a child's rusage, and /proc/PID/status is gone once the child is reaped; the
benchmark needs both numbers for exactly the process it started (`ip netns exec` execs in place,
so the child is the scanner itself). On timeout the child gets SIGTERM, then SIGKILL a second later.
"""
import json, os, signal, sys, time

result_file, timeout, argv = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
started = time.monotonic()
pid = os.fork()
if pid == 0:
    os.execvp(argv[0], argv)

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
with open(result_file, "w") as f:
    json.dump({
        "wallMs": round(wall * 1000, 1),
        "maxRssKb": usage.ru_maxrss,
        "exitCode": os.waitstatus_to_exitcode(status),
        "timedOut": timed_out,
    }, f)
