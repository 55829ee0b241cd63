"""deploy/kubernetes: core kinds validated against Kubernetes' schemas (kubernetes-validate),
Prometheus Operator resources kept equal to deploy/prometheus."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stacklib import KUBERNETES, PROM_DIR, load_yaml, prometheusrule_text, rule_groups

CORE = ["deployment.yaml", "service.yaml", "hpa.yaml", "poddisruptionbudget.yaml"]


def resource(name):
    return load_yaml(KUBERNETES / name)


def kubernetes_validate():
    path = Path(sys.executable).with_name("kubernetes-validate")
    if not path.is_file():
        pytest.fail("kubernetes-validate is missing: pip install kubernetes-validate into the venv")
    return str(path)


@pytest.mark.parametrize("name", CORE)
def test_core_manifests_pass_strict_schema_validation(name):
    result = subprocess.run([kubernetes_validate(), "--strict", str(KUBERNETES / name)], capture_output=True, text=True)
    assert result.returncode == 0 and "passed" in result.stdout, result.stdout + result.stderr


def test_prometheusrule_holds_exactly_the_prometheus_rule_groups():
    assert resource("prometheusrule.yaml")["spec"]["groups"] == rule_groups()
    assert (KUBERNETES / "prometheusrule.yaml").read_text() == prometheusrule_text(), \
        "regenerate: .venv/bin/python e2e/stack/stacklib.py prometheusrule > deploy/kubernetes/prometheusrule.yaml"


def test_prometheusrule_groups_pass_promtool(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": resource("prometheusrule.yaml")["spec"]["groups"]}))
    result = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def camel(key):
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def test_servicemonitor_scrapes_the_metrics_port_with_the_same_relabelling_as_prometheus_yml():
    monitor = resource("servicemonitor.yaml")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1" and monitor["kind"] == "ServiceMonitor"
    service = resource("service.yaml")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    endpoint, = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"
    job = next(j for j in load_yaml(PROM_DIR / "prometheus.yml")["scrape_configs"] if j["job_name"] == "vigil")
    expected = [{camel(k): v for k, v in rule.items()} for rule in job["metric_relabel_configs"]]
    assert endpoint["metricRelabelings"] == expected
    # The Operator names the job after the Service: the rules match job="vigil".
    assert service["metadata"]["name"] == "vigil"


def test_service_and_deployment_agree_on_named_ports_and_probes():
    service = resource("service.yaml")
    assert {(p["name"], p["port"]) for p in service["spec"]["ports"]} == {("http", 8000), ("metrics", 8001)}
    deployment = resource("deployment.yaml")
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    container, = deployment["spec"]["template"]["spec"]["containers"]
    assert {(p["name"], p["containerPort"]) for p in container["ports"]} == {("http", 8000), ("metrics", 8001)}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False and security["readOnlyRootFilesystem"] is True
    assert security["capabilities"]["drop"] == ["ALL"]
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


def test_hpa_scales_the_deployment_and_kustomization_lists_every_manifest():
    hpa = resource("hpa.yaml")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "vigil"}
    assert hpa["spec"]["minReplicas"] >= 2
    listed = set(resource("kustomization.yaml")["resources"])
    assert listed == {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
