// Generated from python/vigil_worker.py by python/embed_worker.py: do not edit by hand.
// VigilPythonTests checks that the two stay the same.

/// The worker, run as `python -c <source> MODEL_DIR` so that Vigil needs no file of its own on disk.
enum WorkerScript {
    static let source = #"""
"""Vigil's Python worker: serves one MLflow pyfunc model to Vigil over a framed pipe protocol.

Vigil starts it as `python vigil_worker.py MODEL_DIR`. It loads the model with MLflow's own loader,
then answers each request with MLflow's own `scoring_server.invocations`, so status, content type
and body are exactly those of `mlflow models serve`. Only the standard library and mlflow are used.

Frames, all integers big-endian:
  request  (stdin):  u32 N | u8 kind=1 | u64 id | u16 ct_len (0xFFFF: no Content-Type) | ct | body
  answer   (stdout): u32 N | u8 kind | u64 id | u16 status | u8 reason | u16 ct_len | ct | body
N counts the bytes after itself. Answer kinds: 1 answer to request `id`; 2 ready (body: JSON facts);
3 load failed (body: a UTF-8 sentence, then the process exits with status 1).
Reasons: 0 none, 1 bad_request, 2 schema, 3 model_error (the `reason` label of Vigil's error metric).
Logs and anything the model prints go to stderr; stdout carries frames only.

`python vigil_worker.py --build-env MODEL_DIR CACHE_DIR` instead builds (once) the virtualenv the model
asks for, as MLflow's `--env-manager virtualenv` does, and prints its Python's path on stdout.
"""

import json
import os
import struct
import sys
import time
import traceback

PROTOCOL_VERSION = 1

KIND_INVOCATION = 1
KIND_ANSWER = 1
KIND_READY = 2
KIND_LOAD_FAILED = 3

REASON_NONE = 0
REASON_BAD_REQUEST = 1
REASON_SCHEMA = 2
REASON_MODEL_ERROR = 3

NO_CONTENT_TYPE = 0xFFFF
_REQUEST_HEAD = struct.Struct(">BQH")
_ANSWER_HEAD = struct.Struct(">IBQHBH")


class _Channel:
    """The frame pipes, moved off fds 0 and 1 so that model code can neither read nor corrupt them."""

    def __init__(self):
        self._in = os.fdopen(os.dup(0), "rb")
        self._out = os.fdopen(os.dup(1), "wb")
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(2, 1)
        sys.stdin = open(os.devnull)
        sys.stdout = sys.stderr

    def read_request(self):
        """Returns (id, content_type or None, body bytes), or None at end of input."""
        prefix = self._in.read(4)
        if len(prefix) < 4:
            return None
        (length,) = struct.unpack(">I", prefix)
        frame = self._in.read(length)
        if len(frame) < length or length < _REQUEST_HEAD.size:
            return None
        kind, request_id, ct_len = _REQUEST_HEAD.unpack_from(frame)
        if kind != KIND_INVOCATION:
            raise ValueError(f"unknown request kind {kind}")
        offset = _REQUEST_HEAD.size
        content_type = None
        if ct_len != NO_CONTENT_TYPE:
            # Starlette decodes header values as latin-1: so do we, byte for byte.
            content_type = frame[offset : offset + ct_len].decode("latin-1")
            offset += ct_len
        return request_id, content_type, frame[offset:]

