/// A request body parsed the way MLflow's `invocations()` parses it, before schema enforcement.
struct ParsedRequest {
    /// What MLflow would pass to `PyFuncModel.predict`.
    var data: PyValue
    /// The raw `params` value (nil when absent).
    var params: JSONValue?
    /// The unified-LLM shortcut (`messages` / `prompt` / `input` keys): the answer is not wrapped
    /// in `{"predictions": …}`.
    var unifiedLLM: Bool
    /// The model's rows when the fast path could build them directly; schema enforcement is then
    /// known to be the identity and `data` is not filled in.
    var direct: Frame? = nil
}

/// MLflow's JSON request formats (`mlflow/pyfunc/scoring_server/__init__.py`).
enum RequestDecoder {
    static let dataframeSplit = "dataframe_split"
    static let dataframeRecords = "dataframe_records"
    static let instances = "instances"
    static let inputs = "inputs"
    static let supportedFormats: Set<String> = [dataframeSplit, dataframeRecords, instances, inputs]
    static let llmKeys: Set<String> = ["messages", "prompt", "input"]

    /// `REQUIRED_INPUT_FORMAT`. MLflow prints a Python set here, so the order of the four names
    /// varies between server processes; this is the order a process started with PYTHONHASHSEED=0 prints.
    static let requiredInputFormat =
        "The input must be a JSON dictionary with exactly one of the input fields {'dataframe_records', 'dataframe_split', 'instances', 'inputs'}"

    static let scoringProtocolChangeInfo =
        "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format. To resolve the error, either update your request format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models."

    /// `_parse_json_data`: the whole JSON path up to (not including) `model.predict`.
    static func decode(
        _ body: UnsafeRawBufferPointer, signature: ModelSignature?, fromTypeHint: Bool
    ) throws(ScoringError) -> ParsedRequest {
        let schema = signature?.inputs
        if let fast = try FastSplitReader.read(body) {
            // The common case, parsed straight into columns: one `dataframe_split` key (plus
            // optional ignored keys and `params`), numbers only.
            if fast.params == nil, !fromTypeHint, let frame = DirectFrame.make(fast.split, schema: schema) {
                return ParsedRequest(data: .json(.null), params: nil, unifiedLLM: false, direct: frame)
            }
            var frame = try DataframeSplit.frame(from: fast.split)
            if let schema { try TypeCasting.cast(&frame, schema: schema) }
            return ParsedRequest(data: .frame(frame), params: fast.params, unifiedLLM: false)
        }
        let root = try load(body)
        guard case .object(let object) = root else {
            if case .array = root { throw ScoringError.invalidInput("\(requiredInputFormat). Received a list.") }
            throw ScoringError.invalidInput("\(requiredInputFormat). Received unexpected input type '<class '\(root.pythonTypeName)'>.")
        }
        if object.keys.contains(where: llmKeys.contains) {
            let paramNames = Set(signature?.params?.map(\.name) ?? [])
            var data = JSONObject()
            var params = JSONObject()
            for (k, v) in object.pairs {
                if paramNames.contains(k) { params[k] = v } else { data[k] = v }
            }
            return ParsedRequest(data: .json(.object(data)), params: .object(params), unifiedLLM: true)
        }
        var formats = JSONObject()
        for (k, v) in object.pairs where supportedFormats.contains(k) { formats[k] = v }
        let params = object["params"]
        if fromTypeHint {
            guard let inputs = formats[inputs] else {
                throw ScoringError.mlflow(
                    .invalidParameterValue,
                    "Request payload must be a dictionary with 'inputs' key when the model contains a valid type hint. Found keys in payload: dict_keys(\(PythonRepr.list(formats.keys.map { .string($0) })))."
                )
            }
            return ParsedRequest(data: .json(inputs), params: params, unifiedLLM: false)
        }
        guard formats.count == 1, let format = formats.keys.first, let value = formats.values.first else {
            throw ScoringError.mlflow(
                .badRequest,
                "\(requiredInputFormat). Received dictionary with input fields: \(PythonRepr.list(formats.keys.map { .string($0) })). \(scoringProtocolChangeInfo)"
            )
        }
        let data: PyValue
        switch format {
        case dataframeSplit:
            var frame = try DataframeSplit.frame(from: value)
            if let schema { try TypeCasting.cast(&frame, schema: schema) }
            data = .frame(frame)
        case dataframeRecords:
            var frame = try DataframeRecords.frame(from: value)
            if let schema { try TypeCasting.cast(&frame, schema: schema) }
            data = .frame(frame)
        default:
            data = try TFServing.parse(format: format, value, schema: schema)
        }
        return ParsedRequest(data: data, params: params, unifiedLLM: false)
    }

    /// `_decode_json_input`: `json.loads`, with MLflow's message (which embeds the whole body).
    static func load(_ body: UnsafeRawBufferPointer) throws(ScoringError) -> JSONValue {
        do {
            return try JSONDocument.load(body)
        } catch {
            guard error.caughtByMLflow else { throw ScoringError.internalServerError }
            throw ScoringError.invalidInput(
                "Ensure that input is a valid JSON formatted string. Error: '\(error.pythonRepr)'\nInput: \n\(PythonRepr.bytes(body))\n")
        }
    }
}

/// `dataframe_from_parsed_json(…, pandas_orient="split")`.
enum DataframeSplit {
    /// The parts of a `dataframe_split` object; `data` is either parsed values or a numeric table.
    struct Parts {
        var keys: [String]
        var columns: JSONValue?
        var index: JSONValue?
        var data: JSONValue?
        var table: NumericTable?
    }

    static func frame(from value: JSONValue) throws(ScoringError) -> PandasFrame {
        guard case .object(let object) = value else {
            if case .array = value { throw ScoringError.invalidInput("Dataframe split format must be a dictionary. Got list.") }
            throw ScoringError.invalidInput("Dataframe split format must be a dictionary. Got type <class '\(value.pythonTypeName)'>.")
        }
        return try frame(from: Parts(keys: object.keys, columns: object["columns"], index: object["index"], data: object["data"], table: nil))
    }

    static func frame(from parts: Parts) throws(ScoringError) -> PandasFrame {
        let hasData = parts.keys.contains("data")
        let extra = parts.keys.contains { $0 != "columns" && $0 != "data" && $0 != "index" }
        if !hasData || extra {
            throw ScoringError.invalidInput(
                "Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got \(PythonRepr.set(parts.keys.map { .string($0) })).'"
            )
        }
        do {
            if let table = parts.table {
                return try table.frame(columns: parts.columns, index: parts.index)
            }
            return try PandasFrame.make(data: parts.data ?? .null, columns: parts.columns, index: parts.index)
        } catch {
            throw ScoringError.invalidInput(
                "Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '\(error.message)'")
        }
    }
}

/// `dataframe_from_parsed_json(…, pandas_orient="records")`.
enum DataframeRecords {
    static func frame(from value: JSONValue) throws(ScoringError) -> PandasFrame {
        guard case .array(let items) = value else {
            let what = value.objectValue != nil ? "dictionary" : "type <class '\(value.pythonTypeName)'>"
            throw ScoringError.invalidInput("Dataframe records format must be a list of records. Got \(what).")
        }
        do {
            return try PandasFrame.make(data: .array(items), columns: nil, index: nil)
        } catch {
            throw ScoringError.invalidInput(
                "Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: '\(error.message)'")
        }
    }
}
