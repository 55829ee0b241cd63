/// The scikit-learn classes a skops archive may hold for Vigil to read it (module-qualified, as
/// skops names them). Anything else fails the load as unsupported.
enum SklearnClasses {
    static let all: Set<String> = SklearnSteps.transformers.union(SklearnPredictor.estimators).union([
        "sklearn.tree._tree.Tree",
        // SGD's loss objects are read as plain state; only `loss` (a string) is used.
        "sklearn.linear_model._sgd_fast.Hinge", "sklearn.linear_model._sgd_fast.Log",
        "sklearn.linear_model._sgd_fast.SquaredLoss", "sklearn.linear_model._sgd_fast.ModifiedHuber",
        "sklearn.linear_model._sgd_fast.SquaredHinge", "sklearn.linear_model._sgd_fast.Huber",
        "sklearn.linear_model._sgd_fast.EpsilonInsensitive", "sklearn.linear_model._sgd_fast.SquaredEpsilonInsensitive",
        "sklearn._loss._loss.CyHalfBinomialLoss", "sklearn._loss._loss.CyHalfSquaredError",
        "sklearn._loss._loss.CyHalfMultinomialLoss", "sklearn._loss._loss.CyHuberLoss",
        "sklearn._loss.loss.HalfBinomialLoss", "sklearn._loss.loss.HalfMultinomialLoss",
        "sklearn._loss.loss.HalfSquaredError", "sklearn._loss.link.LogitLink", "sklearn._loss.link.IdentityLink",
        "sklearn._loss.link.MultinomialLogit", "sklearn._loss.link.Interval",
        "numpy.random.mtrand.RandomState",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn._loss.loss.HalfPoissonLoss", "sklearn._loss.loss.HalfGammaLoss", "sklearn._loss.loss.HalfTweedieLoss",
        "sklearn._loss.loss.AbsoluteError", "sklearn._loss.loss.PinballLoss", "sklearn._loss.loss.HuberLoss",
        "sklearn._loss.link.LogLink", "sklearn._loss._loss.CyHalfPoissonLoss", "sklearn._loss._loss.CyHalfGammaLoss",
        "sklearn._loss._loss.CyHalfTweedieLoss", "sklearn._loss._loss.CyAbsoluteError", "sklearn._loss._loss.CyPinballLoss",
        "sklearn.preprocessing._label.LabelEncoder",
    ])
}