    def write(self, kind, request_id, status, reason, content_type, body):
        ct = content_type.encode("latin-1")
        head = _ANSWER_HEAD.pack(
            _ANSWER_HEAD.size - 4 + len(ct) + len(body), kind, request_id, status, reason, len(ct)
        )
        self._out.write(head + ct + body)
        self._out.flush()


def _starlette_content_type(mimetype):
    # starlette.responses.Response.init_headers
    if mimetype.startswith("text/") and "charset=" not in mimetype.lower():
        return mimetype + "; charset=utf-8"
    return mimetype


def _load_failure_message(model_path, error):
    message = f"Failed to load the MLflow model at {model_path}: {type(error).__name__}: {error}"
    if isinstance(error, ModuleNotFoundError) and error.name:
        message += (
            f". The model needs the Python package that provides the module '{error.name}', "
            f"which {sys.executable} lacks: install the model's requirements "
            f"({os.path.join(model_path, 'requirements.txt')}) into that Python, "
            "or serve with --env-manager virtualenv."
        )
    return message


def _load(channel, model_path):
    try:
        import mlflow
        from mlflow.pyfunc import scoring_server
    except ImportError as error:
        channel.write(
            KIND_LOAD_FAILED, 0, 0, REASON_NONE, "text/plain",
            (
                f"{sys.executable} cannot import mlflow ({error}): install it with "
                f"`{sys.executable} -m pip install mlflow`, or point Vigil at a Python that has it."
            ).encode(),
        )
        sys.exit(1)
    started = time.monotonic()
    try:
        # As mlflow.pyfunc.scoring_server.app does (honours SERVING_MODEL_CONFIG).
        model = scoring_server.load_model_with_mlflow_config(model_path)
    except BaseException as error:
        traceback.print_exc()
        channel.write(
            KIND_LOAD_FAILED, 0, 0, REASON_NONE, "text/plain",
            _load_failure_message(model_path, error).encode(),
        )
        sys.exit(1)
    # As scoring_server.init does.
    from mlflow.environment_variables import _MLFLOW_IS_IN_SERVING_ENVIRONMENT

    os.environ[_MLFLOW_IS_IN_SERVING_ENVIRONMENT.name] = "true"
    facts = {
        "protocol": PROTOCOL_VERSION,
        "pid": os.getpid(),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "python_prefix": sys.prefix,
        "mlflow": mlflow.__version__,
        "loader_module": model.metadata.flavors.get("python_function", {}).get("loader_module"),
        "load_seconds": round(time.monotonic() - started, 3),
    }
    return scoring_server, model, facts


def _reason(error, status):
    message = getattr(error, "message", "") or ""
    if "Failed to enforce schema" in message:
        return REASON_SCHEMA
    if message.startswith("Encountered an unexpected error while evaluating the model") or status >= 500:
        return REASON_MODEL_ERROR
    return REASON_BAD_REQUEST


def _answer(scoring_server, model, input_schema, data, content_type):
    """Returns (status, reason, content type, body) exactly as MLflow's /invocations answers."""
    from mlflow.exceptions import MlflowException

