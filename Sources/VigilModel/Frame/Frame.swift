/// A columnar batch of rows: what every runtime consumes.
///
/// After schema enforcement the columns stand in signature order and carry the signature's
/// names; without a signature they stand as the request sent them.
package struct Frame: Sendable {
    package var names: [String]
    package var columns: [Column]
    package var rowCount: Int
    /// What MLflow would hand the model: a DataFrame unless a model without signature got
    /// another structure (see `Layout`).
    package var layout: Layout

    package init(names: [String], columns: [Column], rowCount: Int, layout: Layout = .dataframe) {
        precondition(names.count == columns.count, "one name per column")
        self.names = names
        self.columns = columns
        self.rowCount = rowCount
        self.layout = layout
    }

    /// The index of the column called `name`, if any.
    package func index(of name: String) -> Int? {
        names.firstIndex(of: name)
    }

    /// The Python structure MLflow passes to the flavor's `predict`.
    ///
    /// With a signature it is always a DataFrame. Without one MLflow passes the parsed request
    /// through, and flavors differ in what they accept: xgboost takes a DataFrame, or an array
    /// when the booster has no feature names, and fails on a dict or list (a model error).
    package enum Layout: Sendable, Equatable {
        /// A pandas DataFrame: `names` are its column labels (`"0"`, `"1"`, … when the request had none).
        case dataframe
        /// A numpy array of `rowCount` rows: columns are positional and `names` are `"0"`, `"1"`, ….
        case tensor
        /// Another Python structure (`dict`, `list`, a scalar), by its type name; columns are a best effort.
        case other(String)
    }
}

/// One column of a `Frame`, stored contiguously.
package enum Column: Sendable, Equatable {
    /// float64 values (also float32 signature columns, widened exactly); NaN marks a missing value.
    case double([Double])
    /// int64 values (`long`/`integer` signature columns).
    case int64([Int64])
    /// booleans (`boolean` signature columns).
    case bool([Bool])
    /// strings; `nil` marks a missing value.
    case string([String?])
    /// `binary` signature columns after base64 decoding.
    case bytes([[UInt8]])
    /// `datetime` signature columns: nanoseconds since the epoch; `nil` is NaT.
    case datetime([Int64?])
    /// Anything else pandas would hold as `object`: mixed types, lists, dicts, None.
    case object([JSONValue])

    package var count: Int {
        switch self {
        case .double(let v): v.count
        case .int64(let v): v.count
        case .bool(let v): v.count
        case .string(let v): v.count
        case .bytes(let v): v.count
        case .datetime(let v): v.count
        case .object(let v): v.count
        }
    }

    /// The value of row `row` as a double, the way numpy's `astype(float)` reads it;
    /// nil for values that are not numbers.
    package func double(at row: Int) -> Double? {
        switch self {
        case .double(let v): v[row]
        case .int64(let v): Double(v[row])
        case .bool(let v): v[row] ? 1 : 0
        case .string(let v): v[row].map { Double($0) ?? .nan }
        case .bytes, .datetime: nil
        case .object(let v): v[row].asDouble
        }
    }
}
