"""Live quality from ground truth as a user sees it: the demo model served with feedback on,
labels posted by request id, and the quality read back from /metrics, against scikit-learn's
metrics on the same rows; then the inference log carrying feedback across a restart."""

import os
import re
import sys

import numpy as np
import pytest
import requests
import xgboost as xgb
from sklearn import metrics

from conftest import DEMO_MODEL, ROOT, VigilServer

sys.path.insert(0, str(ROOT / "python" / "fixtures"))
from make_demo import loans  # noqa: E402


def invoke(server, rows, request_id=None):
    body = {"dataframe_split": {"columns": list(rows.columns), "data": rows.values.tolist()}}
    headers = {"x-request-id": request_id} if request_id else {}
    response = requests.post(server.url("/invocations"), json=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.headers["x-request-id"], response.json()["predictions"]


def quality(server):
    text = requests.get(server.ops("/metrics"), timeout=10).text
    found = {m: float(v) for m, v in re.findall(r'mlflow_model_quality\{[^}]*metric="(\w+)"\} (\S+)', text)}
    return found, text


def post_feedback(server, entries):
    response = requests.post(server.url("/feedback"), json={"feedback": entries}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def demo_probabilities(rows):
    model = xgb.XGBClassifier()
    model.load_model(str(DEMO_MODEL / "model.ubj"))
    return model.predict_proba(rows)[:, 1].astype(np.float64)


@pytest.mark.parametrize("stack", ["nio", "hummingbird"])
def test_request_ids_are_echoed_or_made(stack):
    server = VigilServer(env={**os.environ, "VIGIL_HTTP_STACK": stack})
    try:
        rows, _ = loans(np.random.default_rng(1), 1)
        assert invoke(server, rows, "client-7")[0] == "client-7"
        made = {invoke(server, rows)[0] for _ in range(5)}
        assert len(made) == 5
        replaced = invoke(server, rows, "x" * 129)[0]  # too long: replaced by a made one
        assert replaced != "x" * 129 and replaced.split("-")[0] == next(iter(made)).split("-")[0]
        # Feedback is off by default: the route answers 404 with MLflow's error body.
        response = requests.post(server.url("/feedback"), json={"feedback": []}, timeout=10)
        assert response.status_code == 404 and response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    finally:
        server.stop()


def test_quality_equals_scikit_learn_on_the_labelled_rows():
    server = VigilServer(extra_args=["--feedback"])
    try:
        rng = np.random.default_rng(2026)
        rows, truth = loans(rng, 600)
        ids, predictions = [], []
        start = 0
        for size in [1, 7, 50, 42, 100, 200, 200]:  # one request of each size, 600 rows
            request_id, predicted = invoke(server, rows.iloc[start:start + size], f"req-{start}")
            assert request_id == f"req-{start}"
            ids.append((request_id, start, size))
            predictions += predicted
            start += size
        entries = [{"request_id": rid, "labels": truth[s:s + n].tolist()} if n > 1
                   else {"request_id": rid, "label": int(truth[s])} for rid, s, n in ids]
        entries += [{"request_id": "never-sent", "label": 1}, {"request_id": "req-0", "labels": [0, 1]}]
        counts = post_feedback(server, entries)
        assert counts["matched"] == len(ids) and counts["rows"] == 600, counts
        assert counts["unknown"] == 1 and counts["duplicate"] == 1, counts

        found, text = quality(server)
        p = demo_probabilities(rows)
        assert found["accuracy"] == pytest.approx(metrics.accuracy_score(truth, predictions), rel=1e-12)
        assert found["auc"] == pytest.approx(metrics.roc_auc_score(truth, p), rel=1e-9)
        assert found["log_loss"] == pytest.approx(metrics.log_loss(truth, p, labels=[0, 1]), rel=1e-9)
        assert 'mlflow_feedback_rows_total{model_name="demo",model_version="7c3f9a1e"} 600' in text
        assert re.search(r'mlflow_feedback_unmatched_total\{reason="unknown"\} 1\b', text)
        assert re.search(r'mlflow_model_quality_window_rows\{[^}]*\} 600', text)

        bad = requests.post(server.url("/feedback"), data="{not json", timeout=10)
        assert bad.status_code == 400 and bad.json()["error_code"] == "BAD_REQUEST"
    finally:
        server.stop()


def test_feedback_matches_requests_answered_before_a_restart(tmp_path):
    log = tmp_path / "log"
    args = ["--inference-log", str(log)]
    rows, truth = loans(np.random.default_rng(7), 40)
    server = VigilServer(extra_args=args)
    try:
        answered = [invoke(server, rows.iloc[i:i + 10]) for i in range(0, 40, 10)]
    finally:
        server.stop()
    lines = [line for f in sorted(log.glob("inference-*.jsonl")) for line in f.read_text().splitlines()]
    assert len(lines) == 4

    server = VigilServer(extra_args=args)
    try:
        entries = [{"request_id": rid, "labels": truth[i * 10:i * 10 + 10].tolist()}
                   for i, (rid, _) in enumerate(answered)]
        counts = post_feedback(server, entries)
        assert counts["matched"] == 4 and counts["rows"] == 40, counts
        found, _ = quality(server)
        predictions = [v for _, predicted in answered for v in predicted]
        assert found["accuracy"] == pytest.approx(metrics.accuracy_score(truth, predictions), rel=1e-12)
    finally:
        server.stop()


def test_the_python_runtime_remembers_predictions_read_back_from_mlflow(python_bin):
    server = VigilServer(extra_args=["--feedback", "--runtime", "python", "--python", python_bin], ready_timeout=180)
    try:
        rows, truth = loans(np.random.default_rng(3), 20)
        request_id, predicted = invoke(server, rows)
        counts = post_feedback(server, [{"request_id": request_id, "labels": truth.tolist()}])
        assert counts["matched"] == 1 and counts["rows"] == 20, counts
        found, _ = quality(server)
        assert found["accuracy"] == pytest.approx(metrics.accuracy_score(truth, predicted), rel=1e-12)
        assert "auc" not in found  # no probabilities from MLflow's answer
    finally:
        server.stop()
