"""The same requests to `mlflow models serve` and to Vigil, on the same models: same answers.

The corpus is Tests/Fixtures/protocol/cases.json (python/fixtures/make_protocol_cases.py records
it through MLflow's own scoring app). Here it is replayed live against both servers, so it also
proves the recording still matches the real `mlflow models serve`.
"""

import base64
import json
import os
from pathlib import Path

import pytest
import requests

from conftest import ROOT, Process, VigilServer, free_port, wait_until

PROTOCOL = ROOT / "Tests" / "Fixtures" / "protocol"
CASES = json.loads((PROTOCOL / "cases.json").read_text())["cases"] if (PROTOCOL / "cases.json").exists() else []

# Where Vigil answers differently on purpose; the status and error code still match.
# - stack_trace: MLflow sends a Python traceback; Vigil has none to send.
BODY_DIFFERS = {case["name"]: case.get("vigil_body_differs") for case in CASES if case.get("vigil_body_differs")}


class MLflowServer:
    def __init__(self, model, python_bin):
        self.port = free_port()
        venv_bin = str(Path(python_bin).parent)
        env = dict(os.environ, OMP_NUM_THREADS="1", MLFLOW_DISABLE_TELEMETRY="true",
                   PATH=venv_bin + os.pathsep + os.environ["PATH"])
        self.process = Process([os.path.join(venv_bin, "mlflow"), "models", "serve", "-m", str(model),
                                "--env-manager", "local", "-h", "127.0.0.1", "-p", str(self.port)],
                               env=env, name="mlflow")
        wait_until(lambda: requests.get(self.url("/ping"), timeout=2).status_code == 200, 180,
                   "mlflow models serve ready", self.process.popen)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.process.stop()


@pytest.fixture(scope="module")
def servers(python_bin):
    started = {}
    try:
        for model in sorted({case["model"] for case in CASES}):
            started[model] = (MLflowServer(PROTOCOL / model, python_bin), VigilServer(model=PROTOCOL / model))
        yield started
    finally:
        for mlflow, vigil in started.values():
            mlflow.stop()
            vigil.stop()


def send(url, case):
    headers = {} if case["content_type"] is None else {"Content-Type": case["content_type"]}
    body = base64.b64decode(case["body_base64"]) if "body_base64" in case else case["body"].encode()
    answer = requests.post(url, data=body, headers=headers, timeout=60)
    return answer.status_code, answer.headers.get("Content-Type"), answer.text


def comparable(body):
    """An error body without the traceback, which only Python has."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    if isinstance(parsed, dict):
        parsed.pop("stack_trace", None)
    return parsed


@pytest.mark.skipif(not CASES, reason="no protocol corpus")
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_vigil_answers_what_mlflow_answers(case, servers):
    mlflow, vigil = servers[case["model"]]
    m_status, m_type, m_body = send(mlflow.url("/invocations"), case)
    v_status, v_type, v_body = send(vigil.url("/invocations"), case)
    assert m_status == case["expected"]["status"], "the recorded corpus no longer matches mlflow models serve"
    assert v_status == m_status
    assert v_type == m_type
    if case["name"] in BODY_DIFFERS:
        if m_type == "application/json" and m_body.startswith("{"):
            assert json.loads(v_body).get("error_code") == json.loads(m_body).get("error_code")
        return
    assert comparable(v_body) == comparable(m_body)
