"""A wall-clock sampling profiler for the application process, for the benchmarks (`--profile`).

Why not cProfile: the gateway's time is spread over many small calls (SQLAlchemy, httpx, the
event loop), and a deterministic profiler inflates exactly those, so it points at the wrong
place. py-spy is not installed in the app venv. This samples the main thread's Python stack from
a side thread every few milliseconds (`sys._current_frames`), which costs little and shows where
the event loop's wall-clock time goes, blocking calls (a SQLite fsync, a lock wait) included.

Run a module under it: `python -m bot.devtools.profiling OUT_DIR -m uvicorn ...` (what
`Stack.start_app(profile_dir=...)` does). When the process exits (SIGTERM from `Stack.stop`),
OUT_DIR gets `stacks.txt` (collapsed stacks, one `frame;frame;... count` a line, for any flame
graph tool), `summary.txt` (the functions that held the loop longest, with and without their
callees) and `sql.txt` (every SQL statement's wall time, by the code that ran it). Samples where
the loop sat idle waiting for I/O are counted apart, so the percentages are of busy time.

`PROFILE_CLOCK=cpu` samples on the process's CPU time instead (SIGPROF from `setitimer`): the
wall-clock sampler takes the GIL exactly when SQLite releases it, so it over-counts
`do_execute`; a CPU-time sample lands where CPU is spent, so it answers "what does a turn cost"
rather than "what holds the loop".
"""

from __future__ import annotations

import atexit
import os
import runpy
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

Frame = tuple[str, str, int]  # file, function, first line
# Where an idle event loop sits (uvloop runs its loop in C, so the innermost Python frame is the
# one that started it); samples ending here are idle, not work.
IDLE_FUNCTIONS = frozenset({
    ("_compat.py", "asyncio_run"), ("runners.py", "run"), ("server.py", "run"), ("selectors.py", "select"),
    ("base_events.py", "_run_once"), ("base_events.py", "run_until_complete"), ("base_events.py", "run_forever"),
})


class Sampler:
    """Counts the main thread's stacks every `interval` seconds until stopped."""

    def __init__(self, interval: float = 0.002) -> None:
        self.interval = interval
        self.stacks: Counter[tuple[Frame, ...]] = Counter()
        self.samples = 0
        self.started = time.perf_counter()
        self._target = threading.main_thread().ident or 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self._target)  # noqa: SLF001 - the documented way to sample
            if frame is not None:
                stack = _stack(frame)
                with self._lock:
                    self.stacks[stack] += 1
                    self.samples += 1

    def write(self, out: Path) -> None:
        with self._lock:
            stacks = Counter(self.stacks)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "stacks.txt", "w") as f:
            for stack, count in stacks.most_common():
                f.write(";".join(f"{Path(file).name}:{name}" for file, name, _ in stack) + f" {count}\n")
        (out / "summary.txt").write_text(summary(stacks, time.perf_counter() - self.started))


class CpuSampler(Sampler):
    """Counts the main thread's stack at every `interval` seconds of the process's CPU time."""

    def start(self) -> None:
        signal.signal(signal.SIGPROF, self._on_tick)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)

    def _on_tick(self, _signum: int, frame: FrameType | None) -> None:
        # The handler runs on the main thread, which may hold the lock (a snapshot being written):
        # skip that tick rather than wait for ourselves.
        if frame is not None and self._lock.acquire(blocking=False):
            try:
                self.stacks[_stack(frame)] += 1
                self.samples += 1
            finally:
                self._lock.release()


class StatementTimer:
    """Wall time of every SQL statement and commit, by what ran it (`sql.txt`).

    Why beside the sampler: the sampler shows the loop held inside `do_execute`, but not whether
    that is the statement's own work or a wait for SQLite's write lock (another process, the
    action server, writing the same file makes a writer sleep in SQLite's busy handler). The
    longest single waits and the totals per caller tell the two apart.
    """

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.counts: Counter[str] = Counter()
        self.slow: Counter[str] = Counter()  # statements over 5 ms, by caller
        self._started: dict[int, float] = {}
        self._lock = threading.Lock()

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)
        event.listen(Engine, "commit", self._commit_before)

    def _before(self, conn, cursor, statement, params, context, executemany) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, executemany) -> None:
        started = self._started.pop(id(cursor), None)
        if started is not None:
            self._record(statement.split(None, 1)[0], time.perf_counter() - started)

    def _commit_before(self, conn) -> None:
        self._record("COMMIT (issued)", 0.0)

    def _record(self, verb: str, seconds: float) -> None:
        key = f"{verb:<8} {_caller()}"
        with self._lock:
            self.totals[key] = self.totals.get(key, 0.0) + seconds
            self.counts[key] += 1
            if seconds > 0.005:
                self.slow[key] += 1

    def write(self, out: Path) -> None:
        with self._lock:
            rows = sorted(self.totals.items(), key=lambda item: -item[1])
            lines = [f"{'total ms':>10}{'count':>8}{'mean ms':>9}{'>5 ms':>7}  statement and caller"]
            lines += [f"{1000 * t:>10.1f}{self.counts[k]:>8}{1000 * t / max(self.counts[k], 1):>9.2f}{self.slow[k]:>7}  {k}"
                      for k, t in rows]
        (out / "sql.txt").write_text("\n".join(lines) + "\n")


