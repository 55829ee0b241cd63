"""`vigil serve --report-to-mlflow` against a real MLflow tracking server: the served registry version's tags,
one run of live serving metrics per version, and serving unharmed while the tracking server is down or hung."""

import csv
import json
import os
import socket
import statistics
import threading
import time
from datetime import datetime

import pytest
import requests

from conftest import DEMO_MODEL, MLflowServer, VigilServer, wait_until
from test_registry import REGISTER

NAME = "vigil_writeback"
EXPERIMENT = "vigil-writeback-e2e"
GOOD, BAD = 20, 5


@pytest.fixture(scope="module")
def tracking(tmp_path_factory):
    """A tracking server of this module's own: the last test stops and restarts it."""
    tmp = tmp_path_factory.mktemp("writeback")
    server = MLflowServer(tmp, name="mlflow-writeback")
    try:
        logged = server.run_python(REGISTER, DEMO_MODEL, NAME)
        yield {"uri": server.uri, "server": server, "cache": tmp / "cache", **logged}
    finally:
        server.stop()


def api(tracking, endpoint, **query):
    answer = requests.get(f"{tracking['uri']}/api/2.0/mlflow/{endpoint}", params=query, timeout=10)
    answer.raise_for_status()
    return answer.json()


def version_tags(tracking):
    version = api(tracking, "model-versions/get", name=NAME, version="1")["model_version"]
    return {tag["key"]: tag["value"] for tag in version.get("tags", [])}


def serving_runs(tracking):
    try:
        experiment = api(tracking, "experiments/get-by-name", experiment_name=EXPERIMENT)["experiment"]
    except requests.HTTPError:
        return []
    answer = requests.post(f"{tracking['uri']}/api/2.0/mlflow/runs/search",
                           json={"experiment_ids": [experiment["experiment_id"]]}, timeout=10)
    answer.raise_for_status()
    return answer.json().get("runs", [])


def history(tracking, run_id, key):
    points = api(tracking, "metrics/get-history", run_id=run_id, metric_key=key).get("metrics", [])
    return {point["step"]: point["value"] for point in points}


def serve(tracking, model=f"models:/{NAME}@champion", extra=(), **env):
    environment = dict(os.environ, MLFLOW_TRACKING_URI=tracking["uri"], VIGIL_CACHE_DIR=str(tracking["cache"]), **env)
    args = ["--report-to-mlflow", "--report-interval", "1", "--report-experiment", EXPERIMENT, *extra]
    return VigilServer(model=model, extra_args=args, env=environment, ready_timeout=60)


def predict(server, body=None, content_type="application/json"):
    body = body if body is not None else (DEMO_MODEL / "serving_input_example.json").read_bytes()
    return requests.post(server.url("/invocations"), data=body, headers={"Content-Type": content_type}, timeout=10)


def training_rows(count):
    with open(DEMO_MODEL / "train_sample.csv") as f:
        rows = list(csv.reader(f))
    body = {"dataframe_split": {"columns": rows[0], "data": [[float(x) for x in row] for row in rows[1:count + 1]]}}
    return json.dumps(body).encode()


