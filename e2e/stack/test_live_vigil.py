"""The stack against a real Vigil: scraping, dashboards, VigilDown through Alertmanager, and the
latency alert under real slowness. Needs the release binary in VIGIL_BIN (scripts/test sets it);
`vigil serve --port P --metrics-port M [--model DIR]` serves the demo model without --model.

`for:` durations are cut to 2 s and intervals to 1 s; promtool's unit tests prove the real durations."""

import json
import os
import tempfile
import textwrap
import threading
import time
import warnings
from pathlib import Path

import pytest

from stacklib import ROOT, Alertmanager, Prometheus, Process, WebhookReceiver, alertmanager_config, free_port, \
    http_get, prometheus_config, rules_with_short_for, wait_until
from test_grafana import as_promql, queries

DEMO_EXAMPLE = ROOT / "examples" / "demo" / "serving_input_example.json"


def vigil_bin():
    path = os.environ.get("VIGIL_BIN")
    if not path:
        pytest.skip("VIGIL_BIN is not set: these tests need the release binary (swift build -c release --product vigil)")
    if not Path(path).is_file():
        pytest.skip(f"VIGIL_BIN={path} does not exist: build it with swift build -c release --product vigil")
    return path


class Vigil:
    def __init__(self, model=None, ready_timeout=30, env=None):
        self.port, self.metrics_port = free_port(), free_port()
        argv = [vigil_bin(), "serve", "--port", str(self.port), "--metrics-port", str(self.metrics_port)]
        if model is not None:
            argv += ["--model", str(model)]
        self.process = Process(argv, name="vigil", cwd=ROOT, env=env)
        wait_until(lambda: http_get(self.ops("/readyz"))[0] == 200, ready_timeout, "vigil ready", self.process)

    def ops(self, path):
        return f"http://127.0.0.1:{self.metrics_port}{path}"

    def invoke(self, body, timeout=30):
        import urllib.error
        import urllib.request
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/invocations", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    def stop(self):
        self.process.stop()


@pytest.fixture
def workdir():
    directory = tempfile.TemporaryDirectory(prefix="stack-live-")
    yield Path(directory.name)
    directory.cleanup()


@pytest.fixture
def parts():
    started = []
    yield started
    for part in reversed(started):
        part.stop()


def firing(prometheus, name):
    return [a for a in prometheus.alerts() if a["labels"]["alertname"] == name and a["state"] == "firing"]


def test_prometheus_scrapes_vigil_and_the_dashboard_finds_its_series(workdir, parts):
    vigil = Vigil()
    parts.append(vigil)
    prometheus = Prometheus(prometheus_config({"vigil": f"127.0.0.1:{vigil.metrics_port}"},
                                              rule_files=rules_with_short_for(workdir)), workdir)
    parts.append(prometheus)
    body = DEMO_EXAMPLE.read_bytes()
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:  # a few seconds of traffic, one bad request per round
        assert vigil.invoke(body) == 200
        assert vigil.invoke(b"{") == 400
        time.sleep(0.05)

    instance = f"127.0.0.1:{vigil.metrics_port}"
    wait_until(lambda: prometheus.result(f'up{{job="vigil",instance="{instance}"}} == 1'), 30, "vigil scraped")
    info = wait_until(lambda: prometheus.result("mlflow_model_info"), 30, "mlflow_model_info scraped")
    # The demo model was saved without a run, and Prometheus drops an empty label: no run_id here.
    assert {"model_name", "model_version", "model_uri", "flavor", "runtime", "job", "instance"} \
        <= set(info[0]["metric"])
    assert prometheus.result("vigil_build_info")
    wait_until(lambda: prometheus.result("model_version:mlflow_inference_requests:rate5m > 0"), 30,
               "request rate recorded")
    ratio = prometheus.result('model_version:mlflow_prediction_errors:ratio_rate5m{reason="bad_request"}')
    assert ratio and 0.2 < float(ratio[0]["value"][1]) < 0.8
    assert prometheus.result("mlflow_inference_stage_seconds_bucket") == [], "stage buckets not dropped"
    assert not firing(prometheus, "VigilNoModelLoaded") and not firing(prometheus, "VigilDown")

    errors, empty = [], []
    for where, expr in queries():
        status, answer = prometheus.query(as_promql(expr))
        if status != 200 or answer.get("status") != "success":
            errors.append(f"{where}: {answer.get('error', status)}")
        elif not answer["data"]["result"] and not any(
                word in expr for word in ("drift", "node_", "quality", "feedback", "load_failures", "poll_failures")):
            # drift lands later; no node-exporter, feedback or registry in this test
            empty.append(f"{where}: {expr}")
    assert not errors, "\n".join(errors)
    assert not empty, "dashboard queries without series against a real Vigil:\n" + "\n".join(empty)


