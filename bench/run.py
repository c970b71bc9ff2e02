"""`make bench`: training time, Rasa server memory, and reply latency of the web-chat path next to
Rasa's own REST channel on the same model in the same run.

The REST path does the same dialogue as the web chat (bench/rest_baseline.py), checked turn by turn.
Not a test: it prints figures for the closing notes. Options: --conversations N, --skip-training,
--profile DIR (the app runs under the sampling profiler, bot/devtools/profiling.py). It also prints
what the app itself added to each web chat turn, from the app's own log of Rasa's time per turn.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.rest_baseline import RestResident, same_dialogue
from bot.config import PROJECT_ROOT
from bot.db import session_scope
from bot.devtools.demo import load_demo_data
from bot.devtools.stack import Stack
from bot.devtools.training import ensure_model
from bot.migrate import upgrade

SCRIPT = ["hi", "1", "I would like to meet people, I get lonely", "SR2 8PN", "no", "tell me more about 2", "1", "ok", "2"]


PROCESSES = ("app", "rasa", "actions")


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user + system), from /proc: steadier than wall time on a
    shared machine, since a neighbour's load does not change how much CPU a turn costs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def webchat_conversation(base: str, replies: list[list[str]] | None = None) -> list[float]:
    times = []
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/chat")
        for text in SCRIPT:
            started = time.perf_counter()
            r = client.post("/chat/api/messages", json={"text": text, "client_id": uuid.uuid4().hex}, headers={"X-Webchat": "1"})
            r.raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
            if replies is not None:
                replies.append([m["text"] for m in r.json()["messages"]])
    return times


def rest_conversation(rasa_url: str, database_url: str, replies: list[list[str]] | None = None) -> list[float]:
    """The same script straight to Rasa's REST channel, as the gateway would send it (bench/rest_baseline.py)."""
    resident = RestResident(rasa_url, database_url)
    with httpx.Client(timeout=60) as client:
        times = [resident.send(client, text) for text in SCRIPT]
    if replies is not None:
        replies += resident.replies
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--skip-training", action="store_true", help="reuse the current model instead of timing a fresh training")
    parser.add_argument("--profile", type=Path, default=None, help="profile the app process into this folder")
    args = parser.parse_args()

    if args.skip_training:
        model, seconds = ensure_model()
    else:
        shutil.rmtree(PROJECT_ROOT / ".rasa" / "cache", ignore_errors=True)  # time a cold training, not a cached one
        model, seconds = ensure_model(force=True)
    root = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    database_url = f"sqlite:///{root / 'app.db'}"
    upgrade(database_url)
    with session_scope(database_url) as session:
        load_demo_data(session)
    stack = Stack(root / "logs", database_url, root / "tracker.db", profile_dir=args.profile)
    try:
        stack.start_actions()
        stack.wait_ready("actions")
        stack.start_rasa(model)
        # INFO: each turn's log line says how long Rasa took as the app saw it (below).
        stack.start_app(LOG_LEVEL="INFO", RATE_LIMIT_PER_MINUTE="1000")
        stack.wait_ready("rasa", timeout=300)
        stack.wait_ready("app")
        web_said: list[list[str]] = []
        rest_said: list[list[str]] = []
        webchat_conversation(stack.services["app"].url, web_said)  # warm up both paths once
        rest_conversation(stack.services["rasa"].url, database_url, rest_said)
        web: list[float] = []
        rest: list[float] = []
        pids = {name: stack.services[name].process.pid for name in PROCESSES}
        cpu: dict[str, dict[str, float]] = {"web": dict.fromkeys(PROCESSES, 0.0), "rest": dict.fromkeys(PROCESSES, 0.0)}
        for _ in range(args.conversations):
            for path, run in (("web", lambda: webchat_conversation(stack.services["app"].url)),
                              ("rest", lambda: rest_conversation(stack.services["rasa"].url, database_url))):
                before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                (web if path == "web" else rest).extend(run())
                for name, pid in pids.items():
                    cpu[path][name] += cpu_seconds(pid) - before[name]
        memory = rss_mb(stack.services["rasa"].process.pid)
    finally:
        stack.stop()
    # What the app added to each web chat turn: the page's wait less Rasa's (and the actions') time
    # as the app measured it, turn by turn (the measured turns are the last ones the app handled).
    handled = [json.loads(line) for line in stack.services["app"].log_path.read_text().splitlines()
               if '"message_handled"' in line and '"rasa_ms"' in line][-len(web):]
    added = [w - h["rasa_ms"] - h["actions_ms"] - h.get("queued_ms", 0.0) for w, h in zip(web, handled, strict=False)]

    print("\nCommunity Connect benchmark")
    print(f"  model: {model.name}")
    print(f"  training time: {seconds:.1f} s" if seconds else "  training time: not measured (--skip-training)")
    print(f"  Rasa server memory (RSS after the run): {memory:.0f} MB")
    same, turns = same_dialogue(web_said, rest_said)
    print(f"  same dialogue on both paths (bot texts turn by turn): {same}/{turns} turns")
    print(f"  messages per path: {len(web)} ({args.conversations} conversations x {len(SCRIPT)} messages)")
    print(f"  {'path':<28}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, values in (("web chat via gateway", web), ("Rasa REST channel", rest)):
        print(f"  {name:<28}{percentile(values, 50):>10.1f}{percentile(values, 95):>10.1f}{statistics.mean(values):>10.1f}")
    print(f"  {'CPU ms per turn':<28}" + "".join(f"{name:>9}" for name in PROCESSES))
    for path, name in (("web", "web chat via gateway"), ("rest", "Rasa REST channel")):
        print(f"  {name:<28}" + "".join(f"{1000 * cpu[path][p] / len(web):>9.1f}" for p in PROCESSES))
    p50, p95 = percentile(web, 50) / percentile(rest, 50), percentile(web, 95) / percentile(rest, 95)
    print(f"  ratio gateway/REST: p50 {p50:.2f}x, p95 {p95:.2f}x")
    if len(added) == len(web):
        print(f"  added by the app per web chat turn (its wait less Rasa's time as the app saw it): "
              f"p50 {percentile(added, 50):.1f} ms, mean {statistics.mean(added):.1f} ms")
    if args.profile:
        print(f"  app profile: {args.profile / 'summary.txt'}")


if __name__ == "__main__":
    main()
