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
        #if arch(x86_64)
        if exact && mantissa != 0 && exponent >= -27 && exponent <= 27 {
            // Up to 19 digits times an exact power of ten in 64-bit x87 precision: one correctly
            // rounded operation. Rounding that to 53 bits is exact unless the 11 dropped bits sit
            // next to the halfway point (then strtod decides).
            let x = Float80(mantissa)
            let r = exponent < 0 ? x / powersOfTen80[-exponent] : x * powersOfTen80[exponent]
            let dropped = r.significandBitPattern & 0x7FF
            let d = Double(r)
            if dropped &- 0x3FF > 2 && d.isNormal {
                return negative ? -d : d
            }
        }
        #endif
        return slowDouble(bytes, start, end)
    }

    #if arch(x86_64)
    /// 10^0 … 10^27, all exact in Float80 (5^27 < 2^64).
    private static let powersOfTen80: [Float80] = {
        var p: [Float80] = [1]
        for _ in 1...27 { p.append(p.last! * 10) }
        return p
    }()
    #endif

    /// A number literal scanned by CPython's rules and converted in the same pass.
    package struct Scanned {
        package var end: Int
        package var isFloat: Bool
        /// The value for floats; for integers, valid when `fitsInt64`.
        package var double: Double
        package var int: Int64
        package var fitsInt64: Bool
    }

    /// `_match_number_unicode` fused with the conversion: the literal starting at `start`, or nil
    /// when there is none there (then `json.loads` says "Expecting value").
    @inline(__always)
    package static func scan(_ b: UnsafeRawBufferPointer, _ start: Int) -> Scanned? {
        let n = b.count
        var i = start
        var negative = false
        if b[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
            if i >= n { return nil }
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var exact = true
        let first = b[i]
        if first &- UInt8(ascii: "1") < 9 {
            while i < n, case let d = b[i] &- 48, d < 10 {
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant += 1
                } else {
                    exponent += 1
                    if d != 0 { exact = false }
                }
                i += 1
            }
        } else if first == UInt8(ascii: "0") {
            i += 1
        } else {
            return nil
        }
        var isFloat = false
        if i < n - 1, b[i] == UInt8(ascii: "."), b[i + 1] &- 48 < 10 {
            isFloat = true
            i += 1
            if mantissa == 0 {
                while i < n, b[i] == UInt8(ascii: "0") {
                    exponent -= 1
                    i += 1
                }
            }
            // Eight digits at a time while they fit the 19-digit mantissa.
            while significant <= 11, i + 8 <= n {
                let chunk = b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                guard (chunk & 0xF0F0_F0F0_F0F0_F0F0) | (((chunk &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)
                    == 0x3333_3333_3333_3333
                else { break }
                var v = chunk & 0x0F0F_0F0F_0F0F_0F0F
                v = (v &* 2561) >> 8
                v = ((v & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
                v = ((v & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
                mantissa = mantissa &* 100_000_000 &+ v
                significant += 8
                exponent -= 8
                i += 8
            }
            while i < n, case let d = b[i] &- 48, d < 10 {
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
        if i < n - 1, b[i] | 0x20 == UInt8(ascii: "e") {
            let eStart = i
            i += 1
            var expNegative = false
            if i < n - 1, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
                expNegative = b[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            while i < n, case let d = b[i] &- 48, d < 10 {
                if e < 100_000 { e = e * 10 + Int(d) }
                i += 1
            }
            if b[i - 1] &- 48 < 10 {
                isFloat = true
                exponent += expNegative ? -e : e
            } else {
                i = eStart
            }
        }
        if !isFloat {
            if significant <= 18 {
                let v = Int64(mantissa)
                return Scanned(end: i, isFloat: false, double: 0, int: negative ? -v : v, fitsInt64: true)
            }
            if case .int64(let v) = integer(b, start, i) {
                return Scanned(end: i, isFloat: false, double: 0, int: v, fitsInt64: true)
            }
            return Scanned(end: i, isFloat: false, double: 0, int: 0, fitsInt64: false)
        }
        let value = fastDouble(negative: negative, mantissa: mantissa, exponent: exponent, exact: exact) ?? slowDouble(b, start, i)
        return Scanned(end: i, isFloat: true, double: value, int: 0, fitsInt64: false)
    }

    /// Clinger's fast path, then the Float80 path; nil when neither is exact.
    @inline(__always)
    private static func fastDouble(negative: Bool, mantissa: UInt64, exponent: Int, exact: Bool) -> Double? {
        guard exact else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if mantissa <= 1 << 53 {
            var value = Double(mantissa)
            if exponent >= 0 && exponent <= 22 {
                value *= powersOfTen[exponent]
                return negative ? -value : value
            }
            if exponent < 0 && exponent >= -22 {
                value /= powersOfTen[-exponent]
                return negative ? -value : value
            }
        }
        #if arch(x86_64)
        if exponent >= -27 && exponent <= 27 {
            let x = Float80(mantissa)
            let r = exponent < 0 ? x / powersOfTen80[-exponent] : x * powersOfTen80[exponent]
            let d = Double(r)
            if (r.significandBitPattern & 0x7FF) &- 0x3FF > 2 && d.isNormal {
                return negative ? -d : d
            }
        }
        #endif
        return nil
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