def test_vigil_down_reaches_the_webhook_through_alertmanager_after_vigil_stops(workdir, parts):
    sink = WebhookReceiver()
    parts.append(sink)
    manager = Alertmanager(alertmanager_config(sink.url), workdir)
    parts.append(manager)
    vigil = Vigil()
    parts.append(vigil)
    instance = f"127.0.0.1:{vigil.metrics_port}"
    prometheus = Prometheus(prometheus_config({"vigil": instance}, alertmanager=f"127.0.0.1:{manager.port}",
                                              rule_files=rules_with_short_for(workdir)), workdir)
    parts.append(prometheus)
    wait_until(lambda: prometheus.result(f'up{{instance="{instance}"}} == 1'), 30, "vigil scraped")
    time.sleep(4)  # longer than the shortened `for:`: a healthy Vigil raises nothing
    assert not [a for _, a in sink.alerts() if a["labels"]["alertname"].startswith("Vigil")]

    vigil.stop()
    down = wait_until(lambda: [(r, a) for r, a in sink.alerts("firing") if a["labels"]["alertname"] == "VigilDown"],
                      60, "VigilDown at the webhook")
    receiver, alert = down[0]
    assert receiver == "page"
    assert alert["labels"]["instance"] == instance and alert["labels"]["severity"] == "page"
    assert alert["annotations"]["runbook_url"] == "docs/runbooks/VigilDown.md"


SLOW_MODEL = '''
import time
import mlflow


class Slow(mlflow.pyfunc.PythonModel):
    """Answers like an identity model, {delay} s late."""

    def predict(self, context, model_input, params=None):
        time.sleep({delay})
        return model_input


mlflow.models.set_model(Slow())
'''


def make_slow_model(directory, delay):
    import mlflow
    import pandas as pd
    from mlflow.models import infer_signature
    code = directory / "slow_model.py"
    code.write_text(textwrap.dedent(SLOW_MODEL.format(delay=delay)))
    example = pd.DataFrame({"x": [1.0, 2.0]})
    path = directory / "slow"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no type hints, no input example: not needed here
        mlflow.pyfunc.save_model(path=str(path), python_model=str(code),
                                 signature=infer_signature(example, example))
    return path


