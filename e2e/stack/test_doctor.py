"""`vigil doctor` against a real Prometheus 2.42 (and Alertmanager) on loopback ports: a broken stack
(a dead target, no Vigil metrics, no Alertmanager) exits 1 and names each problem; a healthy one
(the Vigil-shaped fixture or a real `vigil serve`, node-exporter, Alertmanager, the shipped rules) exits 0; an unreachable
Prometheus exits 2. Needs the release binary (VIGIL_BIN or .build/release/vigil)."""

import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import VigilServer, vigil_binary
from stacklib import Alertmanager, Prometheus, Process, StaticExporter, alertmanager_config, free_port, http_get, \
    prometheus_config, wait_until

FIXTURE = Path(__file__).parent / "fixtures" / "vigil_metrics.prom"
CORE = ["mlflow_inference_latency_seconds_count", "mlflow_predictions_total", "mlflow_prediction_errors_total",
        "mlflow_model_info", "vigil_build_info"]


def doctor(*args, env=None):
    result = subprocess.run([vigil_binary(), "doctor", *args], capture_output=True, text=True, timeout=120, env=env)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def node_exporter():
    port = free_port()
    node = Process(["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{port}"], name="node")
    try:
        wait_until(lambda: http_get(f"http://127.0.0.1:{port}/metrics")[0] == 200, 20, "node-exporter", node)
        yield f"127.0.0.1:{port}"
    finally:
        node.stop()


def scraped_and_evaluated(prometheus, jobs):
    """Every job scraped at least once and every rule evaluated at least once."""
    targets = prometheus.targets()
    if {t["labels"]["job"] for t in targets} != set(jobs) or any(t["health"] == "unknown" for t in targets):
        return False
    from stacklib import http_get_json
    groups = http_get_json(prometheus.url + "/api/v1/rules")["data"]["groups"]
    return groups and all(rule["health"] == "ok" for group in groups for rule in group["rules"])


def test_broken_stack_fails_naming_the_dead_target_and_missing_metrics(node_exporter):
    vigil_binary()
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    with tempfile.TemporaryDirectory(prefix="stack-doctor-") as workdir:
        prometheus = Prometheus(prometheus_config({"vigil": dead, "node": node_exporter}), workdir)
        try:
            wait_until(lambda: scraped_and_evaluated(prometheus, ["vigil", "node"]), 60, "scrapes and rule evaluation")
            code, out = doctor("--prometheus", prometheus.url)
        finally:
            prometheus.stop()
    assert code == 1, out
    lines = out.splitlines()
    dead_lines = [line for line in lines if line.startswith("[FAIL] targets:")]
    assert len(dead_lines) == 1 and f"instance={dead}" in dead_lines[0] and "job=vigil" in dead_lines[0], out
    assert "connection refused" in dead_lines[0], out
    for name in CORE:
        assert any(line.startswith("[FAIL] vigil-job:") and name in line for line in lines), f"{name} not named:\n{out}"
    assert any(line.startswith("[FAIL] alertmanager:") and "no Alertmanager" in line for line in lines), out
    assert any(line.startswith("[OK]   rules:") for line in lines), out
    assert any(line.startswith("[OK]   cardinality:") and "node_" in line for line in lines), out


@pytest.mark.parametrize("source", ["fixture", "vigil serve"])
def test_healthy_stack_passes(node_exporter, source):
    """Job vigil scrapes either the Vigil-shaped fixture or a real `vigil serve` (the demo model, no
    request yet: the core metrics exist from the start)."""
    vigil_binary()
    if source == "fixture":
        exporter = StaticExporter(FIXTURE.read_text())
        vigil_target = f"127.0.0.1:{exporter.port}"
    else:
        exporter = VigilServer()
        vigil_target = f"127.0.0.1:{exporter.metrics_port}"
    with tempfile.TemporaryDirectory(prefix="stack-doctor-") as workdir:
        alertmanager = Alertmanager(alertmanager_config("http://127.0.0.1:9/unused"), workdir)
        prometheus = None
        try:
            prometheus = Prometheus(prometheus_config({"vigil": vigil_target, "node": node_exporter},
                                                      alertmanager=f"127.0.0.1:{alertmanager.port}"), workdir)
            wait_until(lambda: scraped_and_evaluated(prometheus, ["vigil", "node"])
                       and any(a["labels"]["alertname"] == "Watchdog" and a["state"] == "firing"
                               for a in prometheus.alerts())
                       and any(a["labels"]["alertname"] == "Watchdog" for a in alertmanager.alerts()),
                       60, "scrapes, rules and a Watchdog firing into Alertmanager")
            code, out = doctor("--prometheus", prometheus.url, "--max-series", "100000")
        finally:
            if prometheus:
                prometheus.stop()
            alertmanager.stop()
            exporter.stop()
    assert code == 0, out
    assert "[FAIL]" not in out, out
    assert "all 5 core Vigil metrics present" in out, out
    assert f"127.0.0.1:{alertmanager.port} is ready" in out, out
    assert "[OK]   watchdog: Watchdog is firing" in out, out
    assert f"[OK]   watchdog: Watchdog reached http://127.0.0.1:{alertmanager.port}" in out, out


def test_unreachable_prometheus_exits_2():
    url = f"http://127.0.0.1:{free_port()}"
    code, out = doctor("--prometheus", url)
    assert code == 2, out
    assert f"cannot query {url}" in out, out
