"""`vigil serve --model models:/…` against an MLflow server that requires a login (`--app-name basic-auth`):
credentials from MLflow's variables or its ~/.mlflow/credentials file, and MLflow's message without them."""

import os
import subprocess

import pytest
import requests

from conftest import DEMO_MODEL, MLflowServer, VigilServer, free_port, vigil_binary
from test_registry import REGISTER, expected, predict  # noqa: F401 - expected is a fixture

NAME = "vigil_demo_auth"
# The basic-auth app creates this admin account on first start (it refuses MLflow's old default password).
USER, PASSWORD = "admin", "vigil-e2e-admin-7391"


@pytest.fixture(scope="module")
def auth_registry(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("registry-auth")
    env = dict(os.environ, MLFLOW_AUTH_CONFIG_PATH=str(tmp / "basic_auth.ini"), MLFLOW_FLASK_SERVER_SECRET_KEY="vigil-e2e")
    (tmp / "basic_auth.ini").write_text(
        f"[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///{tmp}/auth.db\n"
        f"admin_username = {USER}\nadmin_password = {PASSWORD}\nauthorization_function = "
        "mlflow.server.auth:authenticate_request_basic_auth\n")
    server = MLflowServer(tmp, extra_args=("--app-name", "basic-auth"), env=env, name="mlflow-auth")
    try:
        assert requests.get(f"{server.uri}/api/2.0/mlflow/registered-models/search", timeout=5).status_code == 401
        server.run_python(REGISTER, DEMO_MODEL, NAME, MLFLOW_TRACKING_USERNAME=USER, MLFLOW_TRACKING_PASSWORD=PASSWORD)
        yield {"uri": server.uri, "tmp": tmp}
    finally:
        server.stop()


def vigil_env(registry, home, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
    return dict(env, MLFLOW_TRACKING_URI=registry["uri"], VIGIL_CACHE_DIR=str(home / "cache"), HOME=str(home), **extra)


def test_credentials_from_mlflows_variables(auth_registry, tmp_path, expected):
    server = VigilServer(model=f"models:/{NAME}@champion", ready_timeout=60,
                         env=vigil_env(auth_registry, tmp_path, MLFLOW_TRACKING_USERNAME=USER,
                                       MLFLOW_TRACKING_PASSWORD=PASSWORD))
    try:
        assert predict(server) == expected
        assert requests.get(server.ops("/status")).json()["model"]["version"] == "1"
    finally:
        server.stop()


def test_credentials_from_the_mlflow_credentials_file(auth_registry, tmp_path, expected):
    (tmp_path / ".mlflow").mkdir()
    (tmp_path / ".mlflow" / "credentials").write_text(
        f"[mlflow]\nmlflow_tracking_username = {USER}\nmlflow_tracking_password = {PASSWORD}\n")
    server = VigilServer(model=f"models:/{NAME}/1", ready_timeout=60, env=vigil_env(auth_registry, tmp_path))
    try:
        assert predict(server) == expected
    finally:
        server.stop()


@pytest.mark.parametrize("password", [None, "wrong"])
def test_without_valid_credentials_vigil_exits_with_a_hint(auth_registry, tmp_path, password):
    extra = {} if password is None else {"MLFLOW_TRACKING_USERNAME": USER, "MLFLOW_TRACKING_PASSWORD": password}
    done = subprocess.run([vigil_binary(), "serve", "--model", f"models:/{NAME}@champion", "--port", str(free_port()),
                           "--metrics-port", str(free_port())], capture_output=True, text=True, timeout=60,
                          env=vigil_env(auth_registry, tmp_path, **extra))
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "401" in output and "MLFLOW_TRACKING_USERNAME" in output, output
