"""Helpers for the stack tests: real Prometheus tooling on free loopback ports, always stopped.

Also a small command line for the files derived from deploy/prometheus/rules:
    .venv/bin/python e2e/stack/stacklib.py prometheusrule > deploy/kubernetes/prometheusrule.yaml
"""

import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROM_DIR = DEPLOY / "prometheus"
RULE_FILES = [PROM_DIR / "rules" / "recording.yml", PROM_DIR / "rules" / "alerts.yml"]
ALERTMANAGER_CONFIG = DEPLOY / "alertmanager" / "alertmanager.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "vigil.json"
KUBERNETES = DEPLOY / "kubernetes"
PLACEHOLDER_WEBHOOK = re.compile(r"http://[a-z0-9-]+(\.[a-z0-9-]+)*\.invalid/\S*")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, process=None, interval=0.1):
    """Polls predicate until it returns a truthy value, which it returns."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if process is not None and process.popen.poll() is not None:
            raise AssertionError(f"{what}: process exited with {process.popen.returncode}\n{process.output[-3000:]}")
        try:
            value = predicate()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - connection refused while starting, etc.
            last_error = error
        time.sleep(interval)
    raise AssertionError(f"{what}: not true after {timeout}s (last error: {last_error})")


class Process:
    """A child in its own session, output in a log file; `stop` ends its whole process group."""

    def __init__(self, argv, name, env=None, cwd=None):
        fd, path = tempfile.mkstemp(prefix=f"stack-{name}-", suffix=".log")
        os.close(fd)
        self.log_path = Path(path)
        self._log = self.log_path.open("wb")
        self.argv = [str(a) for a in argv]
        self.popen = subprocess.Popen(self.argv, env=env, cwd=cwd, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def output(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
            except ProcessLookupError:
                pass
        self._log.close()


def load_yaml(path):
    return yaml.safe_load(Path(path).read_text())


def rule_groups():
    """The rule groups of deploy/prometheus/rules, in file order."""
    groups = []
    for path in RULE_FILES:
        groups.extend(load_yaml(path)["groups"])
    return groups


def prometheus_config(scrape_targets, alertmanager=None, scrape_interval="1s",
                      evaluation_interval="1s", rule_files=None):
    """deploy/prometheus/prometheus.yml with each job's target replaced.

    scrape_targets maps job name -> "127.0.0.1:PORT"; jobs not in the map are left out.
    """
    config = load_yaml(PROM_DIR / "prometheus.yml")
    config["global"]["scrape_interval"] = scrape_interval
    config["global"]["scrape_timeout"] = scrape_interval if scrape_interval.endswith("s") and int(scrape_interval[:-1]) < 10 else "10s"
    config["global"]["evaluation_interval"] = evaluation_interval
    config["rule_files"] = [str(p) for p in (rule_files if rule_files is not None else RULE_FILES)]
    jobs = []
    for job in config["scrape_configs"]:
        if job["job_name"] in scrape_targets:
            job["static_configs"] = [{"targets": [scrape_targets[job["job_name"]]]}]
            jobs.append(job)
    config["scrape_configs"] = jobs
    if alertmanager:
        config["alerting"]["alertmanagers"] = [{"static_configs": [{"targets": [alertmanager]}]}]
    else:
        config.pop("alerting", None)
    return config


def rules_with_short_for(directory, longest="2s"):
    """Copies of the rule files whose `for:` durations are cut to `longest`: for live tests that
    prove an expression fires on real data; promtool's unit tests prove the real durations."""
    paths = []
    for path in RULE_FILES:
        data = load_yaml(path)
        for group in data["groups"]:
            for rule in group["rules"]:
                if "for" in rule:
                    rule["for"] = longest
        target = Path(directory) / path.name
        target.write_text(yaml.safe_dump(data, sort_keys=False))
        paths.append(target)
    return paths


def alertmanager_config(webhook_url, fast=True):
    """deploy/alertmanager/alertmanager.yml with every placeholder webhook sent to webhook_url and,
    if fast, grouping delays cut to seconds."""
    text = PLACEHOLDER_WEBHOOK.sub(webhook_url, ALERTMANAGER_CONFIG.read_text())
    config = yaml.safe_load(text)
    if fast:
        def shorten(route):
            route["group_wait"] = "1s"
            route["group_interval"] = "1s"
            route["repeat_interval"] = "1h" if route.get("receiver") != "deadmansswitch" else "5s"
            for child in route.get("routes", []):
                shorten(child)
        shorten(config["route"])
    return config


