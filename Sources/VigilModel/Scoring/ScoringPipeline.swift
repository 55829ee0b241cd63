/// One served model's `/invocations` path, in three synchronous stages the server times apart:
/// `decode` (body → rows, exactly as MLflow parses and enforces the signature), `predict`, and
/// `encode` (predictions → MLflow's response bytes). Every failure is a `ScoringError` whose
/// `response` is MLflow's answer.
package struct ScoringPipeline: Sendable {
    package let manifest: ModelManifest
    package let predictor: any Predictor

    package init(manifest: ModelManifest, predictor: any Predictor) {
        self.manifest = manifest
        self.predictor = predictor
    }

    /// Parses a request body sent with `contentType` (nil when the header is missing).
    package func decode(body: UnsafeRawBufferPointer, contentType: String?) throws(ScoringError) -> ScoringRequest {
        try Self.decode(body: body, contentType: contentType, signature: manifest.signature,
                        signatureFromTypeHint: manifest.isSignatureFromTypeHint)
    }

    /// Runs the model. Anything the predictor throws becomes MLflow's 400 model-error answer.
    package func predict(_ request: ScoringRequest) throws(ScoringError) -> Predictions {
        do {
            return try predictor.predict(request.frame)
        } catch {
            if error.reason == .modelError { throw error }
            throw ScoringError.modelError(error.message)
        }
    }

    /// `predict`, plus P(class 1) per row when the runtime exposes it (`Predictor.predictWithProbabilities`).
    package func predictWithProbabilities(_ request: ScoringRequest) throws(ScoringError) -> (Predictions, probabilities: [Double]?) {
        do {
            return try predictor.predictWithProbabilities(request.frame)
        } catch {
            if error.reason == .modelError { throw error }
            throw ScoringError.modelError(error.message)
        }
    }

    /// The response body for `predictions` (send it as 200 `application/json`).
    package func encode(_ predictions: Predictions, wrapped: Bool = true) -> [UInt8] {
        PredictionsEncoder.encode(predictions, wrapped: wrapped)
    }

    /// All three stages in one call, for callers that do not time them apart (warm-up with
    /// `manifest.servingInputExample`, tools, tests): MLflow's full answer, never a throw.
    package func respond(body: UnsafeRawBufferPointer, contentType: String?) -> EncodedResponse {
        do {
            let request = try decode(body: body, contentType: contentType)
            let predictions = try predict(request)
            return EncodedResponse(
                status: 200, contentType: "application/json", body: encode(predictions, wrapped: request.wrapsPredictions))
        } catch {
            return error.response
        }
    }

    // MARK: -

    /// `decode` for a given signature (tests and tools use it without a predictor).
    package static func decode(
        body: UnsafeRawBufferPointer, contentType: String?, signature: ModelSignature?, signatureFromTypeHint: Bool = false
    ) throws(ScoringError) -> ScoringRequest {
        let model = try modelInput(body: body, contentType: contentType, signature: signature, signatureFromTypeHint: signatureFromTypeHint)
        return ScoringRequest(frame: model.direct ?? Frame(model.input), params: model.params, wrapsPredictions: model.wrapsPredictions)
    }

    /// What MLflow hands the flavor's `predict`: the enforced input (or the frame the fast path
    /// built directly) and the params.
    struct ModelInput {
        var input: PyValue
        var direct: Frame?
        var params: JSONObject
        var wrapsPredictions: Bool
        /// Tests: whether the model has a params schema (MLflow passes `params=None` without one).
        var hasParamsSchema = false
    }

    static func modelInput(
        body: UnsafeRawBufferPointer, contentType: String?, signature: ModelSignature?, signatureFromTypeHint: Bool
    ) throws(ScoringError) -> ModelInput {
        let parsed: ParsedRequest
        switch try RequestFormat(contentType: contentType) {
        case .json:
            parsed = try RequestDecoder.decode(body, signature: signature, fromTypeHint: signatureFromTypeHint)
        case .csv:
            let frame = try CSVReader.read(body, schema: signature?.inputs)
            parsed = ParsedRequest(data: .frame(frame), params: nil, unifiedLLM: false)
        case .parquet:
            throw ScoringError.text(
                415,
                "Vigil does not read application/vnd.apache.parquet request bodies yet. Send the rows as application/json (dataframe_split, dataframe_records, instances or inputs) or text/csv.")
        }
        return try enforce(parsed, signature: signature, fromTypeHint: signatureFromTypeHint)
    }

    /// What `PyFuncModel.predict` does before calling the model: schema, then params.
    static func enforce(_ parsed: ParsedRequest, signature: ModelSignature?, fromTypeHint: Bool) throws(ScoringError) -> ModelInput {
        if let frame = parsed.direct {
            // Built only without request params, so the params are the schema's defaults (if any).
            var params = JSONObject()
            for spec in signature?.params ?? [] { params[spec.name] = spec.defaultValue }
            return ModelInput(input: parsed.data, direct: frame, params: params, wrapsPredictions: true)
        }
        var data = parsed.data
        // `invocations()` prefixes every MlflowException raised inside `predict` with the data.
        func failed(_ message: String, errorClass: String? = nil) -> ScoringError {
            .mlflow(
                .invalidParameterValue, "Failed to predict data '\(parsed.data.pythonStr)'. \nError: \(message)",
                errorClass: errorClass, reason: errorClass == nil ? .badRequest : .schema)
        }
        if let schema = signature?.inputs, !fromTypeHint {
            do {
                data = try SchemaEnforcer.enforce(data, schema: schema)
            } catch {
                var failure = failed(
                    "Failed to enforce schema of data '\(parsed.data.pythonStr)' with schema '\(schema.pythonRepr)'. Error: \(error.message)",
                    errorClass: "SCHEMA_ENFORCEMENT_FAILED")
                failure.column = error.column
                throw failure
            }
        }
        let params: JSONObject
        do {
            params = try ParamsEnforcer.enforce(parsed.params, schema: signature?.params)
        } catch {
            throw failed(error.message)
        }
        return ModelInput(input: data, direct: nil, params: params, wrapsPredictions: !parsed.unifiedLLM)
    }
}

