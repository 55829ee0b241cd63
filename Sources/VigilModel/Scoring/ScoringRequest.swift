/// A decoded `/invocations` request: the rows the model gets, the params, and how to answer.
package struct ScoringRequest: Sendable {
    /// The input after MLflow's parsing and schema enforcement.
    package var frame: Frame
    /// Params after the params schema (defaults filled, unknown keys dropped); empty without one.
    package var params: JSONObject
    /// `false` for MLflow's unified-LLM shortcut (`messages` / `prompt` / `input` keys): the
    /// answer is then the bare predictions list, not `{"predictions": …}`.
    package var wrapsPredictions: Bool

    package init(frame: Frame, params: JSONObject = JSONObject(), wrapsPredictions: Bool = true) {
        self.frame = frame
        self.params = params
        self.wrapsPredictions = wrapsPredictions
    }
}
