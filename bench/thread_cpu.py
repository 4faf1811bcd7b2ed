"""CPU time and context switches of every thread of one process, by thread.

Two sources, the first that works:
- taskstats (Linux genetlink, CONFIG_TASKSTATS, root): the kernel sends each thread's totals as it exits,
  so every thread is counted to its end, however short its life: its exact run time (the scheduler's
  sum_exec_runtime), split into user and system in the ratio of its tick samples. The listener is opened
  before the process is started and keeps the records whose parent is this wrapper (the threads of the
  process it forked) or the process itself (its children's threads).
- /proc/PID/task/TID/{stat,status} sampled every SAMPLE_SEC, keeping each thread's last values: a thread
  loses what it ran after its last sample (at most one interval), and children are not seen.
"""
import os, select, socket, struct, threading

SAMPLE_SEC = 0.02
NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
TASKSTATS_CMD_GET = 1
TASKSTATS_CMD_ATTR_REGISTER_CPUMASK = 3
TASKSTATS_TYPE_STATS = 3
TASKSTATS_TYPE_AGGR_PID = 4
NLMSG_ERROR = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
SO_RCVBUFFORCE = 33
RCVBUF_BYTES = 8 << 20
# struct taskstats (linux/taskstats.h), offsets stable since version 1 for these fields
OFF_RUN_TOTALS = 64  # cpu_run_real_total (the ticks, as ns), cpu_run_virtual_total (the scheduler's exact ns)
OFF_COMM, COMM_LEN = 80, 32
OFF_PID_PPID = 128
OFF_UTIME_STIME = 152
OFF_NVCSW_NIVCSW = 272
MIN_STATS_LEN = OFF_NVCSW_NIVCSW + 16


def _split(total_ms, user_ticks, sys_ticks):
    """Exact run time split in the ratio of the tick samples, as the kernel splits it for /proc and wait4."""
    if sys_ticks == 0:
        return total_ms, 0.0
    if user_ticks == 0:
        return 0.0, total_ms
    user = total_ms * user_ticks / (user_ticks + sys_ticks)
    return user, total_ms - user


def _attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("HH", length, kind) + payload + b"\0" * (-length % 4)


def _attrs(buf):
    i = 0
    while i + 4 <= len(buf):
        length, kind = struct.unpack_from("HH", buf, i)
        if length < 4:
            return
        yield kind & 0x3FFF, buf[i + 4 : i + length]
        i += (length + 3) & ~3