def test_tags_the_version_and_logs_serving_metrics_until_sigterm(tracking):
    server = serve(tracking, extra=["--profile", str(DEMO_MODEL / "vigil_profile.json")])
    try:
        wait_until(lambda: version_tags(tracking).get("vigil.serving") == "true", 30, "vigil.serving=true")
        tags = version_tags(tracking)
        assert tags["vigil.host"].endswith(f":{server.port}")
        since = datetime.fromisoformat(tags["vigil.since"].replace("Z", "+00:00"))
        assert since.utcoffset().total_seconds() == 0 and abs(time.time() - since.timestamp()) < 300

        wait_until(lambda: len(serving_runs(tracking)) == 1, 30, "one serving run")
        run = serving_runs(tracking)[0]
        run_id = run["info"]["run_id"]
        run_tags = {tag["key"]: tag["value"] for tag in run["data"]["tags"]}
        assert run["info"]["status"] == "RUNNING"
        assert run_tags["mlflow.runName"] == f"serving {NAME} v1 @ {tags['vigil.host']}"
        assert run_tags["vigil.model_name"] == NAME and run_tags["vigil.model_version"] == "1"
        assert run_tags["vigil.model_uri"] == f"models:/{NAME}@champion"
        assert run_tags["vigil.source_run_id"] == tracking["run_id"]
        assert run_tags["vigil.host"] == tags["vigil.host"] and run_tags["vigil.version"]

        # 250 training rows fill the drift window past its 200-row minimum: drift scores are logged.
        assert predict(server, training_rows(250)).status_code == 200
        wait_until(lambda: sum(history(tracking, run_id, "requests").values()) == 1, 30, "the drift request logged")
        wait_until(lambda: history(tracking, run_id, "drift.psi.credit_score"), 30, "drift scores logged")
        assert history(tracking, run_id, "prediction_drift.psi")

        first_step = max(history(tracking, run_id, "requests")) + 1
        for _ in range(GOOD):
            assert predict(server).status_code == 200
        for _ in range(BAD):
            assert predict(server, b'{"dataframe_split": ').status_code == 400

        def burst():
            counts = {s: v for s, v in history(tracking, run_id, "requests").items() if s >= first_step}
            return counts if sum(counts.values()) == GOOD + BAD else None
        wait_until(burst, 30, "the burst logged")
        counts = burst()
        errors = history(tracking, run_id, "errors")
        ratios = history(tracking, run_id, "error_ratio")
        rates = history(tracking, run_id, "requests_per_second")
        assert sum(errors[s] for s in counts) == BAD
        busy = [s for s, n in counts.items() if n > 0]
        for step in busy:
            assert ratios[step] == pytest.approx(errors[step] / counts[step])
            assert rates[step] > 0
        if len(busy) == 1:  # the usual case: the whole burst in one interval
            assert ratios[busy[0]] == pytest.approx(BAD / (GOOD + BAD))
        quantiles = [history(tracking, run_id, f"latency_p{q}_seconds") for q in (50, 95, 99)]
        for step in busy:
            p50, p95, p99 = (q[step] for q in quantiles)
            assert 0 < p50 <= p95 <= p99 < 1
        metric = api(tracking, "metrics/get-history", run_id=run_id, metric_key="requests")["metrics"][-1]
        assert abs(metric["timestamp"] / 1000 - time.time()) < 300

        assert server.process.terminate() == 0
        finished = api(tracking, "runs/get", run_id=run_id)["run"]["info"]
        assert finished["status"] == "FINISHED" and finished["end_time"] >= finished["start_time"]
        assert version_tags(tracking)["vigil.serving"] == "false"
        assert "MLflow reporting failed" not in server.process.output
    finally:
        server.stop()


def timed_predictions(server, seconds):
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        assert predict(server).status_code == 200
        latencies.append(time.monotonic() - start)
    return latencies


def test_a_hung_tracking_server_never_slows_predictions(tracking):
    """A tracking server that accepts connections and never answers: requests time out in the reporter only."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    hung = {**tracking, "uri": f"http://127.0.0.1:{listener.getsockname()[1]}"}
    server = serve(hung, model=DEMO_MODEL)  # a local model: nothing to resolve through the hung server
    try:
        latencies = timed_predictions(server, 3)
        assert server.process.popen.poll() is None
        assert statistics.median(latencies) < 0.05 and max(latencies) < 1, (statistics.median(latencies), max(latencies))
        assert held, "the reporter never tried the tracking server"
        started = time.monotonic()
        assert server.process.terminate() == 0
        assert time.monotonic() - started < 20  # the final writes are bounded
    finally:
        server.stop()
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def test_tracking_server_down_then_back(tracking):
    server = serve(tracking)
    try:
        wait_until(lambda: "reporting to MLflow" in server.process.output, 30, "reporting started")
        runs = [r for r in serving_runs(tracking) if r["info"]["status"] == "RUNNING"]
        assert len(runs) == 1
        run_id = runs[0]["info"]["run_id"]
        before = timed_predictions(server, 1)

        tracking["server"].stop()
        during = timed_predictions(server, 3.5)  # several report intervals fail meanwhile
        assert server.process.popen.poll() is None
        assert statistics.median(during) < max(0.05, 5 * statistics.median(before)) and max(during) < 1
        wait_until(lambda: "MLflow reporting failed" in server.process.output, 10, "the failure warned")
        assert server.process.output.count("MLflow reporting failed") == 1  # one warning per episode

        tracking["server"].start()
        wait_until(lambda: "MLflow reporting resumed" in server.process.output, 60, "reporting resumed")
        # What was measured while the server was down arrives after it is back.
        wait_until(lambda: sum(history(tracking, run_id, "requests").values()) >= len(before) + len(during), 30,
                   "the outage's requests logged")
        assert server.process.terminate() == 0
        assert api(tracking, "runs/get", run_id=run_id)["run"]["info"]["status"] == "FINISHED"
        assert version_tags(tracking)["vigil.serving"] == "false"
    finally:
        server.stop()
