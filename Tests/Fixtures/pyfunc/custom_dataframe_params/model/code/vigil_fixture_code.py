"""Model code for Vigil's pyfunc fixtures, logged with the models through `code_paths`.

It lives in its own module (not in make_pyfunc.py's __main__) so that pickles refer to it by name:
loading a model must then find it through the model's own `code/` folder, as in production.
"""

import os
import time

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

import mlflow.pyfunc


class RatioFeatures(BaseEstimator, TransformerMixin):
    """A custom transformer: appends the ratio of two columns to the inputs."""

    def __init__(self, numerator="x1", denominator="x2"):
        self.numerator = numerator
        self.denominator = denominator

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        X = pd.DataFrame(X).copy()
        X["ratio"] = X[self.numerator] / (X[self.denominator].abs() + 1.0)
        return X.to_numpy(dtype=np.float64)


class ScaledScores(mlflow.pyfunc.PythonModel):
    """Returns a DataFrame; its params (`scale`, `label`) come from the signature's params schema."""

    def predict(self, context, model_input, params=None):
        params = params or {}
        scale = params.get("scale", 1.0)
        label = params.get("label", "score")
        score = (model_input["a"] * 0.5 + model_input["b"]) * scale
        return pd.DataFrame({"label": [label] * len(model_input), "score": score, "a_plus_b": model_input["a"] + model_input["b"]})


class Raises(mlflow.pyfunc.PythonModel):
    """A model whose predict always fails."""

    def predict(self, context, model_input, params=None):
        raise ValueError(f"this model always fails (got {len(model_input)} rows)")


class Sleeps(mlflow.pyfunc.PythonModel):
    """Sleeps for the largest `seconds` value of the batch, then returns the values.

    It also writes to stdout, through Python and straight to fd 1 as native code would: a server
    must keep that out of its answers.
    """

    def predict(self, context, model_input, params=None):
        print(f"sleeping for {model_input['seconds'].max()} s")
        os.write(1, b"native code writing to fd 1\n")
        time.sleep(float(model_input["seconds"].max()))
        return model_input["seconds"].to_numpy()