def _caller() -> str:
    """The innermost two frames of the project's own code that led to this statement."""
    frame: FrameType | None = sys._getframe(2)  # noqa: SLF001
    ours: list[str] = []
    while frame is not None and len(ours) < 2:
        file = frame.f_code.co_filename
        if ("/bot/" in file or "/community_directory/" in file or "/actions/" in file) and "devtools" not in file:
            ours.append(f"{Path(file).stem}.{frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(ours) or "?"


def _stack(frame: FrameType | None) -> tuple[Frame, ...]:
    frames: list[Frame] = []
    while frame is not None:
        code = frame.f_code
        frames.append((code.co_filename, code.co_name, code.co_firstlineno))
        frame = frame.f_back
    return tuple(reversed(frames))  # outermost first


def is_idle(stack: tuple[Frame, ...]) -> bool:
    return not stack or (Path(stack[-1][0]).name, stack[-1][1]) in IDLE_FUNCTIONS


def summary(stacks: Counter[tuple[Frame, ...]], seconds: float, top: int = 40) -> str:
    """The busiest functions: 'self' is time in the function itself, 'total' with its callees."""
    total = sum(stacks.values()) or 1
    busy = {stack: n for stack, n in stacks.items() if not is_idle(stack)}
    busy_total = sum(busy.values()) or 1
    own: Counter[Frame] = Counter()
    inclusive: Counter[Frame] = Counter()
    for stack, n in busy.items():
        own[stack[-1]] += n
        for frame in set(stack):
            inclusive[frame] += n

    def name(frame: Frame) -> str:
        file, function, line = frame
        parts = Path(file).parts
        short = "/".join(parts[-3:]) if "site-packages" not in parts else "/".join(parts[parts.index("site-packages") + 1:])
        return f"{short}:{line} {function}"

    lines = [
        f"{total} samples over {seconds:.1f} s; event loop busy in {busy_total} ({100 * busy_total / total:.1f}%).",
        "Percentages are of busy samples.", "", f"top {top} by total (with callees):",
    ]
    lines += [f"  {100 * n / busy_total:6.1f}%  {name(f)}" for f, n in inclusive.most_common(top)]
    lines += ["", f"top {top} by self:"]
    lines += [f"  {100 * n / busy_total:6.1f}%  {name(f)}" for f, n in own.most_common(top)]
    return "\n".join(lines) + "\n"


def main() -> None:
    """`python -m bot.devtools.profiling OUT_DIR -m module args...`"""
    if len(sys.argv) < 4 or sys.argv[2] != "-m":
        raise SystemExit("usage: python -m bot.devtools.profiling OUT_DIR -m module [args...]")
    out, module = Path(sys.argv[1]), sys.argv[3]
    sys.argv = [module, *sys.argv[4:]]
    kind = CpuSampler if os.environ.get("PROFILE_CLOCK") == "cpu" else Sampler
    sampler = kind(float(os.environ.get("PROFILE_INTERVAL_SECONDS", "0.002")))
    statements = StatementTimer()
    statements.install()
    written = threading.Event()

    def finish() -> None:
        if not written.is_set():
            written.set()
            sampler.stop()
            sampler.write(out)
            statements.write(out)

    atexit.register(finish)
    signal.signal(signal.SIGUSR1, lambda *_: sampler.write(out))  # a snapshot without stopping
    # uvicorn handles SIGTERM itself, then restores this handler and raises the signal again once
    # shut down: exit normally then, so the figures are written (the default action skips atexit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sampler.start()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
