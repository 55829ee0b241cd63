#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number literals, converted exactly as Python converts them: `int(text)` for integer literals and
/// `float(text)` (correctly rounded) for the rest.
package enum JSONNumber {
    /// A parsed integer literal.
    package enum Integer: Equatable {
        case int64(Int64)
        /// Outside Int64: the canonical decimal digits.
        case big(String)
    }

    /// Exact powers of ten representable in a double.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Converts the float literal in `bytes[start..<end]` (JSON syntax already checked).
    ///
    /// Clinger's fast path covers mantissas up to 2^53 with small exponents, where one IEEE
    /// multiplication or division is exact; everything else goes to `strtod`, which is
    /// correctly rounded like CPython's own `float()`.
    @inline(__always)
    package static func double(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Double {
        var i = start
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var exact = true
        while i < end, case let d = bytes[i] &- 48, d < 10 {
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { significant += 1 }
            } else {
                exponent += 1
                if d != 0 { exact = false }
            }
            i += 1
        }
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, case let d = bytes[i] &- 48, d < 10 {
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { significant += 1 }
                    exponent -= 1
                } else if d != 0 {
                    exact = false
                }
                i += 1
            }
        }
        if i < end, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if bytes[i] == UInt8(ascii: "-") {
                expNegative = true
                i += 1
            } else if bytes[i] == UInt8(ascii: "+") {
                i += 1
            }
            var e = 0
            while i < end, case let d = bytes[i] &- 48, d < 10 {
                if e < 100_000 { e = e * 10 + Int(d) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        if exact && mantissa <= 1 << 53 {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            var value = Double(mantissa)
            if exponent >= 0 && exponent <= 22 {
                value *= powersOfTen[exponent]
                return negative ? -value : value
            }
            if exponent < 0 && exponent >= -22 {
                value /= powersOfTen[-exponent]
                return negative ? -value : value
            }
            if exponent > 22 && exponent <= 22 + 15 {
                // m·10^k stays an exact integer below 2^53 for the extra k, then one exact-ish scaling.
                let extra = powersOfTen[exponent - 22]
                let scaled = value * extra
                if scaled < 9_007_199_254_740_992 {
                    value = scaled * 1e22
                    return negative ? -value : value
                }
            }
        }
        return slowDouble(bytes, start, end)
    }

    private static func slowDouble(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Double {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[start + k]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    /// Converts the integer literal in `bytes[start..<end]` (an optional `-` and digits).
    @inline(__always)
    package static func integer(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Integer {
        var i = start
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        if end - i <= 18 {
            var v: Int64 = 0
            while i < end {
                v = v * 10 + Int64(bytes[i] &- 48)
                i += 1
            }
            return .int64(negative ? -v : v)
        }
        var magnitude: UInt64 = 0
        var overflow = false
        for k in i..<end {
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(bytes[k] &- 48))
            magnitude = m2
            if o1 || o2 {
                overflow = true
                break
            }
        }
        if !overflow {
            if !negative && magnitude <= UInt64(Int64.max) { return .int64(Int64(magnitude)) }
            if negative && magnitude <= UInt64(Int64.max) + 1 { return .int64(Int64(truncatingIfNeeded: 0 &- magnitude)) }
        }
        // Python ints are unbounded: keep the digits (JSON integers have no leading zeros).
        let digits = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self)
        return .big(negative ? "-" + digits : digits)
    }
}
