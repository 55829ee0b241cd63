"""`vigil serve` following a registry alias, stage or `latest` on a real MLflow tracking server: a move is
loaded beside the served version and swapped in with no failed request; a broken version is not switched to."""

import json
import os
import re
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import DEMO_MODEL, MLflowServer, VigilServer, wait_until

NAME = "vigil_follow"
LATEST_NAME = "vigil_follow_latest"

# v1: the demo classifier; v2: a regressor on the same features, so its answers differ; v3: the demo's
# files with a corrupt model file. LATEST_NAME starts with v1 only. Prints each version's answers.
REGISTER = textwrap.dedent("""
    import json, shutil, sys, tempfile
    from pathlib import Path
    import mlflow, pandas as pd, xgboost
    from mlflow.models import Model
    demo, name, latest_name = sys.argv[1:4]
    mlflow.set_experiment("vigil-follow-e2e")
    client = mlflow.MlflowClient()
    signature = Model.load(demo).signature
    train = pd.read_csv(Path(demo) / "train_sample.csv")
    example = train.head(5)

    def log(model, registered):
        with mlflow.start_run():
            mlflow.xgboost.log_model(model, name="model", signature=signature, input_example=example,
                                     pip_requirements=["xgboost"], registered_model_name=registered)

    log(mlflow.xgboost.load_model(demo), name)
    regressor = xgboost.XGBRegressor(n_estimators=10, max_depth=3, random_state=0)
    regressor.fit(train, train["credit_score"] / 1000)
    log(regressor, name)
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "model"
        shutil.copytree(demo, broken)
        (broken / "model.ubj").write_bytes(b"this is not an xgboost model")
        with mlflow.start_run() as run:
            mlflow.log_artifacts(str(broken), "model")
        client.create_model_version(name, f"{run.info.artifact_uri}/model", run.info.run_id)
    log(mlflow.xgboost.load_model(demo), latest_name)
    print(json.dumps({v: mlflow.pyfunc.load_model(f"models:/{name}/{v}").predict(example).tolist() for v in ("1", "2")}))
""")

BODY = json.dumps({"dataframe_split": {
    "columns": ["age", "income", "loan_amount", "loan_term_months", "credit_score", "debt_to_income", "years_employed",
                "late_payments"],
    "data": [[52.0, 66.6, 29.5, 60.0, 633.0, 0.327, 3.1, 0.0], [65.0, 80.1, 33.9, 48.0, 671.0, 0.556, 2.9, 1.0],
             [59.0, 77.5, 13.1, 12.0, 691.0, 0.067, 2.5, 2.0], [32.0, 48.0, 19.8, 60.0, 556.0, 0.252, 3.3, 2.0],
             [36.0, 66.8, 47.6, 36.0, 665.0, 0.042, 2.0, 0.0]]}})  # the first 5 rows of train_sample.csv


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("follow")
    server = MLflowServer(tmp)
    try:
        expected = server.run_python(REGISTER, DEMO_MODEL, NAME, LATEST_NAME)
        yield {"uri": server.uri, "server": server, "cache": tmp / "cache", "expected": expected}
    finally:
        server.stop()


