"""Alerts travel from the shipped rules through the shipped Alertmanager routing to a webhook, with
real processes: Prometheus 2.42, Alertmanager 0.25, and a receiver on a loopback port.

Here the Vigil target is a port nothing listens on; test_live_vigil.py does the same with a real
Vigil that is stopped. `for:` durations are cut to 2 s (promtool's unit tests prove the real ones)."""

import tempfile

import pytest

from stacklib import Alertmanager, Prometheus, WebhookReceiver, alertmanager_config, free_port, \
    prometheus_config, rules_with_short_for, wait_until


@pytest.fixture
def pipeline():
    workdir = tempfile.TemporaryDirectory(prefix="stack-pipeline-")
    sink = WebhookReceiver()
    manager = prometheus = None
    try:
        manager = Alertmanager(alertmanager_config(sink.url), workdir.name)
        closed_port = free_port()  # nothing listens here: the Vigil target is down
        config = prometheus_config({"vigil": f"127.0.0.1:{closed_port}"}, alertmanager=f"127.0.0.1:{manager.port}",
                                   rule_files=rules_with_short_for(workdir.name))
        prometheus = Prometheus(config, workdir.name)
        yield prometheus, manager, sink, closed_port
    finally:
        for part in (prometheus, manager):
            if part:
                part.stop()
        sink.stop()
        workdir.cleanup()


def test_vigil_down_and_watchdog_reach_their_receivers(pipeline):
    prometheus, manager, sink, closed_port = pipeline

    def arrived(name):
        return [(receiver, alert) for receiver, alert in sink.alerts("firing") if alert["labels"]["alertname"] == name]

    down = wait_until(lambda: arrived("VigilDown"), 60, "VigilDown delivered to the webhook")
    receiver, alert = down[0]
    assert receiver == "page"
    assert alert["labels"] == {"alertname": "VigilDown", "severity": "page", "job": "vigil",
                               "instance": f"127.0.0.1:{closed_port}"}
    assert alert["annotations"]["runbook_url"] == "docs/runbooks/VigilDown.md"
    assert alert["annotations"]["summary"] == f"Vigil 127.0.0.1:{closed_port} is down"

    watchdog = wait_until(lambda: arrived("Watchdog"), 30, "Watchdog delivered")
    assert watchdog[0][0] == "deadmansswitch"
    # The target exists, so VigilAbsent must not fire.
    assert not [a for a in prometheus.alerts() if a["labels"]["alertname"] == "VigilAbsent"]
