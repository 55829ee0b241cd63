"""The same requests to `mlflow models serve` and to Vigil, on the same models: same answers.

The corpus is Tests/Fixtures/protocol/cases.json (python/fixtures/make_protocol_cases.py records
it through MLflow's own scoring app). Here it is replayed live against both servers, so it also
proves the recording still matches the real `mlflow models serve`.
"""

import base64
import json
import os
import re
from pathlib import Path

import pytest
import requests

from conftest import ROOT, Process, VigilServer, free_port, wait_until

PROTOCOL = ROOT / "Tests" / "Fixtures" / "protocol"
CASES = json.loads((PROTOCOL / "cases.json").read_text())["cases"] if (PROTOCOL / "cases.json").exists() else []

# Where MLflow's model raises on input whose answer is plain, Vigil answers it (README, "Where Vigil
# differs from MLflow"): without a signature xgboost refuses reordered or extra named columns and
# column dicts, and DMatrix refuses an empty frame.
VIGIL_ANSWERS = {"nosig_split_reordered", "nosig_split_extra_column", "nosig_inputs_columnar", "nosig_instances",
                 "nosig_split_empty"}
# Vigil does not read Parquet yet: it answers 415 with a sentence saying so.
NOT_YET = {"ct_parquet", "ct_parquet_garbage"}
# MLflow prints some lists from a Python set, whose order changes with every server process.
SET_LITERAL = re.compile(r"([\[{])('[^']*'(?:, '[^']*')+)([\]}])")


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
    """Per model: mlflow models serve, Vigil with its native runtime, Vigil with MLflow's pyfunc in workers."""
    started = {}
    try:
        for model in sorted({case["model"] for case in CASES}):
            started[model] = (
                MLflowServer(PROTOCOL / model, python_bin),
                VigilServer(model=PROTOCOL / model),
                VigilServer(model=PROTOCOL / model, extra_args=["--runtime", "python", "--python", python_bin],
                            ready_timeout=180),
            )
        yield started
    finally:
        for processes in started.values():
            for process in processes:
                process.stop()


def send(url, case):
    headers = {} if case["content_type"] is None else {"Content-Type": case["content_type"]}
    body = base64.b64decode(case["body_base64"]) if "body_base64" in case else case["body"].encode()
    answer = requests.post(url, data=body, headers=headers, timeout=60)
    return answer.status_code, answer.headers.get("Content-Type"), answer.text


def comparable(body):
    """An error body without the traceback, which only Python has, and with set-printed lists sorted."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    if isinstance(parsed, dict):
        parsed.pop("stack_trace", None)
        if isinstance(parsed.get("message"), str):
            parsed["message"] = SET_LITERAL.sub(
                lambda m: m.group(1) + ", ".join(sorted(m.group(2).split(", "))) + m.group(3), parsed["message"])
    return parsed


@pytest.mark.skipif(not CASES, reason="no protocol corpus")
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_vigil_answers_what_mlflow_answers(case, servers):
    mlflow, vigil, _ = servers[case["model"]]
    m_status, m_type, m_body = send(mlflow.url("/invocations"), case)
    v_status, v_type, v_body = send(vigil.url("/invocations"), case)
    assert m_status == case["expected"]["status"], "the recorded corpus no longer matches mlflow models serve"
    if case["name"] in VIGIL_ANSWERS:
        assert (m_status, v_status) == (400, 200)
        assert "predictions" in json.loads(v_body)
        return
    if case["name"] in NOT_YET:
        assert v_status == 415 and "parquet" in v_body
        return
    assert v_status == m_status
    assert v_type == m_type
    assert comparable(v_body) == comparable(m_body)


@pytest.mark.skipif(not CASES, reason="no protocol corpus")
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_vigil_python_runtime_answers_what_mlflow_answers(case, servers):
    """Through the Python runtime every answer is MLflow's own, Parquet and model errors included."""
    if case["name"] == "json_nesting_988":
        pytest.skip("where Python's recursion limit stops json.loads depends on the caller's stack depth, "
                    "which differs between uvicorn's thread and the worker")
    mlflow, _, vigil_python = servers[case["model"]]
    m_status, m_type, m_body = send(mlflow.url("/invocations"), case)
    v_status, v_type, v_body = send(vigil_python.url("/invocations"), case)
    assert (v_status, v_type) == (m_status, m_type)
    assert comparable(v_body) == comparable(m_body)
