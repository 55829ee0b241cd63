"""scripts/stack runs the stack as local processes, reports it, and stops exactly what it started."""

import json
import os
import subprocess

import pytest

from stacklib import ROOT, free_port, http_get, http_get_json, wait_until

SCRIPT = ROOT / "scripts" / "stack"


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie awaiting its parent counts as gone.
    try:
        return open(f"/proc/{pid}/stat").read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def stack(tmp_path):
    env = {**os.environ, "STACK_DIR": str(tmp_path / "stack"), "VIGIL_BIN": str(tmp_path / "no-vigil")}
    for var in ("VIGIL_PORT", "VIGIL_METRICS_PORT", "PROMETHEUS_PORT", "ALERTMANAGER_PORT",
                "NODE_EXPORTER_PORT", "WEBHOOK_PORT", "GRAFANA_PORT"):
        env[var] = str(free_port())
    env.pop("VIGIL_ALERT_WEBHOOK", None)

    def run(*args, timeout=180):
        return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout)

    yield run, env, tmp_path / "stack"
    run("down")


def started_pids(state):
    return {path.stem: int(path.read_text().split()[0]) for path in (state / "run").glob("*.pid")}


def test_up_status_down(stack):
    run, env, state = stack
    up = run("up")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "no Vigil binary" in up.stderr
    prometheus = f"http://127.0.0.1:{env['PROMETHEUS_PORT']}"
    for url in (prometheus + "/", f"http://127.0.0.1:{env['ALERTMANAGER_PORT']}/",
                f"http://127.0.0.1:{env['NODE_EXPORTER_PORT']}/metrics"):
        assert url in up.stdout

    pids = started_pids(state)
    assert set(pids) >= {"prometheus", "alertmanager", "node-exporter", "webhook"}
    assert all(pid_alive(pid) for pid in pids.values())

    # The generated Prometheus config is the shipped one with local targets, and valid.
    check = subprocess.run(["promtool", "check", "config", str(state / "prometheus.yml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    targets = wait_until(lambda: {t["labels"]["job"]: t["scrapeUrl"] for t in
                                  http_get_json(prometheus + "/api/v1/targets")["data"]["activeTargets"]},
                         30, "targets discovered")
    assert targets == {
        "vigil": f"http://127.0.0.1:{env['VIGIL_METRICS_PORT']}/metrics",
        "node": f"http://127.0.0.1:{env['NODE_EXPORTER_PORT']}/metrics",
        "prometheus": f"http://127.0.0.1:{env['PROMETHEUS_PORT']}/metrics",
        "alertmanager": f"http://127.0.0.1:{env['ALERTMANAGER_PORT']}/metrics",
    }
    rules = http_get_json(prometheus + "/api/v1/rules")["data"]["groups"]
    assert {g["name"] for g in rules} >= {"vigil.availability", "vigil.slo", "vigil.recording.slo"}

    # Watchdog flows Prometheus -> Alertmanager -> the local webhook sink within Prometheus'
    # default alert resend delay (1 minute) at most.
    def watchdog_logged():
        log = state / "alerts.jsonl"
        return log.exists() and any(
            alert["labels"]["alertname"] == "Watchdog"
            for line in log.read_text().splitlines()
            for alert in json.loads(line)["notification"]["alerts"])
    wait_until(watchdog_logged, 100, "Watchdog in alerts.jsonl", interval=1)

    status = run("status")
    assert status.returncode == 0
    for name in ("prometheus", "alertmanager", "node-exporter", "webhook"):
        line = next(l for l in status.stdout.splitlines() if l.startswith(name + " "))
        assert " running " in line and " ok " in line, line

    again = run("up")
    assert again.returncode != 0 and "already runs" in again.stderr

    down = run("down")
    assert down.returncode == 0
    for name, pid in pids.items():
        assert f"stopped {name}" in down.stdout
        wait_until(lambda: not pid_alive(pid), 10, f"{name} gone")
    assert list((state / "run").glob("*.pid")) == []
    assert "nothing started" in run("status").stdout


def test_busy_default_port_moves_to_a_free_one(stack):
    run, env, state = stack
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env["NODE_EXPORTER_PORT"])))
        busy.listen()
        up = run("up")
        assert up.returncode == 0, up.stdout + up.stderr
        assert f"port {env['NODE_EXPORTER_PORT']} is busy" in up.stderr
        ports = dict(line.split("=") for line in (state / "ports.env").read_text().split())
        assert ports["node-exporter"] != env["NODE_EXPORTER_PORT"]
        assert http_get(f"http://127.0.0.1:{ports['node-exporter']}/metrics")[0] == 200
