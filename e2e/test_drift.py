"""Drift as a user sees it: the demo model with its training profile, traffic from the training
distribution, then traffic with one feature shifted, read back from Vigil's /metrics."""

import re
import sys

import numpy as np
import requests

from conftest import ROOT, VigilServer

sys.path.insert(0, str(ROOT / "python" / "fixtures"))
from make_demo import loans  # noqa: E402

FEATURES = ["age", "income", "loan_amount", "loan_term_months", "credit_score", "debt_to_income",
            "years_employed", "late_payments"]


def send(server, frame, batch=50):
    for start in range(0, len(frame), batch):
        rows = frame.iloc[start:start + batch]
        body = {"dataframe_split": {"columns": list(rows.columns), "data": rows.values.tolist()}}
        assert requests.post(server.url("/invocations"), json=body, timeout=10).status_code == 200


def states(server):
    text = requests.get(server.ops("/metrics"), timeout=10).text
    found = {}
    for feature, value in re.findall(r'mlflow_feature_drift_state\{[^}]*feature="([^"]+)"[^}]*\} (\S+)', text):
        found[feature] = float(value)
    return found, text


def test_a_shifted_feature_and_only_it_drifts():
    server = VigilServer()
    try:
        rng = np.random.default_rng(2026)
        reference, _ = loans(rng, 1000)
        send(server, reference)
        before, text = states(server)
        assert set(before) == set(FEATURES), text[-2000:]
        assert all(state == 0 for state in before.values()), before
        assert re.search(r"mlflow_feature_drift_window_rows\{[^}]*\} 1000", text)

        shifted, _ = loans(rng, 1000)
        shifted["credit_score"] = shifted["credit_score"] - 120  # one window's worth of shifted rows
        send(server, shifted)
        after, text = states(server)
        assert after["credit_score"] == 2, after
        assert all(state == 0 for feature, state in after.items() if feature != "credit_score"), after
        assert re.search(r'mlflow_feature_drift_score\{[^}]*feature="credit_score",method="psi"\} ', text)

        # A value that cannot be the signature's type: MLflow's 400, counted against that feature.
        bad = {"dataframe_split": {"columns": FEATURES, "data": [[40, 50, 10, 36, "n/a", 0.2, 3, 0]]}}
        assert requests.post(server.url("/invocations"), json=bad, timeout=10).status_code == 400
        text = requests.get(server.ops("/metrics"), timeout=10).text
        assert re.search(r'mlflow_feature_type_errors_total\{[^}]*feature="credit_score"\} 1\b', text), text
        assert re.search(r'mlflow_feature_type_errors_total\{[^}]*feature="age"\} 0\b', text)
    finally:
        server.stop()