class TaskstatsListener:
    """Exit records of every thread on the machine, kept raw until `records` filters them."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        try:
            # A kernel that never answers must not hang the benchmark: no answer in 2 s → /proc sampling.
            self.sock.settimeout(2)
            self.sock.bind((0, 0))
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF_BYTES)
            self.family = self._family_id()
            cpus = b"0-%d\0" % (os.cpu_count() - 1)
            self._request(self.family, TASKSTATS_CMD_GET, _attr(TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, cpus), NLM_F_REQUEST | NLM_F_ACK)
            self._check_ack()
            self.sock.settimeout(None)
        except OSError:
            self.sock.close()
            raise
        self.raw = []
        self.overflowed = False

    def _request(self, family, cmd, payload, flags=NLM_F_REQUEST):
        body = struct.pack("BBH", cmd, 1, 0) + payload
        self.sock.send(struct.pack("IHHII", 16 + len(body), family, flags, 1, 0) + body)

    def _check_ack(self):
        # Exit records of other processes may already come before the acknowledgement; they are not ours.
        while True:
            msg = self.sock.recv(65536)
            _, kind = struct.unpack_from("IH", msg, 0)
            if kind == NLMSG_ERROR:
                err = struct.unpack_from("i", msg, 16)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return

    def _family_id(self):
        self._request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, _attr(CTRL_ATTR_FAMILY_NAME, b"TASKSTATS\0"))
        msg = self.sock.recv(65536)
        for kind, value in _attrs(msg[20:]):
            if kind == CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from("H", value)[0]
        raise OSError("no TASKSTATS genetlink family")

    def drain(self, block_sec):
        """Reads what has come, waiting up to block_sec for the first message."""
        ready, _, _ = select.select([self.sock], [], [], block_sec)
        while ready:
            try:
                msg = self.sock.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                # ENOBUFS: the kernel dropped records; the sum check in `records` shows what is missing.
                self.overflowed = True
                continue
            if struct.unpack_from("H", msg, 4)[0] != self.family:
                continue
            for kind, value in _attrs(msg[20:]):
                if kind == TASKSTATS_TYPE_AGGR_PID:
                    for inner, stats in _attrs(value):
                        if inner == TASKSTATS_TYPE_STATS and len(stats) >= MIN_STATS_LEN:
                            self.raw.append(stats)

    def records(self, wrapper_pid, child_pid):
        """Threads of the process and of its children; `exact` is False if some had only tick samples."""
        threads = []
        exact = True
        for stats in self.raw:
            tid, ppid = struct.unpack_from("II", stats, OFF_PID_PPID)
            if ppid not in (wrapper_pid, child_pid):
                continue
            utime, stime = struct.unpack_from("QQ", stats, OFF_UTIME_STIME)
            _, run_ns = struct.unpack_from("QQ", stats, OFF_RUN_TOTALS)
            if run_ns:
                user_ms, sys_ms = _split(run_ns / 1e6, utime, stime)
            else:
                # The tick samples alone: each charges a whole tick to whichever thread it finds running.
                exact = False
                user_ms, sys_ms = utime / 1000, stime / 1000
            nvcsw, nivcsw = struct.unpack_from("QQ", stats, OFF_NVCSW_NIVCSW)
            comm = stats[OFF_COMM : OFF_COMM + COMM_LEN].split(b"\0")[0].decode(errors="replace")
            threads.append({
                "tid": tid,
                "name": comm,
                "process": "self" if ppid == wrapper_pid else "child",
                "userMs": user_ms,
                "sysMs": sys_ms,
                "voluntary": nvcsw,
                "involuntary": nivcsw,
            })
        return threads, exact

    def close(self):
        self.sock.close()


class ProcSampler:
    """The last values seen in /proc for each thread of one process."""

    def __init__(self, pid):
        self.pid = pid
        self.tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
        self.last = {}

    def sample(self):
        try:
            tids = os.listdir(f"/proc/{self.pid}/task")
        except OSError:
            return
        for tid in tids:
            base = f"/proc/{self.pid}/task/{tid}"
            try:
                with open(f"{base}/stat") as f:
                    stat = f.read()
                with open(f"{base}/status") as f:
                    status = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            switches = dict(line.split(":", 1) for line in status.splitlines() if "ctxt_switches" in line)
            self.last[int(tid)] = {
                "tid": int(tid),
                "name": name,
                "process": "self",
                # utime and stime are fields 14 and 15 of stat, 12 and 13 after the name
                "userMs": int(fields[11]) * self.tick_ms,
                "sysMs": int(fields[12]) * self.tick_ms,
                "voluntary": int(switches.get("voluntary_ctxt_switches", 0)),
                "involuntary": int(switches.get("nonvoluntary_ctxt_switches", 0)),
            }

    def records(self):
        return list(self.last.values())


class ThreadAccounting:
    """Started before the fork; `watch(pid)` after it; `finish()` once the process has been reaped."""

    def __init__(self, force_proc=False):
        self.listener = None
        if not force_proc:
            try:
                self.listener = TaskstatsListener()
            except OSError:
                self.listener = None
        self.source = "taskstats" if self.listener else "proc-sampling"
        self.sampler = None
        self.pid = None
        self.stop = threading.Event()
        self.thread = None

    def watch(self, pid):
        self.pid = pid
        if not self.listener:
            self.sampler = ProcSampler(pid)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            if self.listener:
                self.listener.drain(SAMPLE_SEC * 5)
            else:
                self.sampler.sample()
                self.stop.wait(SAMPLE_SEC)

    def finish(self):
        """Per-thread records; the reaped process's exit records are already queued on the socket."""
        self.stop.set()
        self.thread.join()
        if self.listener:
            self.listener.drain(0)
            threads, exact = self.listener.records(os.getpid(), self.pid)
            if not exact:
                self.source = "taskstats-ticks"
            overflowed = self.listener.overflowed
            self.listener.close()
        else:
            threads = self.sampler.records()
            overflowed = False
        return {"source": self.source, "recordsLost": overflowed, "threads": threads}
