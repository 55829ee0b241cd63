/// A parsed JSON or UBJSON document, as XGBoost writes its models.
///
/// Numbers keep what float32 needs: XGBoost stores thresholds and leaves as float32, and a
/// decimal parsed to double and then rounded to float can differ from the decimal parsed
/// straight to float. So a JSON number carries both parses, and UBJSON float32 values stay
/// float32. Typed UBJSON arrays stay compact.
package enum ModelJSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    /// A non-integer number: its double value and its own float32 parse.
    case number(Double, float: Float)
    case string(String)
    case array([ModelJSON])
    case object([String: ModelJSON])
    /// A typed UBJSON array of float32 (`[$d#`).
    case floats([Float])
    /// A typed UBJSON array of float64 (`[$D#`).
    case doubles([Double])
    /// A typed UBJSON array of integers (`[$i#`, `$U`, `$I`, `$l`, `$L`, `$C`).
    case integers([Int64])

    /// A short name of the value's type, for error messages.
    package var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .number: "a number"
        case .string: "a string"
        case .array, .floats, .doubles, .integers: "an array"
        case .object: "an object"
        }
    }
}

/// Bounds shared by both readers; a document past them is refused before memory is spent.
package struct ModelJSONLimits: Sendable {
    /// Deepest nesting of arrays and objects (XGBoost models nest about 8 deep).
    package var maxDepth = 64
    /// Most elements one array or object may declare.
    package var maxCount = 1 << 28

    package init() {}
}
