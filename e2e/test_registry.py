"""`vigil serve --model models:/…` against a real MLflow tracking server: resolution, download, cache."""

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from conftest import DEMO_MODEL, ROOT, Process, VigilServer, free_port, vigil_binary, wait_until

NAME = "vigil_demo"

# Re-logs the demo model (same booster, same signature) to the tracking server and registers it.
REGISTER = textwrap.dedent("""
    import json, sys
    import mlflow
    from mlflow.models import Model
    demo = sys.argv[1]
    mlflow.set_experiment("vigil-registry-e2e")
    booster = mlflow.xgboost.load_model(demo)
    signature = Model.load(demo).signature
    with mlflow.start_run() as run:
        info = mlflow.xgboost.log_model(booster, name="model", signature=signature, pip_requirements=["xgboost"],
                                        registered_model_name=sys.argv[2])
    client = mlflow.MlflowClient()
    client.set_registered_model_alias(sys.argv[2], "champion", "1")
    client.transition_model_version_stage(sys.argv[2], "1", "Production")  # deprecated, still served
    print(json.dumps({"run_id": run.info.run_id, "model_id": info.model_id}))
""")


def venv_bin(tool):
    """The tool beside the Python running pytest, unless VIGIL_VENV names another venv."""
    venv = os.environ.get("VIGIL_VENV")
    return str(Path(venv) / "bin" / tool if venv else Path(sys.executable).parent / tool)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    vigil_binary()  # skip early when there is no binary
    if not Path(venv_bin("mlflow")).is_file():
        pytest.skip(f"no mlflow at {venv_bin('mlflow')}: set VIGIL_VENV")
    tmp = tmp_path_factory.mktemp("registry")
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true")
    server = Process([venv_bin("mlflow"), "server", "--backend-store-uri", f"sqlite:///{tmp}/mlflow.db",
                      "--artifacts-destination", str(tmp / "artifacts"), "--host", "127.0.0.1", "--port", str(port),
                      "--workers", "1"], env=env, name="mlflow")
    try:
        wait_until(lambda: requests.get(f"{uri}/health", timeout=2).status_code == 200, 180, "mlflow server",
                   server.popen)
        done = subprocess.run([venv_bin("python"), "-c", REGISTER, str(DEMO_MODEL), NAME], capture_output=True,
                              text=True, timeout=180, env=dict(env, MLFLOW_TRACKING_URI=uri))
        assert done.returncode == 0, done.stderr
        logged = json.loads(done.stdout.strip().splitlines()[-1])
        yield {"uri": uri, "server": server, "cache": tmp / "cache", **logged}
    finally:
        server.stop()


def vigil_env(registry, **extra):
    return dict(os.environ, MLFLOW_TRACKING_URI=registry["uri"], VIGIL_CACHE_DIR=str(registry["cache"]), **extra)


def predict(server):
    answer = requests.post(server.url("/invocations"), data=(DEMO_MODEL / "serving_input_example.json").read_bytes(),
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def model_info(server):
    text = requests.get(server.ops("/metrics")).text
    line = next(line for line in text.splitlines() if line.startswith("mlflow_model_info{"))
    return dict(re.findall(r'(\w+)="([^"]*)"', line))


@pytest.fixture(scope="module")
def expected():
    local = VigilServer()
    try:
        return predict(local)
    finally:
        local.stop()


def serve(registry, model, **extra):
    return VigilServer(model=model, env=vigil_env(registry, **extra), ready_timeout=60)


def test_alias_resolves_downloads_and_labels_the_version(registry, expected):
    server = serve(registry, f"models:/{NAME}@champion")
    try:
        assert predict(server) == expected
        info = model_info(server)
        assert info["model_name"] == NAME
        assert info["model_version"] == "1"
        assert info["model_uri"] == f"models:/{NAME}@champion"
        assert info["run_id"] == registry["run_id"]
        assert "model downloaded" in server.process.output
    finally:
        server.stop()
    cached = registry["cache"] / NAME / "1"
    assert (cached / "MLmodel").is_file()
    assert not [p for p in (registry["cache"] / NAME).iterdir() if p.name.startswith(".partial")]


def test_fixed_version_uses_the_cache_and_flags_win(registry, expected):
    server = serve(registry, f"models:/{NAME}/1", VIGIL_MODEL_NAME="credit")
    try:
        assert predict(server) == expected
        info = model_info(server)
        assert (info["model_name"], info["model_version"]) == ("credit", "1")
        assert "model found in cache" in server.process.output
    finally:
        server.stop()


@pytest.mark.parametrize("form", ["latest", "stage", "runs", "logged"])
def test_latest_stage_runs_and_logged_model_forms(registry, expected, form):
    model = {"latest": f"models:/{NAME}/latest", "stage": f"models:/{NAME}/production",
             "runs": f"runs:/{registry['run_id']}/model",
             "logged": f"models:/{registry['model_id']}"}[form]
    server = serve(registry, model)
    try:
        assert predict(server) == expected
        info = model_info(server)
        assert info["model_uri"] == model
        assert info["run_id"] == registry["run_id"]
        if form in ("latest", "stage"):
            assert info["model_version"] == "1"
    finally:
        server.stop()


@pytest.mark.parametrize("model,message", [
    (f"models:/{NAME}@nope", "Registered model alias nope not found."),
    (f"models:/{NAME}/Staging", f"No versions of model with name '{NAME}' and stage 'Staging' found"),
    ("models:/missing/1", "not found"),
])
def test_registry_errors_exit_with_mlflows_message(registry, model, message):
    process = Process([vigil_binary(), "serve", "--model", model, "--port", str(free_port()),
                       "--metrics-port", str(free_port())], env=vigil_env(registry), name="vigil-alias")
    try:
        assert process.popen.wait(timeout=60) != 0
        assert message in process.output
        assert "Fatal error" not in process.output
    finally:
        process.stop()


def test_tracking_server_down_serves_from_cache(registry, expected):
    registry["server"].stop()
    wait_until(lambda: not _reachable(registry["uri"]), 30, "mlflow server stopped")
    for model in (f"models:/{NAME}/1", f"models:/{NAME}@champion"):
        server = serve(registry, model)
        try:
            assert predict(server) == expected
            assert model_info(server)["model_version"] == "1"
            assert "serving the cached copy" in server.process.output
        finally:
            server.stop()
    # Nothing cached for version 2: a clear error, not a hang.
    process = Process([vigil_binary(), "serve", "--model", f"models:/{NAME}/2", "--port", str(free_port()),
                       "--metrics-port", str(free_port())], env=vigil_env(registry), name="vigil-nocache")
    try:
        assert process.popen.wait(timeout=60) != 0
        assert "no cached copy" in process.output
    finally:
        process.stop()


def _reachable(uri):
    try:
        requests.get(f"{uri}/health", timeout=1)
        return True
    except requests.RequestException:
        return False
