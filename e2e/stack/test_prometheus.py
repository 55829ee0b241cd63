"""Prometheus configuration and rules, checked by Prometheus' own promtool (2.42, as shipped)."""

import subprocess

import pytest
import yaml

from stacklib import PROM_DIR, ROOT, RULE_FILES, load_yaml, prometheus_config, rule_groups

RULE_TESTS = sorted((PROM_DIR / "tests").glob("*.yml"))


def promtool(*args, cwd=None):
    result = subprocess.run(["promtool", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, f"promtool {' '.join(map(str, args))}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def alerts():
    return [rule for group in rule_groups() for rule in group["rules"] if "alert" in rule]


def test_promtool_accepts_the_shipped_config_and_its_rule_files():
    out = promtool("check", "config", PROM_DIR / "prometheus.yml")
    for path in RULE_FILES:
        assert path.name in out


def test_rules_pass_promtool_with_every_lint_fatal():
    promtool("check", "rules", "--lint=all", "--lint-fatal", *RULE_FILES)


@pytest.mark.parametrize("test_file", RULE_TESTS, ids=[p.name for p in RULE_TESTS])
def test_promtool_unit_tests_pass(test_file):
    out = promtool("test", "rules", test_file)
    assert "SUCCESS" in out


def test_unit_tests_show_every_alert_firing_and_not_firing():
    fired, quiet = set(), set()
    for path in RULE_TESTS:
        for case in load_yaml(path)["tests"]:
            for check in case.get("alert_rule_test", []):
                (fired if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alerts()}
    assert names - fired == set(), "alerts never shown firing"
    assert names - quiet - {"Watchdog"} == set(), "alerts never shown not firing"


def test_unit_tests_check_every_recording_rule():
    records = {rule["record"] for group in rule_groups() for rule in group["rules"] if "record" in rule}
    checked = set()
    for path in RULE_TESTS:
        for case in load_yaml(path)["tests"]:
            for check in case.get("promql_expr_test", []):
                checked.update(name for name in records if name in check["expr"])
    assert records - checked == set()


def test_every_alert_has_severity_summary_description_and_an_existing_runbook():
    for rule in alerts():
        name = rule["alert"]
        assert rule["labels"]["severity"] in {"page", "ticket", "none"}, name
        for key in ("summary", "description", "runbook_url"):
            assert rule["annotations"].get(key), f"{name} lacks {key}"
        assert rule["annotations"]["runbook_url"] == f"docs/runbooks/{name}.md"
        runbook = ROOT / rule["annotations"]["runbook_url"]
        assert runbook.is_file(), f"{runbook} missing"
        text = runbook.read_text()
        assert text.startswith(f"# {name}"), runbook
        for section in ("## Meaning", "## Check", "## Act"):
            assert section in text, f"{runbook} lacks {section}"


def test_the_required_alerts_exist_with_their_expressions():
    by_name = {rule["alert"]: rule for rule in alerts()}
    assert by_name["VigilDown"]["expr"].strip() == 'up{job="vigil"} == 0'
    assert by_name["VigilAbsent"]["expr"].strip() == 'absent(up{job="vigil"})'
    assert by_name["Watchdog"]["expr"].strip() == "vector(1)"
    assert "> 0.01" in by_name["VigilHighErrorRatio"]["expr"]
    assert "> 0.5" in by_name["VigilHighLatency"]["expr"] and '"0.95"' in by_name["VigilHighLatency"]["expr"]
    fast, slow = by_name["VigilErrorBudgetBurnFast"]["expr"], by_name["VigilErrorBudgetBurnSlow"]["expr"]
    for window, factor in (("1h", "14.4"), ("5m", "14.4"), ("6h", "6"), ("30m", "6")):
        assert f"ratio_rate{window} > ({factor} * 0.001)" in fast
    for window, factor in (("1d", "3"), ("2h", "3"), ("3d", "1"), ("6h", "1")):
        assert f"ratio_rate{window} > ({factor} * 0.001)" in slow
    assert by_name["VigilErrorBudgetBurnFast"]["labels"]["severity"] == "page"
    assert by_name["VigilErrorBudgetBurnSlow"]["labels"]["severity"] == "ticket"
    assert "mlflow_feature_drift_state" in by_name["VigilFeatureDrift"]["expr"]
    assert "mlflow_prediction_drift_state" in by_name["VigilPredictionDrift"]["expr"]


def test_config_scrapes_the_whole_stack_and_alerts_through_alertmanager():
    config = load_yaml(PROM_DIR / "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["vigil"]["static_configs"][0]["targets"] == ["vigil:8001"]
    assert {"vigil", "node", "prometheus", "mlflow", "alertmanager"} <= set(jobs)
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["alertmanager:9093"]
    assert [str(PROM_DIR / p) for p in config["rule_files"]] == [str(p) for p in RULE_FILES]
    actions = [c["action"] for c in jobs["vigil"]["metric_relabel_configs"]]
    assert "drop" in actions and "labeldrop" in actions


def test_local_variants_of_the_config_pass_promtool(tmp_path):
    """The configs the live tests and scripts/stack derive from the shipped one stay valid."""
    config = prometheus_config({"vigil": "127.0.0.1:1", "node": "127.0.0.1:2", "prometheus": "127.0.0.1:3",
                                "mlflow": "127.0.0.1:4", "alertmanager": "127.0.0.1:5"},
                               alertmanager="127.0.0.1:5")
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    promtool("check", "config", path)


def test_the_alert_index_lists_every_alert():
    index = (ROOT / "docs" / "alerts.md").read_text()
    for rule in alerts():
        assert f"| {rule['alert']} | {rule['labels']['severity']} |" in index, rule["alert"]