    try:
        result = scoring_server.invocations(data, content_type, model, input_schema)
        reason = REASON_NONE if result.status == 200 else REASON_BAD_REQUEST
        return result.status, reason, _starlette_content_type(result.mimetype), result.response.encode()
    except MlflowException as error:
        # scoring_server._async_catch_mlflow_exception
        status = error.get_http_status_code()
        return status, _reason(error, status), "application/json", error.serialize_as_json().encode()
    except Exception:
        # Starlette's ServerErrorMiddleware (e.g. no Content-Type header: `None.split`).
        traceback.print_exc()
        reason = REASON_BAD_REQUEST if content_type is None else REASON_MODEL_ERROR
        return 500, reason, "text/plain; charset=utf-8", b"Internal Server Error"


def _read_python_env(model_path):
    """The model's python_env.yaml (MLflow writes a flat subset of YAML, read here without PyYAML)."""
    env = {"python": None, "build_dependencies": [], "dependencies": []}
    path = os.path.join(model_path, "python_env.yaml")
    if not os.path.exists(path):
        if not os.path.exists(os.path.join(model_path, "requirements.txt")):
            raise SystemExit(
                f"The model at {model_path} has neither python_env.yaml nor requirements.txt: "
                "--env-manager virtualenv cannot know its packages. Use --env-manager local."
            )
        env["dependencies"] = ["-r requirements.txt"]
        return env
    key = None
    with open(path) as f:
        for line in f:
            line = line.rstrip()
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.lstrip().startswith("- ") and key:
                env.setdefault(key, []).append(line.lstrip()[2:].strip().strip("'\""))
            elif ":" in line:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip().strip("'\"")
                if value:
                    env[key] = value
    return env


def _install(python, model_path, requirements):
    """pip-installs `requirements` from a folder that mirrors the model's, so `-r requirements.txt` resolves."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for item in os.listdir(model_path):
            os.symlink(os.path.join(model_path, item), os.path.join(tmp, item))
        with open(os.path.join(tmp, "vigil-requirements.txt"), "w") as f:
            f.write("\n".join(requirements) + "\n")
        command = [python, "-m", "pip", "install", "--disable-pip-version-check", "-r", "vigil-requirements.txt"]
        print("running " + " ".join(command), file=sys.stderr, flush=True)
        subprocess.run(command, cwd=tmp, stdout=sys.stderr, check=True)


def build_environment(model_path, cache_dir):
    """Builds the model's virtualenv under `cache_dir` (once per python_env.yaml, requirements and Python);
    prints the path of its Python."""
    import fcntl
    import hashlib
    import shutil
    import subprocess

    model_path, cache_dir = os.path.abspath(model_path), os.path.abspath(cache_dir)
    env = _read_python_env(model_path)
    wanted = env.get("python") or ""
    have = "%d.%d.%d" % sys.version_info[:3]
    if wanted and wanted.split(".")[:2] != have.split(".")[:2]:
        print(f"warning: the model was saved with Python {wanted}; building its environment with {have}",
              file=sys.stderr, flush=True)
    digest = hashlib.sha256()
    digest.update(f"{sys.executable}\n{have}\n".encode())
    for name in ("python_env.yaml", "requirements.txt", "constraints.txt"):
        path = os.path.join(model_path, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                digest.update(name.encode() + b"\n" + f.read() + b"\n")
    os.makedirs(cache_dir, exist_ok=True)
    env_dir = os.path.join(cache_dir, "vigil-env-" + digest.hexdigest()[:20])
    python = os.path.join(env_dir, "bin", "python")
    ready = os.path.join(env_dir, ".vigil-ready")
    with open(env_dir + ".lock", "w") as lock:
        # Another Vigil may be building the same environment: wait for it.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(ready):
            shutil.rmtree(env_dir, ignore_errors=True)
            print(f"building the model's virtualenv in {env_dir}", file=sys.stderr, flush=True)
            try:
                subprocess.run([sys.executable, "-m", "venv", env_dir], stdout=sys.stderr, check=True)
                for requirements in (env["build_dependencies"], env["dependencies"]):
                    if requirements:
                        _install(python, model_path, requirements)
            except subprocess.CalledProcessError as error:
                shutil.rmtree(env_dir, ignore_errors=True)
                print(f"error: `{' '.join(error.cmd)}` failed with exit status {error.returncode}",
                      file=sys.stderr, flush=True)
                return 1
            except BaseException:
                shutil.rmtree(env_dir, ignore_errors=True)
                raise
            with open(ready, "w") as f:
                json.dump({"model": os.path.abspath(model_path), "python": have, "env": env}, f)
    print(python)
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "--build-env":
        return build_environment(argv[2], argv[3])
    if len(argv) != 2:
        print("usage: vigil_worker.py MODEL_DIR | --build-env MODEL_DIR CACHE_DIR", file=sys.stderr)
        return 2
    channel = _Channel()
    model_path = argv[1]
    scoring_server, model, facts = _load(channel, model_path)
    input_schema = model.metadata.get_input_schema()
    channel.write(KIND_READY, 0, 0, REASON_NONE, "application/json", json.dumps(facts).encode())
    while True:
        request = channel.read_request()
        if request is None:
            return 0
        request_id, content_type, data = request
        status, reason, mimetype, body = _answer(scoring_server, model, input_schema, data, content_type)
        channel.write(KIND_ANSWER, request_id, status, reason, mimetype, body)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
"""#
}
