import NIOCore
import VigilModel
import VigilMonitoring
import VigilPython

/// MLflow's scoring protocol, independent of the HTTP stack that carries it: a request's method,
/// path, content type and body in, status, content type and body out, with the version's
/// metrics recorded on the way.
package struct ScoringEndpoint: Sendable {
    package let slot: ModelSlot
    package let limits: ScoringLimits
    /// Remembers predictions for `POST /feedback`; nil when feedback is off (the default), so the
    /// request path then does nothing more than echo the request id.
    package let feedback: FeedbackRecorder?

    package init(slot: ModelSlot, limits: ScoringLimits, feedback: FeedbackRecorder? = nil) {
        self.slot = slot
        self.limits = limits
        self.feedback = feedback
    }

    /// What the scoring port answers.
    package struct Answer: Sendable {
        package var status: Int
        package var contentType: String
        package var body: ByteBuffer
    }

    /// The routes, decided before the body is read: FastAPI's 404/405 bodies for the rest.
    package enum Route: Sendable {
        case invocations, ping, version, feedback
        case answer(Answer)
    }

    package func route(method: String, path: some StringProtocol) -> Route {
        switch path {
        case "/invocations": return method == "POST" ? .invocations : .answer(Self.methodNotAllowed)
        case "/ping", "/health": return method == "GET" ? .ping : .answer(Self.methodNotAllowed)
        case "/version": return method == "GET" ? .version : .answer(Self.methodNotAllowed)
        case "/feedback": return method == "POST" ? .feedback : .answer(Self.methodNotAllowed)
        default: return .answer(Self.json(404, #"{"detail":"Not Found"}"#))
        }
    }

    package func ping() -> Answer {
        // MLflow answers 404 while it has no model.
        Self.json(slot.current == nil ? 404 : 200, "\n")
    }

    package func version() -> Answer {
        Self.json(200, Self.mlflowProtocolVersion)
    }

    /// `POST /feedback`: labels for earlier requests, by request id (`FeedbackRecorder.handle`).
    package func feedback(body: Result<ByteBuffer, ScoringError>) -> Answer {
        guard let feedback else {
            return Self.answer(for: ScoringError(.endpointNotFound, "Feedback is off: start vigil serve with --feedback or --inference-log."))
        }
        switch body {
        case .success(let bytes): return feedback.handle(body: bytes)
        case .failure(let error): return Self.answer(for: error)
        }
    }

    /// The `mlflow models serve` version whose protocol Vigil speaks (what its `/version` says).
    package static let mlflowProtocolVersion = "3.17.2"

    /// Scores one request with a native runtime, synchronously; nil when the served model runs in
    /// Python (call `invocations` then). `body` is the failure when it could not be read;
    /// `requestID` is what the answer's `x-request-id` says (feedback remembers it).
    package func nativeInvocations(
        contentType: String?, body: Result<ByteBuffer, ScoringError>, requestID: String,
        startedAt start: ContinuousClock.Instant
    ) -> Answer? {
        guard let model = slot.acquire() else { return Self.noModel }
        defer { model.requests.end() }
        guard case .native(let pipeline) = model.scorer else { return nil }
        return native(model, pipeline, contentType: contentType, body: body, requestID: requestID, startedAt: start)
    }

    /// Scores one request with whichever runtime serves the model. The version is read once and
    /// held until the answer is ready, so a version swap in between never fails the request.
    package func invocations(
        contentType: String?, body: Result<ByteBuffer, ScoringError>, requestID: String,
        startedAt start: ContinuousClock.Instant
    ) async -> Answer {
        guard let model = slot.acquire() else { return Self.noModel }
        defer { model.requests.end() }
        switch model.scorer {
        case .native(let pipeline):
            return native(model, pipeline, contentType: contentType, body: body, requestID: requestID, startedAt: start)
        case .python(let pool):
            return await python(model, pool, contentType: contentType, body: body, requestID: requestID, startedAt: start)
        }
    }

    private func native(
        _ model: ServedModel, _ pipeline: ScoringPipeline, contentType: String?, body: Result<ByteBuffer, ScoringError>,
        requestID: String, startedAt start: ContinuousClock.Instant
    ) -> Answer {
        let metrics = model.metrics
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        let clock = ContinuousClock()
        do {
            let body = try body.get()
            let t0 = clock.now
            let request = try body.withUnsafeReadableBytes { bytes throws(ScoringError) in
                try pipeline.decode(body: bytes, contentType: contentType)
            }
            let t1 = clock.now
            let predictions: Predictions
            var probabilities: [Double]?
            if feedback == nil {
                predictions = try pipeline.predict(request)
            } else {
                (predictions, probabilities) = try pipeline.predictWithProbabilities(request)
            }
            let t2 = clock.now
            let encoded = pipeline.encode(predictions, wrapped: request.wrapsPredictions)
            let t3 = clock.now
            try feedback?.record(
                id: requestID, model: model, frame: request.frame, predictions: predictions, probabilities: probabilities)
            model.drift?.observe(request.frame, predictions)
            metrics.decode.record((t1 - t0).seconds)
            metrics.predict.record((t2 - t1).seconds)
            metrics.encode.record((t3 - t2).seconds)
            metrics.recordRequest(status: 200, seconds: (t3 - start).seconds, rows: predictions.rowCount, failure: nil)
            return Answer(status: 200, contentType: "application/json", body: ByteBuffer(bytes: encoded))
        } catch {
            let answer = Self.answer(for: error)
            if let column = error.column { model.drift?.recordTypeError(feature: column) }
            metrics.recordRequest(status: answer.status, seconds: (clock.now - start).seconds, rows: nil, failure: error.reason)
            return answer
        }
    }

    private func python(
        _ model: ServedModel, _ pool: PythonWorkerPool, contentType: String?, body: Result<ByteBuffer, ScoringError>,
        requestID: String, startedAt start: ContinuousClock.Instant
    ) async -> Answer {
        let metrics = model.metrics
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        let answer: Answer
        var rows: Int?
        var failure: ScoringError.Reason?
        do {
            let response = try await pool.score(body: try body.get(), contentType: contentType)
            if response.status == 200 { try feedback?.record(id: requestID, model: model, responseBody: response.body) }
            answer = Answer(status: response.status, contentType: response.contentType, body: response.body)
            failure = response.reason
            if response.status == 200 { rows = PredictionRows.count(in: response.body) }
        } catch {
            answer = Self.answer(for: error)
            failure = error.reason
        }
        metrics.predict.record((ContinuousClock.now - start).seconds)
        metrics.recordRequest(
            status: answer.status, seconds: (ContinuousClock.now - start).seconds, rows: rows, failure: failure)
        return answer
    }

    private static let noModel = answer(
        for: ScoringError(.temporarilyUnavailable, "No model is loaded yet.", reason: .overloaded))

    /// MLflow's body and status for a failed request; the one place errors become HTTP.
    package static func answer(for error: ScoringError) -> Answer {
        let response = error.response
        return Answer(status: response.status, contentType: response.contentType, body: ByteBuffer(bytes: response.body))
    }

    private static let methodNotAllowed = json(405, #"{"detail":"Method Not Allowed"}"#)

    private static func json(_ status: Int, _ body: String) -> Answer {
        Answer(status: status, contentType: "application/json", body: ByteBuffer(string: body))
    }
}

/// Limits on what one scoring request may ask of the server.
package struct ScoringLimits: Sendable {
    /// Largest accepted request body; larger ones get 413.
    package var maxRequestBytes: Int

    package init(maxRequestBytes: Int = 100_000_000) {
        self.maxRequestBytes = maxRequestBytes
    }
}

extension ScoringError {
    /// 413 for a body over `--max-request-bytes`, with an MLflow-style body.
    package static func bodyTooLarge(limit: Int) -> ScoringError {
        ScoringError(
            status: 413,
            body: .mlflow(
                code: .requestLimitExceeded,
                message: "The request body is larger than the server's limit of \(limit) bytes (--max-request-bytes).",
                sqlstate: nil, errorClass: nil, stackTrace: nil),
            reason: .badRequest)
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
