"""`vigil predict` answers what `mlflow models predict` answers for the same model and input."""

import json
import os
import subprocess
from pathlib import Path

from conftest import DEMO_MODEL, vigil_binary


def test_predict_matches_mlflow_models_predict(tmp_path, python_bin):
    body = DEMO_MODEL / "serving_input_example.json"
    ours = subprocess.run([vigil_binary(), "predict", "--model", str(DEMO_MODEL), "--input", str(body)],
                          capture_output=True, text=True, timeout=60)
    assert ours.returncode == 0, ours.stderr
    venv_bin = str(Path(python_bin).parent)
    out = tmp_path / "mlflow.json"
    theirs = subprocess.run([os.path.join(venv_bin, "mlflow"), "models", "predict", "-m", str(DEMO_MODEL),
                             "-i", str(body), "-t", "json", "-o", str(out), "--env-manager", "local"],
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true",
                                     PATH=venv_bin + os.pathsep + os.environ["PATH"]))
    assert theirs.returncode == 0, theirs.stderr[-2000:]
    assert json.loads(ours.stdout) == json.loads(out.read_text())


def test_predict_reports_a_bad_input_with_mlflows_error_body(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"dataframe_split": {"columns": ["nope"], "data": [[1]]}}')
    result = subprocess.run([vigil_binary(), "predict", "--model", str(DEMO_MODEL), "--input", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert json.loads(result.stderr.strip().splitlines()[-1])["error_code"] == "INVALID_PARAMETER_VALUE"
