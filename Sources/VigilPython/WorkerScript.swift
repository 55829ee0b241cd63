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


def main(argv):
    if len(argv) != 2:
        print("usage: vigil_worker.py MODEL_DIR", file=sys.stderr)
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
