"""Log an MLflow model together with the training profile Vigil watches drift against, in one call.

    import mlflow.xgboost
    from vigil_profile import log_model

    info = log_model(mlflow.xgboost, booster, training_data=X_train, name="model", input_example=X_train[:5])

`log_model` logs the model with the flavor's own `log_model`, predicts `training_data` with the logged
model (MLflow's pyfunc), and adds `vigil_profile.json` next to `MLmodel` in the logged model's
artifacts, where `vigil serve --model models:/...` finds it. `build_profile` alone gives the profile
as a dict; it computes exactly what `vigil profile --data` does (docs/drift.md §1): numpy deciles as
bin edges, the 20 most frequent categories plus `other`, shares, moments and the prediction's profile.

Needs numpy, pandas and mlflow (3.x, for logged models); nothing from Vigil itself.
"""

import json
import math
import os
import tempfile

import numpy as np
import pandas as pd

PROFILE_FILE = "vigil_profile.json"
FORMAT_VERSION = 1
MAX_CATEGORIES = 20
MAX_LISTED_OTHER_CATEGORIES = 1000
DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def _numeric(name, values):
    values = np.asarray(values, dtype=np.float64)
    present = np.sort(values[~np.isnan(values)])
    missing_share = float(len(values) - len(present)) / len(values) if len(values) else 0.0
    if len(present) == 0:
        return {"name": name, "kind": "numeric", "count": len(values), "missing_share": missing_share,
                "edges": [], "centres": [0.0], "shares": [0.0]}
    edges = []
    for q in DECILES:
        edge = float(np.quantile(present, q))
        if not edges or edges[-1] != edge:
            edges.append(edge)
    counts = np.bincount(np.searchsorted(edges, present, side="right"), minlength=len(edges) + 1)
    lo, hi = float(present[0]), float(present[-1])
    bounds = [lo] + edges + [hi]
    # Summed in order, one addition at a time, as `vigil profile` does: the same doubles on both sides.
    total = 0.0
    for x in present.tolist():
        total += x
    mean = total / len(present)
    squares = 0.0
    for x in present.tolist():
        squares += (x - mean) * (x - mean)
    variance = squares / len(present)
    return {"name": name, "kind": "numeric", "count": len(values), "missing_share": missing_share,
            "edges": edges, "centres": [(bounds[i] + bounds[i + 1]) / 2 for i in range(len(edges) + 1)],
            "min": lo, "max": hi, "mean": mean, "std": math.sqrt(variance),
            "shares": [float(c) / len(present) for c in counts]}


def _label(value):
    """A categorical value as Vigil reads it from a request: booleans as Python prints them."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    return str(value)


def _categorical(name, values):
    labels = [_label(v) for v in values]
    counts = {}
    for label in labels:
        if label is not None:
            counts[label] = counts.get(label, 0) + 1
    present = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    own, rest = ranked[:MAX_CATEGORIES], ranked[MAX_CATEGORIES:]
    denominator = float(max(present, 1))
    profile = {"name": name, "kind": "categorical", "count": len(labels),
               "missing_share": float(len(labels) - present) / len(labels) if labels else 0.0,
               "categories": [k for k, _ in own],
               "shares": [v / denominator for _, v in own] + [sum(v for _, v in rest) / denominator]}
    if len(rest) <= MAX_LISTED_OTHER_CATEGORIES:
        profile["other_categories"] = sorted(k for k, _ in rest)
    return profile


def _feature(name, series):
    series = pd.Series(series)
    if pd.api.types.is_bool_dtype(series) or not (pd.api.types.is_numeric_dtype(series)):
        if pd.api.types.is_datetime64_any_dtype(series) or series.map(lambda v: isinstance(v, bytes)).any():
            return None  # datetimes and bytes are not profiled
        return _categorical(name, series.tolist())
    return _numeric(name, series.to_numpy(dtype=np.float64, na_value=np.nan))


def _prediction(predictions):
    """The first output column: class labels (integers, strings) are categorical, scores numeric."""
    if isinstance(predictions, pd.DataFrame):
        values = predictions.iloc[:, 0]
    else:
        array = np.asarray(predictions)
        values = pd.Series(array[:, 0] if array.ndim == 2 else array)
    if pd.api.types.is_float_dtype(values):
        return _numeric("prediction", values.to_numpy(dtype=np.float64))
    return _categorical("prediction", values.tolist())


def build_profile(data, predictions=None, model_uuid=None, run_id=None):
    """The profile of `data`'s columns (in order) and, when given, of the model's predictions."""
    data = pd.DataFrame(data)
    features = [f for f in (_feature(str(name), data[name]) for name in data.columns) if f is not None]
    profile = {"format_version": FORMAT_VERSION, "rows": len(data), "features": features}
    if model_uuid:
        profile["model_uuid"] = model_uuid
    if run_id:
        profile["run_id"] = run_id
    if predictions is not None:
        profile["prediction"] = _prediction(predictions)
    return profile


def write_profile(profile, path):
    with open(path, "w") as f:
        json.dump(profile, f, indent=2, sort_keys=True)


def log_profile(model_info, training_data):
    """Adds the profile of `training_data` and the logged model's predictions on it to the logged model."""
    import mlflow

    model = mlflow.pyfunc.load_model(model_info.model_uri)
    data = pd.DataFrame(training_data)
    schema = model.metadata.get_input_schema()
    if schema is not None and schema.has_input_names():
        data = data[[name for name in schema.input_names() if name in data.columns]]  # signature order
    profile = build_profile(data, model.predict(data), model_uuid=model.metadata.model_uuid,
                            run_id=model.metadata.run_id)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, PROFILE_FILE)
        write_profile(profile, path)
        mlflow.MlflowClient().log_model_artifact(model_info.model_id, path)
    return profile


def log_model(flavor, model, training_data, **log_model_kwargs):
    """`flavor.log_model(model, **log_model_kwargs)`, then the drift profile beside it; returns the ModelInfo."""
    info = flavor.log_model(model, **log_model_kwargs)
    log_profile(info, training_data)
    return info