class Prometheus:
    def __init__(self, config, workdir, extra_args=()):
        self.port = free_port()
        self.config_path = Path(workdir) / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        data = Path(workdir) / "prometheus-data"
        data.mkdir(exist_ok=True)
        # Alerts that fire before the notifier has found its Alertmanager are dropped and resent
        # only after --rules.alert.resend-delay (1m by default): cut it to 1s for the tests.
        self.process = Process(["prometheus", f"--config.file={self.config_path}",
                                f"--storage.tsdb.path={data}", "--rules.alert.resend-delay=1s",
                                f"--web.listen-address=127.0.0.1:{self.port}", *extra_args],
                               name="prometheus")
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until(lambda: http_get(self.url + "/-/ready")[0] == 200, 60, "prometheus ready", self.process)

    def query(self, expr):
        """Runs an instant query; returns (status, body) without raising on a PromQL error."""
        return http_post_form(self.url + "/api/v1/query", {"query": expr})

    def result(self, expr):
        status, body = self.query(expr)
        assert status == 200 and body["status"] == "success", f"{expr}: {status} {body}"
        return body["data"]["result"]

    def alerts(self):
        return http_get_json(self.url + "/api/v1/alerts")["data"]["alerts"]

    def targets(self):
        return http_get_json(self.url + "/api/v1/targets")["data"]["activeTargets"]

    def stop(self):
        self.process.stop()


class Alertmanager:
    def __init__(self, config, workdir):
        self.port = free_port()
        self.config_path = Path(workdir) / "alertmanager.yml"
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        data = Path(workdir) / "alertmanager-data"
        data.mkdir(exist_ok=True)
        self.process = Process(["prometheus-alertmanager", f"--config.file={self.config_path}",
                                f"--storage.path={data}",
                                f"--web.listen-address=127.0.0.1:{self.port}",
                                "--cluster.listen-address="], name="alertmanager")
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until(lambda: http_get(self.url + "/-/ready")[0] == 200, 60, "alertmanager ready", self.process)

    def post_alerts(self, alerts):
        body = json.dumps(alerts).encode()
        import urllib.request
        request = urllib.request.Request(self.url + "/api/v2/alerts", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200

    def alerts(self, **filters):
        query = "&".join(f"{k}={str(v).lower()}" for k, v in filters.items())
        return http_get_json(self.url + "/api/v2/alerts" + (f"?{query}" if query else ""))

    def stop(self):
        self.process.stop()


class WebhookReceiver:
    """An Alertmanager webhook receiver on a loopback port: keeps every POSTed payload, by path."""

    def __init__(self):
        self.payloads = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with receiver._lock:
                    receiver.payloads.append((self.path, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def alerts(self, status=None):
        """Every alert received so far, as (receiver, alert) pairs."""
        with self._lock:
            payloads = list(self.payloads)
        found = []
        for _, payload in payloads:
            for alert in payload.get("alerts", []):
                if status is None or alert["status"] == status:
                    found.append((payload["receiver"], alert))
        return found

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class StaticExporter:
    """Serves a fixed exposition text on a loopback port (/metrics), for scraping without Vigil."""

    def __init__(self, text):
        payload = text.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def http_get(url, timeout=5):
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_get_json(url):
    status, body = http_get(url)
    assert status == 200, f"GET {url}: {status} {body[:500]!r}"
    return json.loads(body)


def http_post_form(url, fields):
    import urllib.error
    import urllib.parse
    import urllib.request
    data = urllib.parse.urlencode(fields).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


# ---- deploy/kubernetes/prometheusrule.yaml, derived from the rule files


class _LiteralDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


def prometheusrule_text():
    resource = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "vigil", "labels": {"app.kubernetes.io/name": "vigil"}},
        "spec": {"groups": rule_groups()},
    }
    header = ("# Generated from deploy/prometheus/rules/{recording,alerts}.yml: do not edit by hand.\n"
              "#   .venv/bin/python e2e/stack/stacklib.py prometheusrule > deploy/kubernetes/prometheusrule.yaml\n"
              "# Its labels must match your Prometheus' ruleSelector (kube-prometheus-stack: release=<release>).\n"
              "# runbook_url annotations are paths in the Vigil repository.\n")
    return header + yaml.dump(resource, Dumper=_LiteralDumper, sort_keys=False, width=1000,
                              default_flow_style=False)


if __name__ == "__main__":
    if sys.argv[1:] == ["prometheusrule"]:
        sys.stdout.write(prometheusrule_text())
    else:
        sys.exit(__doc__)
