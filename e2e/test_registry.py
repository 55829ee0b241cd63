"""`vigil serve --model models:/…` against a real MLflow tracking server: resolution, download, cache."""

import os
import re
import textwrap

import pytest
import requests

from conftest import DEMO_MODEL, MLflowServer, Process, VigilServer, free_port, vigil_binary

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


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("registry")
    server = MLflowServer(tmp)
    try:
        logged = server.run_python(REGISTER, DEMO_MODEL, NAME)
        yield {"uri": server.uri, "server": server, "cache": tmp / "cache", **logged}
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
