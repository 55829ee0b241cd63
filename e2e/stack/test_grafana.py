"""The Grafana provisioning and dashboard: well-formed JSON, and every query accepted by a real
Prometheus that scrapes Vigil-shaped series and a real node-exporter."""

import json
import re
import tempfile
from pathlib import Path

import pytest

from stacklib import DASHBOARD, DEPLOY, Prometheus, Process, StaticExporter, free_port, http_get, load_yaml, \
    prometheus_config, wait_until

FIXTURE = Path(__file__).parent / "fixtures" / "vigil_metrics.prom"
VARIABLES = ["datasource", "job", "instance", "model_name", "model_version"]


def dashboard():
    return json.loads(DASHBOARD.read_text())


def panels(board=None):
    board = board or dashboard()
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def queries(board=None):
    """(where, PromQL) for every panel target, variable and annotation of the dashboard."""
    board = board or dashboard()
    found = []
    for panel in panels(board):
        for target in panel.get("targets", []):
            found.append((f"panel {panel['title']!r} {target['refId']}", target["expr"]))
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query.strip(), re.S)
            assert match, f"variable {variable['name']}: unexpected query {query}"
            found.append((f"variable {variable['name']}", match.group(1)))
    for annotation in board["annotations"]["list"]:
        if annotation.get("expr"):
            found.append((f"annotation {annotation['name']!r}", annotation["expr"]))
    return found


def as_promql(expr):
    """Grafana's macros and variables replaced as Grafana would for 'All'."""
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("$__range", "1h")
    return re.sub(r"\$\{?(job|instance|model_name|model_version)\}?", ".*", expr)


def test_dashboard_is_well_formed():
    board = dashboard()
    assert board["uid"] == "vigil-overview" and board["title"]
    assert 36 <= board["schemaVersion"] <= 41
    ids = [panel["id"] for panel in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    assert [v["name"] for v in board["templating"]["list"]] == VARIABLES
    assert board["templating"]["list"][0] == {**board["templating"]["list"][0], "type": "datasource", "query": "prometheus"}
    for variable in board["templating"]["list"][1:]:
        assert variable["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    occupied = set()
    for panel in panels(board):
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])}
        assert not cells & occupied, f"{panel['title']} overlaps another panel"
        occupied |= cells
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel.get("description"), f"{panel['title']} has no description"
        assert panel["targets"], f"{panel['title']} has no query"
        assert panel["fieldConfig"]["defaults"].get("unit"), f"{panel['title']} has no unit"
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            if "rate(" in target["expr"]:
                assert "$__rate_interval" in target["expr"] or "ratio_rate" in target["expr"], target["expr"]


def test_dashboard_covers_the_required_views():
    titles = " | ".join(panel["title"] for panel in panels()).lower()
    for needed in ("throughput", "error ratio by reason", "latency quantiles per version", "time per stage",
                   "in-flight", "rows per request", "loaded versions", "feature drift score",
                   "feature drift state", "prediction drift", "input data quality", "live model quality", "feedback",
                   "registry following", "scrape health", "host cpu", "host memory"):
        assert needed in titles, needed
    exprs = " ".join(expr for _, expr in queries())
    for metric in ("mlflow_inference_latency_seconds_bucket", "mlflow_predictions_total",
                   "mlflow_prediction_errors_total", "mlflow_inference_requests_total",
                   "mlflow_inference_stage_seconds_sum", "mlflow_inference_batch_rows_bucket",
                   "mlflow_inference_in_flight", "mlflow_model_info", "mlflow_model_load_duration_seconds",
                   "mlflow_model_loaded_timestamp_seconds", "mlflow_feature_drift_score",
                   "mlflow_feature_drift_threshold", "mlflow_feature_drift_state", "mlflow_prediction_drift_score",
                   "mlflow_prediction_drift_state", "vigil_build_info", "node_cpu_seconds_total",
                   "node_memory_MemAvailable_bytes", "up", "mlflow_feature_type_errors_total", "mlflow_model_quality",
                   "mlflow_feedback_rows_total", "mlflow_feedback_unmatched_total", "mlflow_model_load_failures_total",
                   "mlflow_registry_poll_failures_total"):
        assert metric in exprs, metric
    annotations = dashboard()["annotations"]["list"]
    assert any("mlflow_model_loaded_timestamp_seconds" in a.get("expr", "") for a in annotations)


def test_provisioning_points_grafana_at_prometheus_and_the_dashboards_folder():
    sources = load_yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")["datasources"]
    prometheus = next(s for s in sources if s["type"] == "prometheus")
    assert prometheus["url"] == "http://prometheus:9090" and prometheus["isDefault"]
    provider = load_yaml(DEPLOY / "grafana/provisioning/dashboards/vigil.yml")["providers"][0]
    compose = load_yaml(DEPLOY / "docker-compose.yml")["services"]["grafana"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in compose["volumes"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in compose["volumes"]


@pytest.fixture(scope="module")
def scraping_prometheus():
    """Prometheus with the shipped rules, scraping the Vigil-shaped fixture as job "vigil" and a real
    node-exporter as job "node", every second."""
    workdir = tempfile.TemporaryDirectory(prefix="stack-grafana-")
    exporter = StaticExporter(FIXTURE.read_text())
    node_port = free_port()
    node = Process(["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{node_port}"], name="node")
    prometheus = None
    try:
        wait_until(lambda: http_get(f"http://127.0.0.1:{node_port}/metrics")[0] == 200, 20, "node-exporter", node)
        prometheus = Prometheus(prometheus_config({"vigil": f"127.0.0.1:{exporter.port}",
                                                   "node": f"127.0.0.1:{node_port}"}), workdir.name)
        # Two scrapes of everything, and the rules evaluated after them, before any rate() has data.
        wait_until(lambda: prometheus.result('count_over_time(up{job="node"}[1m]) >= 3')
                   and prometheus.result('count_over_time(up{job="vigil"}[1m]) >= 3')
                   and prometheus.result("model:mlflow_inference_server_errors:ratio_rate1h"), 60,
                   "three scrapes and a rule evaluation")
        yield prometheus
    finally:
        if prometheus:
            prometheus.stop()
        node.stop()
        exporter.stop()
        workdir.cleanup()


def test_every_dashboard_query_runs_and_finds_series(scraping_prometheus):
    errors, empty = [], []
    for where, expr in queries():
        status, body = scraping_prometheus.query(as_promql(expr))
        if status != 200 or body.get("status") != "success":
            errors.append(f"{where}: {body.get('error', status)}\n    {expr}")
        elif not body["data"]["result"] and "annotation" not in where:
            empty.append(f"{where}: {expr}")
    assert not errors, "queries Prometheus rejects:\n" + "\n".join(errors)
    assert not empty, "queries that find no series:\n" + "\n".join(empty)


def test_metric_relabelling_drops_stage_buckets_and_keeps_the_rest(scraping_prometheus):
    assert scraping_prometheus.result('mlflow_inference_stage_seconds_bucket') == []
    assert scraping_prometheus.result('mlflow_inference_stage_seconds_count{stage="predict"}')
    assert scraping_prometheus.result('mlflow_inference_latency_seconds_bucket{job="vigil",le="+Inf"}')
