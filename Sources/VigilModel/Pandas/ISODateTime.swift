/// ISO-8601 date and time text to nanoseconds since the epoch (timezone-naive).
package enum ISODateTime {
    package static func nanoseconds(_ text: String) -> Int64? {
        let b = Array(text.trimmingPythonWhitespace().utf8)
        func number(_ from: Int, _ length: Int) -> Int? {
            guard from + length <= b.count else { return nil }
            var v = 0
            for k in from..<(from + length) {
                guard b[k] &- 48 < 10 else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            return v
        }
        guard let year = number(0, 4), b.count >= 10, b[4] == UInt8(ascii: "-"), let month = number(5, 2),
            b[7] == UInt8(ascii: "-"), let day = number(8, 2), (1...12).contains(month), day >= 1, day <= 31
        else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var fraction: Int64 = 0
        var i = 10
        if i < b.count {
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " "), let h = number(i + 1, 2), i + 3 < b.count,
                b[i + 3] == UInt8(ascii: ":"), let m = number(i + 4, 2), h < 24, m < 60
            else { return nil }
            hour = h
            minute = m
            i += 6
            if i < b.count, b[i] == UInt8(ascii: ":") {
                guard let s = number(i + 1, 2), s < 60 else { return nil }
                second = s
                i += 3
                if i < b.count, b[i] == UInt8(ascii: ".") {
                    i += 1
                    var scale: Int64 = 100_000_000
                    var digits = 0
                    while i < b.count, b[i] &- 48 < 10 {
                        if digits < 9 { fraction += Int64(b[i] - 48) * scale }
                        scale /= 10
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                }
            }
            guard i == b.count else { return nil }
        }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = Int64(era * 146_097 + doe - 719_468)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return seconds * 1_000_000_000 + fraction
    }
}

extension ISODateTime {
    /// `Timestamp` text: `2024-01-02`, or `2024-01-02 03:04:05[.fff…]`.
    static func format(_ ns: Int64, dateOnly: Bool, fractionDigits: Int) -> String {
        var seconds = ns / 1_000_000_000
        var fraction = ns % 1_000_000_000
        if fraction < 0 {
            fraction += 1_000_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        // Civil from days (Howard Hinnant).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = "\(year)-\(two(month))-\(two(day))"
        if dateOnly { return text }
        text += " \(two(rem / 3600)):\(two(rem % 3600 / 60)):\(two(rem % 60))"
        if fractionDigits > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            text += "." + digits.prefix(fractionDigits)
        }
        return text
    }
}
