"""python/vigil_profile.py, the one-call way to log a model with its drift profile: its profile is the
one `vigil profile` computes, number for number, and a model it logged serves with drift on."""

import json
import subprocess
import sys

import mlflow
import mlflow.xgboost
import pandas as pd
import pytest
import requests

from conftest import DEMO_MODEL, ROOT, VigilServer, vigil_binary, wait_until

sys.path.insert(0, str(ROOT / "python"))
import vigil_profile  # noqa: E402

TRAIN = DEMO_MODEL / "train_sample.csv"


def test_the_python_profile_equals_vigil_profile(tmp_path):
    output = tmp_path / "profile.json"
    subprocess.run([vigil_binary(), "profile", "--data", str(TRAIN), "--model", str(DEMO_MODEL),
                    "--output", str(output)], check=True, capture_output=True)
    from_vigil = json.loads(output.read_text())

    model = mlflow.pyfunc.load_model(str(DEMO_MODEL))
    data = pd.read_csv(TRAIN)
    from_python = vigil_profile.build_profile(data, model.predict(data), model_uuid=model.metadata.model_uuid)
    assert from_python == from_vigil


@pytest.fixture
def local_tracking(tmp_path):
    """A sqlite tracking store in tmp_path for this test only (MLflow's tracking URI is process-global)."""
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    yield
    mlflow.set_tracking_uri(None)


def test_log_model_adds_the_profile_next_to_mlmodel_and_vigil_serves_with_drift(tmp_path, local_tracking):
    experiment = mlflow.create_experiment("profile-helper", artifact_location=(tmp_path / "artifacts").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    booster = mlflow.xgboost.load_model(str(DEMO_MODEL))
    data = pd.read_csv(TRAIN)
    with mlflow.start_run():
        info = vigil_profile.log_model(mlflow.xgboost, booster, training_data=data, name="model",
                                       input_example=data.head(3))
    local = mlflow.artifacts.download_artifacts(info.model_uri, dst_path=str(tmp_path / "downloaded"))
    profile = json.loads((tmp_path / "downloaded" / "vigil_profile.json").read_text())
    assert [f["name"] for f in profile["features"]] == list(data.columns)
    assert profile["prediction"]["categories"] == ["0", "1"]

    server = VigilServer(model=local)
    try:
        rows = data.head(400)
        body = {"dataframe_split": {"columns": list(rows.columns), "data": rows.values.tolist()}}
        assert requests.post(server.url("/invocations"), json=body, timeout=10).status_code == 200
        wait_until(lambda: 'mlflow_feature_drift_state{' in requests.get(server.ops("/metrics"), timeout=5).text, 10,
                   "drift scores from the logged profile")
    finally:
        server.stop()
