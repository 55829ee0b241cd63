"""Vigil as a user runs it: the release binary, real sockets, real signals."""

import json
import shutil
import socket
import subprocess
import time

import requests

from conftest import DEMO_MODEL, Process, VigilServer, free_port, vigil_binary, wait_until


def example_body():
    return (DEMO_MODEL / "serving_input_example.json").read_bytes()


def test_serves_the_demo_model_with_mlflows_protocol(vigil):
    answer = requests.post(vigil.url("/invocations"), data=example_body(),
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    predictions = answer.json()["predictions"]
    assert len(predictions) == len(json.loads(example_body())["dataframe_split"]["data"])
    assert requests.get(vigil.url("/ping")).text == "\n"
    assert requests.get(vigil.url("/health")).status_code == 200
    assert requests.get(vigil.url("/nope")).json() == {"detail": "Not Found"}
    assert requests.get(vigil.url("/invocations")).status_code == 405


def test_metrics_pass_promtool_and_carry_model_labels(vigil):
    for _ in range(3):
        requests.post(vigil.url("/invocations"), data=example_body(), headers={"Content-Type": "application/json"})
    requests.post(vigil.url("/invocations"), data=b"{", headers={"Content-Type": "application/json"})
    text = requests.get(vigil.ops("/metrics")).text
    assert 'mlflow_inference_requests_total{model_name="demo",model_version=' in text
    assert 'reason="bad_request"} 1' in text
    if shutil.which("promtool"):
        check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    openmetrics = requests.get(vigil.ops("/metrics"), headers={
        "Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"})
    assert openmetrics.headers["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.text.endswith("# EOF\n")


def test_body_over_the_limit_gets_413_and_the_server_keeps_serving():
    server = VigilServer(extra_args=["--max-request-bytes", "1000"])
    try:
        big = b'{"inputs": [' + b"1.0," * 1000 + b"1.0]}"
        answer = requests.post(server.url("/invocations"), data=big, headers={"Content-Type": "application/json"})
        assert answer.status_code == 413
        assert answer.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
        ok = requests.post(server.url("/invocations"), data=example_body(),
                           headers={"Content-Type": "application/json"})
        assert ok.status_code == 200
    finally:
        server.stop()


def test_sigterm_drains_the_request_in_flight_and_exits_zero():
    server = VigilServer()
    body = example_body()
    head = (f"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(head + body[:10])
        time.sleep(0.3)
        server.process.popen.send_signal(15)
        time.sleep(0.3)
        client.sendall(body[10:])
        client.settimeout(10)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += client.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert server.process.popen.wait(timeout=20) == 0
    server.stop()


def test_a_model_directory_that_does_not_load_is_a_clear_error(tmp_path):
    (tmp_path / "MLmodel").write_text("flavors: [not, a, mapping\n")
    process = Process([vigil_binary(), "serve", "--model", str(tmp_path), "--port", str(free_port()),
                       "--metrics-port", str(free_port())], name="vigil-bad")
    try:
        assert process.popen.wait(timeout=30) != 0
        assert "MLmodel" in process.output
    finally:
        process.stop()


def test_environment_variables_configure_the_server():
    port, metrics = free_port(), free_port()
    import os
    env = dict(os.environ, VIGIL_PORT=str(port), VIGIL_METRICS_PORT=str(metrics), VIGIL_MODEL=str(DEMO_MODEL),
               VIGIL_MODEL_NAME="credit", VIGIL_MODEL_VERSION="7")
    process = Process([vigil_binary(), "serve"], env=env, name="vigil-env")
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{metrics}/readyz", timeout=1).ok, 30, "ready", process.popen)
        text = requests.get(f"http://127.0.0.1:{metrics}/metrics").text
        assert 'mlflow_model_info{model_name="credit",model_version="7"' in text
        assert requests.get(f"http://127.0.0.1:{port}/ping").status_code == 200
    finally:
        process.stop()