extension Frame {
    /// The frame a runtime sees for what MLflow would hand the model.
    init(_ value: PyValue) {
        switch value {
        case .frame(let f):
            self.init(names: f.labels.map(Frame.name), columns: f.columns.map(Column.init), rowCount: f.rowCount)
        case .ndarray(let a):
            let frame = SchemaEnforcer.frame(fromArray: a.isScalar ? NDArray(values: a.values, shape: [1]) : a)
            self.init(names: frame.labels.map(Frame.name), columns: frame.columns.map(Column.init), rowCount: frame.rowCount, layout: .tensor)
        case .dict(let pairs):
            var names: [String] = []
            var columns: [Column] = []
            var rows: Int? = nil
            for (k, v) in pairs {
                guard case .ndarray(let a) = v, a.ndim <= 1 else { continue }
                let n = a.isScalar ? 1 : a.shape[0]
                if let rows, rows != n { continue }
                rows = n
                names.append(k)
                columns.append(Column(a.values))
            }
            self.init(names: names, columns: columns, rowCount: rows ?? 0, layout: .other("dict"))
        case .list(let items):
            self.init(names: [], columns: [], rowCount: items.count, layout: .other("list"))
        case .json(let v):
            self.init(names: [], columns: [], rowCount: 0, layout: .other(v.pythonTypeName))
        }
    }

    static func name(_ label: JSONValue) -> String {
        if case .string(let s) = label { return s }
        return PythonRepr.str(label)
    }
}

extension Column {
    init(_ values: PyArray) {
        switch values {
        case .float64(let v): self = .double(v)
        case .float32(let v): self = .double(v.map { Double($0) })
        case .int64(let v): self = .int64(v)
        case .int32(let v): self = .int64(v.map { Int64($0) })
        case .uint64(let v): self = .double(v.map { Double($0) })
        case .bool(let v): self = .bool(v)
        case .str(let v): self = .string(v)
        case .bytes(let v): self = .bytes(v)
        case .datetime(let v): self = .datetime(v.map { $0 == PyArray.notATime ? nil : $0 })
        case .object(let v):
            if v.allSatisfy({ $0.stringValue != nil || $0.isMissing }) {
                self = .string(v.map(\.stringValue))
            } else {
                self = .object(v)
            }
        }
    }
}
