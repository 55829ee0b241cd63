"""Shared fixtures for the end-to-end tests: real processes on free loopback ports."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
DEMO_MODEL = ROOT / "examples" / "demo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vigil_binary():
    path = os.environ.get("VIGIL_BIN", str(ROOT / ".build" / "release" / "vigil"))
    if not Path(path).is_file():
        pytest.skip(f"no Vigil binary at {path}: build it with `swift build -c release` or set VIGIL_BIN")
    return path


def wait_until(predicate, timeout, what, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: process exited with {process.returncode}")
        try:
            if predicate():
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{what}: not true after {timeout}s")


class Process:
    """A child process in its own session, always stopped by `stop`, with its output in a log file."""

    def __init__(self, argv, env=None, name="process"):
        self.log_path = Path(tempfile.mkstemp(prefix=f"e2e-{name}-", suffix=".log")[1])
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(argv, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    @property
    def output(self):
        return self.log_path.read_text(errors="replace")

    def terminate(self, timeout=30):
        """SIGTERM, then wait; returns the exit code."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout=timeout)

    def stop(self):
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self._log.close()


class VigilServer:
    def __init__(self, model=DEMO_MODEL, extra_args=(), env=None, ready_timeout=30):
        self.port, self.metrics_port = free_port(), free_port()
        argv = [vigil_binary(), "serve", "--model", str(model), "--port", str(self.port),
                "--metrics-port", str(self.metrics_port), *extra_args]
        self.process = Process(argv, env=env, name="vigil")
        wait_until(lambda: requests.get(self.ops("/readyz"), timeout=1).status_code == 200, ready_timeout,
                   "vigil ready", self.process.popen)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def ops(self, path):
        return f"http://127.0.0.1:{self.metrics_port}{path}"

    def stop(self):
        self.process.stop()


@pytest.fixture
def vigil():
    server = VigilServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def python_bin():
    return str(Path(os.environ.get("VIGIL_VENV", ROOT / ".venv")) / "bin" / "python")


def venv_bin(tool):
    """The tool beside the Python running pytest, unless VIGIL_VENV names another venv."""
    venv = os.environ.get("VIGIL_VENV")
    return str(Path(venv) / "bin" / tool if venv else Path(sys.executable).parent / tool)


class MLflowServer:
    """A real `mlflow server` on a loopback port: sqlite backend and proxied artifacts in `directory`.
    `start()` again after `stop()` brings the same store back on the same port."""

    def __init__(self, directory, extra_args=(), env=None, name="mlflow"):
        vigil_binary()  # skip early when there is no binary
        if not Path(venv_bin("mlflow")).is_file():
            pytest.skip(f"no mlflow at {venv_bin('mlflow')}: set VIGIL_VENV")
        self.directory, self.extra_args, self.name = Path(directory), tuple(extra_args), name
        self.env = dict(os.environ if env is None else env, MLFLOW_DISABLE_TELEMETRY="true")
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.start()

    def start(self):
        self.process = Process([venv_bin("mlflow"), "server", *self.extra_args,
                                "--backend-store-uri", f"sqlite:///{self.directory}/mlflow.db",
                                "--artifacts-destination", str(self.directory / "artifacts"),
                                "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
                               env=self.env, name=self.name)
        wait_until(lambda: requests.get(f"{self.uri}/health", timeout=2).status_code == 200, 180, "mlflow server",
                   self.process.popen)

    def stop(self):
        self.process.stop()
        wait_until(lambda: not self.reachable(), 30, "mlflow server stopped")

    def reachable(self):
        try:
            requests.get(f"{self.uri}/health", timeout=1)
            return True
        except requests.RequestException:
            return False

    def run_python(self, script, *args, **env):
        """Runs `script` with the venv's Python against this server; returns the JSON its last line prints."""
        done = subprocess.run([venv_bin("python"), "-c", script, *map(str, args)], capture_output=True, text=True,
                              timeout=300, env=dict(self.env, MLFLOW_TRACKING_URI=self.uri, **env))
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])
