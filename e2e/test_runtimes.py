"""Every native-runtime fixture, served over HTTP by the release binary, answers what MLflow's
pyfunc (or, where MLflow itself fails, the library) answers for the same rows.

Linear scikit-learn models go through OpenBLAS in numpy, whose summation order depends on the CPU
and the row's place in the batch; they are compared to 1e-12 relative. Everything else is exact.
A fixture whose model the native runtime refuses is served through the Python runtime instead.
"""

import json
import math

import pytest
import requests

from conftest import ROOT, VigilServer

FIXTURES = ROOT / "Tests" / "Fixtures"
CASES = sorted(p.parent for flavor in ("xgboost", "lightgbm", "sklearn")
               for p in (FIXTURES / flavor).glob("*/expected.json"))
LINEAR = ("logreg", "linear_regression", "ridge", "lasso", "elasticnet", "sgd", "pipeline_standard_logreg",
          "pipeline_minmax_ridge", "pipeline_mixed_logreg", "pipeline_mixed_regressor")


def close(a, b, tolerance):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(close(x, y, tolerance) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)):
        if math.isnan(a):
            return math.isnan(b)
        return a == b or abs(a - b) <= tolerance * max(abs(a), abs(b))
    return a == b


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_served_predictions_match_the_library(case, python_bin):
    expected = json.loads((case / "expected.json").read_text())
    rows = json.loads((case / "input.json").read_text())
    server = VigilServer(model=case, extra_args=["--python", python_bin], ready_timeout=180)
    try:
        answer = requests.post(server.url("/invocations"), json={"dataframe_split": rows}, timeout=120)
        assert answer.status_code == 200, answer.text[:500]
        got = answer.json()["predictions"]
        tolerance = 1e-12 if case.parent.name == "sklearn" and case.name.startswith(LINEAR) else 0.0
        assert close(got, expected["predictions"], tolerance), (got[:5], expected["predictions"][:5])
    finally:
        server.stop()
