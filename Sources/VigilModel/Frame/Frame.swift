/// A columnar batch of rows: what every runtime consumes.
///
/// After schema enforcement the columns stand in signature order and carry the signature's
/// names; without a signature they stand as the request sent them.
package struct Frame: Sendable {
    package var names: [String]
    package var columns: [Column]
    package var rowCount: Int

    package init(names: [String], columns: [Column], rowCount: Int) {
        precondition(names.count == columns.count, "one name per column")
        self.names = names
        self.columns = columns
        self.rowCount = rowCount
    }

    /// The index of the column called `name`, if any.
    package func index(of name: String) -> Int? {
        names.firstIndex(of: name)
    }
}

/// One column of a `Frame`, stored contiguously.
package enum Column: Sendable, Equatable {
    /// float64 values (also JSON integers and booleans in a numeric column); NaN marks a missing value.
    case double([Double])
    /// int64 values (`long`/`integer` signature columns).
    case int64([Int64])
    /// booleans (`boolean` signature columns).
    case bool([Bool])
    /// strings; `nil` marks a missing value.
    case string([String?])

    package var count: Int {
        switch self {
        case .double(let v): v.count
        case .int64(let v): v.count
        case .bool(let v): v.count
        case .string(let v): v.count
        }
    }

    /// The value of row `row` as a double, the way numpy's `astype(float)` reads it;
    /// nil for a string that is not a number.
    package func double(at row: Int) -> Double? {
        switch self {
        case .double(let v): v[row]
        case .int64(let v): Double(v[row])
        case .bool(let v): v[row] ? 1 : 0
        case .string(let v): v[row].map { Double($0) ?? .nan }
        }
    }
}