def test_latency_alert_fires_under_real_slowness(workdir, parts):
    vigil_bin()
    model = make_slow_model(workdir, delay=0.8)
    sink = WebhookReceiver()
    parts.append(sink)
    manager = Alertmanager(alertmanager_config(sink.url), workdir)
    parts.append(manager)
    venv_bin = str(Path(os.sys.executable).parent)
    env = {**os.environ, "PATH": venv_bin + os.pathsep + os.environ.get("PATH", "")}
    vigil = Vigil(model=model, ready_timeout=180, env=env)  # the Python bridge starts MLflow's pyfunc
    parts.append(vigil)
    instance = f"127.0.0.1:{vigil.metrics_port}"
    prometheus = Prometheus(prometheus_config({"vigil": instance}, alertmanager=f"127.0.0.1:{manager.port}",
                                              rule_files=rules_with_short_for(workdir)), workdir)
    parts.append(prometheus)

    stop = threading.Event()
    codes = []

    def traffic():  # bounded: at most 90 s, two requests in flight
        body = json.dumps({"dataframe_split": {"columns": ["x"], "data": [[1.0]]}}).encode()
        deadline = time.monotonic() + 90
        while not stop.is_set() and time.monotonic() < deadline:
            codes.append(vigil.invoke(body))

    workers = [threading.Thread(target=traffic, daemon=True) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        alert = wait_until(lambda: firing(prometheus, "VigilHighLatency"), 90, "VigilHighLatency firing", interval=0.5)
        assert alert[0]["labels"]["instance"] == instance and alert[0]["labels"]["severity"] == "ticket"
        assert float(alert[0]["value"]) > 0.5
        wait_until(lambda: [a for r, a in sink.alerts("firing") if a["labels"]["alertname"] == "VigilHighLatency"
                            and r == "ticket"], 30, "VigilHighLatency at the webhook")
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert codes and set(codes) == {200}, f"status codes {sorted(set(codes))}"


def send_loans(vigil, frame, batch=50):
    for start in range(0, len(frame), batch):
        rows = frame.iloc[start:start + batch]
        body = json.dumps({"dataframe_split": {"columns": list(rows.columns), "data": rows.values.tolist()}}).encode()
        assert vigil.invoke(body) == 200


def test_drift_alert_fires_for_the_shifted_feature_alone(workdir, parts):
    """Training-distribution traffic keeps every feature at state 0 and raises nothing; one window of
    traffic with credit_score shifted fires VigilFeatureDrift for that feature only, at the webhook."""
    import sys
    import numpy as np
    sys.path.insert(0, str(ROOT / "python" / "fixtures"))
    from make_demo import loans

    sink = WebhookReceiver()
    parts.append(sink)
    manager = Alertmanager(alertmanager_config(sink.url), workdir)
    parts.append(manager)
    vigil = Vigil()  # the demo model ships its training profile
    parts.append(vigil)
    instance = f"127.0.0.1:{vigil.metrics_port}"
    prometheus = Prometheus(prometheus_config({"vigil": instance}, alertmanager=f"127.0.0.1:{manager.port}",
                                              rule_files=rules_with_short_for(workdir)), workdir)
    parts.append(prometheus)
    features = {"age", "income", "loan_amount", "loan_term_months", "credit_score", "debt_to_income",
                "years_employed", "late_payments"}

    rng = np.random.default_rng(7)
    reference, _ = loans(rng, 1000)
    send_loans(vigil, reference)
    scraped = wait_until(lambda: (lambda r: r if {s["metric"]["feature"] for s in r} == features else None)(
        prometheus.result("mlflow_feature_drift_state")), 30, "every feature's drift state in Prometheus")
    assert all(float(s["value"][1]) == 0 for s in scraped), scraped
    time.sleep(4)  # twice the shortened `for:`: reference traffic raises nothing
    drift_alerts = [a for a in prometheus.alerts() if a["labels"]["alertname"].endswith("Drift")]
    assert not drift_alerts, drift_alerts

    shifted, _ = loans(rng, 1000)
    shifted["credit_score"] = shifted["credit_score"] - 120
    send_loans(vigil, shifted)
    delivered = wait_until(
        lambda: [(r, a) for r, a in sink.alerts("firing") if a["labels"]["alertname"] == "VigilFeatureDrift"], 60,
        "VigilFeatureDrift at the webhook")
    receiver, alert = delivered[0]
    assert receiver == "ticket"
    assert alert["labels"]["feature"] == "credit_score" and alert["labels"]["model_name"] == "demo"
    assert alert["annotations"]["runbook_url"] == "docs/runbooks/VigilFeatureDrift.md"
    firing_features = {a["labels"]["feature"] for a in firing(prometheus, "VigilFeatureDrift")}
    assert firing_features == {"credit_score"}, firing_features
    states = {s["metric"]["feature"]: float(s["value"][1]) for s in prometheus.result("mlflow_feature_drift_state")}
    assert states == {**{f: 0.0 for f in features}, "credit_score": 2.0}, states
