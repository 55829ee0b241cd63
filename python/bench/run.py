"""Benchmark Vigil against `mlflow models serve` side by side (see scripts/bench).

Both servers get the same model and the same payloads; answers are checked equal before any
load. Runs alternate between the servers; the summary gives medians and Vigil/MLflow ratios.
The Python peer runs with OMP_NUM_THREADS=1: on 2 shared cores its default threading is up to
100x slower, and a comparison must be fair to the peer.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, timeout, process):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before it was ready")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} not ready after {timeout}s")


def rss_mb(pid):
    total = 0
    for p in [pid] + children(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    result = []
    for child in map(int, out):
        result += [child] + children(child)
    return result


class Server:
    def __init__(self, name, argv, port, ready_path, env=None, ready_timeout=180):
        self.name, self.port = name, port
        started = time.monotonic()
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        wait_ready(f"http://127.0.0.1:{ready_path}", ready_timeout, self.process)
        self.ready_seconds = time.monotonic() - started

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/invocations"

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def make_payloads(model_dir, out_dir, seed=7):
    """1-row and 100-row dataframe_split bodies drawn around the model's input example."""
    import numpy as np

    example = json.loads((Path(model_dir) / "input_example.json").read_text())
    columns, first = example["columns"], example["data"][0]
    rng = np.random.default_rng(seed)
    rows = [[float(repr(float(v) + float(rng.normal(0, 1 + abs(v) * 0.2)))) for v in first] for _ in range(100)]
    paths = {}
    for n in (1, 100):
        path = Path(out_dir) / f"rows{n}.json"
        path.write_text(json.dumps({"dataframe_split": {"columns": columns, "data": rows[:n]}}))
        paths[n] = path
    return paths


def wrk(url, body, duration, connections):
    env = dict(os.environ, WRK_BODY=str(body))
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          "-s", str(HERE / "post.lua"), url], env=env, capture_output=True, text=True,
                         timeout=duration + 60).stdout
    match = re.search(r"BENCH (.*)", out)
    if not match:
        raise RuntimeError("wrk printed no result:\n" + out)
    fields = dict(kv.split("=") for kv in match.group(1).split())
    result = {k: float(v) for k, v in fields.items()}
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vigil", required=True)
    parser.add_argument("--model", default=str(ROOT / "examples" / "demo"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--mlflow-workers", type=int, default=1)
    parser.add_argument("--servers", default="vigil,mlflow",
                        help="comma-separated: vigil, vigil-hummingbird (the scoring port on Hummingbird), "
                             "vigil-python (MLflow's pyfunc in Vigil's workers, --mlflow-workers of them), "
                             "vigil-nodrift (the model without its drift profile), vigil-feedback (--feedback), "
                             "vigil-Nloops (N event loops), mlflow")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="vigil-bench-")
    payloads = make_payloads(args.model, work)
    venv_bin = str(Path(sys.executable).parent)
    mlflow_env = dict(os.environ, OMP_NUM_THREADS="1", MLFLOW_DISABLE_TELEMETRY="true",
                      PATH=venv_bin + os.pathsep + os.environ["PATH"])

    servers = args.servers.split(",")
    # The same model without its training profile: drift monitoring off, to measure what it costs.
    no_drift = Path(work) / "model-without-profile"
    shutil.copytree(args.model, no_drift, ignore=shutil.ignore_patterns("vigil_profile.json"))

    def start(name):
        port = free_port()
        if name.startswith("vigil"):
            metrics = free_port()
            stack = "hummingbird" if name == "vigil-hummingbird" else "nio"
            loops = {"VIGIL_EVENT_LOOPS": name.split("-")[1][:-5]} if name.endswith("loops") else {}
            extra = []
            if name == "vigil-feedback":
                extra = ["--feedback"]
            if name == "vigil-python":
                extra = ["--runtime", "python", "--python", sys.executable, "--workers", str(args.mlflow_workers)]
            model = no_drift if name == "vigil-nodrift" else args.model
            return Server(name, [args.vigil, "serve", "--model", str(model), "--port", str(port),
                                 "--metrics-port", str(metrics), *extra], port, f"{metrics}/readyz",
                          env=dict(mlflow_env, VIGIL_HTTP_STACK=stack, **loops))
        return Server("mlflow", [os.path.join(venv_bin, "mlflow"), "models", "serve", "-m", args.model,
                                 "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port),
                                 "-w", str(args.mlflow_workers)], port, f"{port}/ping", env=mlflow_env)

    results = {}
    facts = {}
    for round_ in range(1, args.rounds + 1):
        for name in servers:
            server = start(name)
            try:
                facts.setdefault(name, {}).setdefault("ready_s", []).append(server.ready_seconds)
                for rows, body in payloads.items():
                    answer = requests.post(server.url, data=body.read_bytes(),
                                           headers={"Content-Type": "application/json"}, timeout=30)
                    results.setdefault(("answer", rows), {})[name] = answer.text
                    wrk(server.url, body, 3, args.connections)  # warm-up
                    r = wrk(server.url, body, args.duration, args.connections)
                    results.setdefault((name, rows), []).append(r)
                    print(f"round {round_} {name:17} rows={rows:<3} {r['rps']:10.1f} req/s  p50 {r['p50_ms']:.3f} ms"
                          f"  p99 {r['p99_ms']:.3f} ms  non2xx {int(r['non2xx'])}  load {os.getloadavg()[0]:.1f}",
                          flush=True)
                facts[name].setdefault("rss_mb", []).append(rss_mb(server.process.pid))
            finally:
                server.stop()

    base = "mlflow" if "mlflow" in servers else servers[-1]
    for rows in payloads:
        answers = results[("answer", rows)]
        same = all(answer == answers[base] for answer in answers.values())
        print(f"answers for {rows} row(s): {'identical' if same else 'DIFFERENT'}")
    print(f"\n{'server':17} | {'rows':>4} | {'req/s':>9} | {'vs ' + base:>10} | {'p50 ms':>8} | {'p99 ms':>8}")
    for name in servers:
        for rows in payloads:
            runs = results[(name, rows)]
            rps = statistics.median(r["rps"] for r in runs)
            base_rps = statistics.median(r["rps"] for r in results[(base, rows)])
            print(f"{name:17} | {rows:>4} | {rps:9.0f} | {rps / base_rps:9.1f}x | "
                  f"{statistics.median(r['p50_ms'] for r in runs):8.3f} | {statistics.median(r['p99_ms'] for r in runs):8.3f}")
    for name in servers:
        print(f"{name}: ready after {statistics.median(facts[name]['ready_s']):.2f} s (median), "
              f"resident memory after load {statistics.median(facts[name]['rss_mb']):.0f} MB")


if __name__ == "__main__":
    main()