def api(registry, endpoint, body=None):
    url = f"{registry['uri']}/api/2.0/mlflow/{endpoint}"
    answer = requests.post(url, json=body, timeout=30) if body is not None else requests.get(url, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def set_alias(registry, version):
    api(registry, "registered-models/alias", {"name": NAME, "alias": "champion", "version": version})


def set_production(registry, version):
    api(registry, "model-versions/transition-stage",
        {"name": NAME, "version": version, "stage": "Production", "archive_existing_versions": True})


def serve(registry, model, *extra_args):
    env = dict(os.environ, MLFLOW_TRACKING_URI=registry["uri"], VIGIL_CACHE_DIR=str(registry["cache"]))
    return VigilServer(model=model, extra_args=("--poll-interval", "1", *extra_args), env=env, ready_timeout=180)


def python_workers(registry, version):
    """Processes whose command line names version's directory in the cache: its Python workers."""
    directory = str(registry["cache"] / NAME / version).encode()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and directory in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            pass  # the process exited while we looked
    return found


def predict(server):
    answer = requests.post(server.url("/invocations"), data=BODY, headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["predictions"]


def metrics(server):
    return requests.get(server.ops("/metrics"), timeout=10).text


def served_version(server):
    return requests.get(server.ops("/status"), timeout=10).json()["model"]["version"]


def info_versions(text):
    return [dict(re.findall(r'(\w+)="([^"]*)"', line))["model_version"]
            for line in text.splitlines() if line.startswith("mlflow_model_info{")]


def sample(text, name, **labels):
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


class RequestLoop:
    """Posts the example without pause from a thread; every answer that is not a 200 is a failure."""

    def __init__(self, server):
        self.server, self.answers, self.failures = server, [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        with requests.Session() as session:
            while not self._stop.is_set():
                try:
                    answer = session.post(self.server.url("/invocations"), data=BODY,
                                          headers={"Content-Type": "application/json"}, timeout=10)
                    if answer.status_code == 200:
                        self.answers.append(answer.json()["predictions"])
                    else:
                        self.failures.append(f"{answer.status_code} {answer.text}")
                except requests.RequestException as error:
                    self.failures.append(repr(error))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=30)

    def wait_for(self, count):
        target = len(self.answers) + count
        wait_until(lambda: len(self.answers) + len(self.failures) >= target, 30, f"{count} more requests answered")


def test_alias_move_swaps_versions_without_a_failed_request(registry):
    expected = registry["expected"]
    set_alias(registry, "1")
    server = serve(registry, f"models:/{NAME}@champion")
    try:
        assert predict(server) == expected["1"]
        with RequestLoop(server) as loop:
            loop.wait_for(50)
            set_alias(registry, "2")
            wait_until(lambda: predict(server) == expected["2"], 60, "version 2 served")
            # The old version's series go once its requests have answered.
            wait_until(lambda: 'model_version="1"' not in metrics(server), 30, "version 1 series removed")
            loop.wait_for(50)
        assert loop.failures == []
        assert expected["1"] in loop.answers and expected["2"] in loop.answers
        assert loop.answers.index(expected["2"]) > max(i for i, a in enumerate(loop.answers) if a == expected["1"])
        text = metrics(server)
        assert info_versions(text) == ["2"]
        assert sample(text, "mlflow_model_loaded_timestamp_seconds", model_version="2") is not None
        assert sample(text, "mlflow_predictions_total", model_version="2") > 0
        assert served_version(server) == "2"
        output = server.process.output
        assert "model version switched" in output and "model version retired" in output
        assert "no serving_input_example.json" not in output  # v2 was warmed up with its input example
        assert server.process.terminate() == 0
        assert "stopped" in server.process.output
    finally:
        server.stop()


def test_broken_version_is_not_switched_to(registry):
    expected = registry["expected"]
    set_alias(registry, "2")
    server = serve(registry, f"models:/{NAME}@champion")
    try:
        assert served_version(server) == "2"
        failures = lambda: sample(metrics(server), "mlflow_model_load_failures_total", model_name=NAME, step="load")
        assert failures() == 0
        with RequestLoop(server) as loop:
            loop.wait_for(20)
            set_alias(registry, "3")
            wait_until(lambda: failures() == 1, 60, "load failure counted")
            loop.wait_for(20)
        assert loop.failures == []
        assert all(answer == expected["2"] for answer in loop.answers)
        assert served_version(server) == "2"
        assert 'model_version="3"' not in metrics(server)
        assert "model update failed; the old version keeps serving" in server.process.output
        assert "malformed model file" in server.process.output
        # A restart during an outage serves what the alias named when it last loaded: still version 2.
        remembered = registry["cache"] / NAME / "refs" / "%40champion.json"
        assert json.loads(remembered.read_text()) == {"version": "2"}
        # Polled every second, the same broken version waits for its backoff (a minute) before another try.
        time.sleep(3)
        assert failures() == 1
        assert predict(server) == expected["2"]
    finally:
        server.stop()
        set_alias(registry, "1")


@pytest.mark.parametrize("form", ["stage", "latest"])
def test_stage_and_latest_are_followed(registry, form):
    expected = registry["expected"]
    if form == "stage":
        set_production(registry, "1")
        model = f"models:/{NAME}/Production"
    else:
        model = f"models:/{LATEST_NAME}/latest"
    server = serve(registry, model)
    try:
        assert predict(server) == expected["1"]
        with RequestLoop(server) as loop:
            loop.wait_for(20)
            if form == "stage":
                set_production(registry, "2")
            else:
                # A new version of the same artifacts as NAME's version 2.
                source = api(registry, f"model-versions/get?name={NAME}&version=2")["model_version"]
                api(registry, "model-versions/create", {
                    "name": LATEST_NAME, "source": source["source"], "run_id": source["run_id"],
                    "model_id": source["source"].removeprefix("models:/")})
            wait_until(lambda: predict(server) == expected["2"], 60, "version 2 served")
            wait_until(lambda: info_versions(metrics(server)) == ["2"], 30, "only version 2 in mlflow_model_info")
            loop.wait_for(20)
        assert loop.failures == []
        assert served_version(server) == "2"
    finally:
        server.stop()


def test_python_runtime_versions_swap_and_the_old_workers_stop(registry, python_bin):
    expected = registry["expected"]
    set_alias(registry, "1")
    server = serve(registry, f"models:/{NAME}@champion", "--runtime", "python", "--python", python_bin)
    try:
        assert predict(server) == expected["1"]
        assert python_workers(registry, "1")
        with RequestLoop(server) as loop:
            loop.wait_for(10)
            set_alias(registry, "2")
            wait_until(lambda: predict(server) == expected["2"], 180, "version 2 served")
            wait_until(lambda: not python_workers(registry, "1"), 60, "version 1's workers stopped")
            loop.wait_for(10)
        assert loop.failures == []
        assert python_workers(registry, "2")
        assert info_versions(metrics(server)) == ["2"]
    finally:
        server.stop()
        set_alias(registry, "1")


def test_sigterm_during_a_load_stops_the_version_being_loaded(registry, python_bin):
    set_alias(registry, "1")
    server = serve(registry, f"models:/{NAME}@champion", "--runtime", "python", "--python", python_bin)
    try:
        set_alias(registry, "2")
        # Version 2's workers take seconds to load MLflow: SIGTERM lands while they start.
        starting = f"model.path={registry['cache'] / NAME / '2'} python="
        wait_until(lambda: starting in server.process.output, 60, "version 2's workers starting")
        assert server.process.terminate(timeout=120) == 0
        assert "stopped" in server.process.output
        # Whether SIGTERM came mid-load or just after the swap, no worker of either version outlives the server.
        wait_until(lambda: not python_workers(registry, "1") and not python_workers(registry, "2"), 30, "workers gone")
    finally:
        server.stop()
        set_alias(registry, "1")


def test_reporting_follows_the_version_change(registry):
    """With --report-to-mlflow, an alias move ends version 1's serving run and untags it, and version 2
    gets its own run and the serving tag."""
    set_alias(registry, "1")
    server = serve(registry, f"models:/{NAME}@champion", "--report-to-mlflow", "--report-interval", "1",
                   "--report-experiment", "vigil-follow-report")

    def tags(version):
        found = api(registry, f"model-versions/get?name={NAME}&version={version}")["model_version"]
        return {tag["key"]: tag["value"] for tag in found.get("tags", [])}

    def runs():
        experiment = api(registry, "experiments/get-by-name?experiment_name=vigil-follow-report")["experiment"]
        found = api(registry, "runs/search", {"experiment_ids": [experiment["experiment_id"]]}).get("runs", [])
        return {next(t["value"] for t in run["data"]["tags"] if t["key"] == "vigil.model_version"): run["info"]
                for run in found}

    try:
        predict(server)
        wait_until(lambda: tags("1").get("vigil.serving") == "true", 30, "version 1 tagged as serving")
        set_alias(registry, "2")
        wait_until(lambda: served_version(server) == "2", 60, "version 2 served")
        predict(server)
        wait_until(lambda: tags("2").get("vigil.serving") == "true" and tags("1").get("vigil.serving") == "false",
                   30, "the serving tag moved to version 2")
        wait_until(lambda: runs().get("1", {}).get("status") == "FINISHED" and "2" in runs(), 30,
                   "version 1's run finished, version 2's started")
        assert runs()["2"]["status"] == "RUNNING"
    finally:
        server.stop()
        set_alias(registry, "1")


def test_tracking_server_down_keeps_serving(registry):
    """Last in this file: it stops the module's tracking server."""
    expected = registry["expected"]
    set_alias(registry, "1")
    server = serve(registry, f"models:/{NAME}@champion")
    try:
        polls = lambda: sample(metrics(server), "mlflow_registry_poll_failures_total", model_name=NAME)
        assert polls() == 0
        with RequestLoop(server) as loop:
            loop.wait_for(20)
            registry["server"].stop()
            wait_until(lambda: polls() >= 2, 60, "failed polls counted")
            loop.wait_for(20)
        assert loop.failures == []
        assert all(answer == expected["1"] for answer in loop.answers)
        assert served_version(server) == "1"
        assert server.process.output.count("registry poll failed; still serving") == 1  # once, not at every poll
    finally:
        server.stop()

