"""Alertmanager routing and inhibition: amtool on the shipped file, then a real Alertmanager 0.25."""

import subprocess
import time

import pytest

from stacklib import ALERTMANAGER_CONFIG, Alertmanager, WebhookReceiver, alertmanager_config, load_yaml, \
    wait_until


def amtool(*args):
    return subprocess.run(["amtool", *args], capture_output=True, text=True)


def test_amtool_accepts_the_config():
    result = amtool("check-config", str(ALERTMANAGER_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("labels, receiver", [
    (["alertname=Watchdog", "severity=none"], "deadmansswitch"),
    (["alertname=VigilDown", "severity=page", "job=vigil", "instance=vigil-0:8001"], "page"),
    (["alertname=VigilHighLatency", "severity=ticket", "model_name=churn"], "ticket"),
    (["alertname=VigilErrorBudgetBurnFast", "severity=page", "model_name=fraud-eu"], "team-fraud-page"),
    (["alertname=VigilFeatureDrift", "severity=ticket", "model_name=fraud-eu"], "team-fraud-ticket"),
    (["alertname=Unknown"], "default"),
])
def test_routes_by_severity_and_model_name(labels, receiver):
    result = amtool("config", "routes", "test", f"--config.file={ALERTMANAGER_CONFIG}",
                    f"--verify.receivers={receiver}", *labels)
    assert result.returncode == 0, f"{labels}: got {result.stdout.strip()}, want {receiver}"


def test_every_receiver_has_a_placeholder_webhook_and_the_commented_integrations_are_there():
    config = load_yaml(ALERTMANAGER_CONFIG)
    for receiver in config["receivers"]:
        urls = [hook["url"] for hook in receiver["webhook_configs"]]
        assert urls and all(".invalid/" in url for url in urls), receiver["name"]
    text = ALERTMANAGER_CONFIG.read_text()
    assert "# pagerduty_configs:" in text and "# opsgenie_configs:" in text
    assert config["route"]["group_by"] == ["alertname", "job", "model_name"]


def alert(name, severity, **labels):
    return {"labels": {"alertname": name, "severity": severity, **labels},
            "annotations": {"summary": name}, "generatorURL": "http://127.0.0.1/test"}


def test_vigil_down_inhibits_latency_and_errors_of_the_same_instance_only(tmp_path):
    sink = WebhookReceiver()
    manager = Alertmanager(alertmanager_config(sink.url), tmp_path)
    try:
        manager.post_alerts([
            alert("VigilDown", "page", job="vigil", instance="vigil-0:8001"),
            alert("VigilHighLatency", "ticket", job="vigil", instance="vigil-0:8001", model_name="churn"),
            alert("VigilHighErrorRatio", "ticket", job="vigil", instance="vigil-0:8001", model_name="churn"),
            alert("VigilHighLatency", "ticket", job="vigil", instance="vigil-1:8001", model_name="churn"),
            alert("VigilErrorBudgetBurnFast", "page", job="vigil", model_name="churn"),
            alert("VigilErrorBudgetBurnSlow", "ticket", job="vigil", model_name="churn"),
            alert("VigilErrorBudgetBurnSlow", "ticket", job="vigil", model_name="ads"),
        ])

        def delivered():
            got = {(receiver, a["labels"]["alertname"], a["labels"].get("instance", a["labels"].get("model_name")))
                   for receiver, a in sink.alerts("firing")}
            return got if len(got) >= 4 else None

        got = wait_until(delivered, 30, "notifications delivered")
        time.sleep(3)  # let any wrongly uninhibited notification arrive too
        got = {(r, a["labels"]["alertname"], a["labels"].get("instance", a["labels"].get("model_name")))
               for r, a in sink.alerts("firing")}
        assert got == {
            ("page", "VigilDown", "vigil-0:8001"),
            ("ticket", "VigilHighLatency", "vigil-1:8001"),
            ("page", "VigilErrorBudgetBurnFast", "churn"),
            ("ticket", "VigilErrorBudgetBurnSlow", "ads"),
        }
        inhibited = {(a["labels"]["alertname"], a["labels"].get("instance", a["labels"].get("model_name")))
                     for a in manager.alerts(inhibited=True, active=False)}
        assert inhibited == {("VigilHighLatency", "vigil-0:8001"), ("VigilHighErrorRatio", "vigil-0:8001"),
                             ("VigilErrorBudgetBurnSlow", "churn")}
    finally:
        manager.stop()
        sink.stop()
