import Foundation
import Testing
import VigilModel

@Suite struct UBJSONReaderTests {
    private func parse(_ bytes: [UInt8], limits: ModelJSONLimits = ModelJSONLimits()) throws(ModelFileError) -> ModelJSON {
        try UBJSONReader(limits: limits).parse(bytes)
    }

    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func readsEveryScalarMarker() throws {
        #expect(try JSONField(parse([0x69, 0xFE])).int() == -2)  // i
        #expect(try JSONField(parse([0x55, 0xFE])).int() == 254)  // U
        #expect(try JSONField(parse([0x49, 0x80, 0x00])).int() == -32768)  // I, big-endian
        #expect(try JSONField(parse([0x6C, 0x00, 0x01, 0x00, 0x00])).int() == 65536)  // l
        #expect(try JSONField(parse([0x4C, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])).int() == Int.max)  // L
        #expect(try JSONField(parse([0x43, 0x41])).int() == 65)  // C
        // d: float32 0.1 big-endian keeps its exact bits.
        let f = try JSONField(parse([0x64, 0x3D, 0xCC, 0xCC, 0xCD])).float()
        #expect(f.bitPattern == Float(0.1).bitPattern)
        guard case .number(let d, _) = try parse([0x44, 0x3F, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A]) else {
            Issue.record("D is not a number")
            return
        }
        #expect(d == 0.1)
        guard case .null = try parse(bytes("Z")), case .bool(true) = try parse(bytes("T")),
            case .bool(false) = try parse(bytes("F"))
        else {
            Issue.record("Z/T/F")
            return
        }
        #expect(try JSONField(parse(bytes("Si\u{03}abc"))).string() == "abc")
        #expect(try JSONField(parse(bytes("NNZ"))).value.typeName == "null")  // no-ops are skipped
    }

    @Test func readsContainersInEveryForm() throws {
        // {"a": [1, 2], "b": {"c": "x"}} as plain containers.
        let plain = try JSONField(parse(bytes("{i\u{01}a[i\u{01}i\u{02}]i\u{01}b{i\u{01}cSi\u{01}x}}")))
        #expect(try plain("a").ints() == [1, 2])
        #expect(try plain("b")("c").string() == "x")
        // Counted array, counted object, typed object.
        #expect(try JSONField(parse(bytes("[#i\u{03}i\u{01}U\u{02}Z"))).array().count == 3)
        let counted = try JSONField(parse(bytes("{#i\u{01}i\u{01}kT")))
        #expect(try counted("k").int() == 1)
        let typed = try JSONField(parse(bytes("{$i#i\u{02}i\u{01}a\u{05}i\u{01}b\u{06}")))
        #expect(try typed("a").int() == 5)
        #expect(try typed("b").int() == 6)
    }

    @Test func readsTypedArraysCompactly() throws {
        let floats = try parse([0x5B, 0x24, 0x64, 0x23, 0x69, 0x02, 0x3F, 0x80, 0, 0, 0xC0, 0x00, 0, 0])  // [$d#i2 1.0 -2.0
        guard case .floats(let f) = floats else {
            Issue.record("not .floats")
            return
        }
        #expect(f == [1, -2])
        let doubles = try parse([0x5B, 0x24, 0x44, 0x23, 0x69, 0x01, 0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18])
        guard case .doubles(let d) = doubles else {
            Issue.record("not .doubles")
            return
        }
        #expect(d == [Double.pi])
        let ints: [(UInt8, [UInt8], [Int])] = [
            (0x69, [0xFF, 0x01], [-1, 1]),
            (0x55, [0xFF, 0x01], [255, 1]),
            (0x49, [0xFF, 0xFE, 0x01, 0x00], [-2, 256]),
            (0x6C, [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x07], [-1, 7]),
            (0x4C, [0, 0, 0, 0, 0, 0, 0, 9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0], [9, -16]),
        ]
        for (type, payload, want) in ints {
            let value = try parse([0x5B, 0x24, type, 0x23, 0x55, 0x02] + payload)
            #expect(try JSONField(value).ints(in: Int64.min...Int64.max) == want, "type \(type)")
        }
        let strings = try JSONField(parse(bytes("[$S#i\u{02}i\u{01}ai\u{02}bc")))
        #expect(try strings.array().map { try $0.string() } == ["a", "bc"])
    }

    @Test func refusesTruncatedInput() throws {
        let document = bytes("{i\u{01}a[$d#i\u{02}") + [0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0] + bytes("i\u{01}bSi\u{02}xy}")
        #expect(throws: Never.self) { try parse(document) }
        for n in 0..<document.count {
            #expect(throws: ModelFileError.self, "prefix of \(n) bytes") { try parse(Array(document.prefix(n))) }
        }
    }

    @Test func refusesEveryPrefixOfARealModel() throws {
        let model = try [UInt8](Data(contentsOf: XGBoostFixture.named("booster_no_feature_names").modelFile))
        #expect(throws: Never.self) { try parse(model) }
        for n in Swift.stride(from: 0, to: model.count, by: 7) {
            #expect(throws: ModelFileError.self) { try parse(Array(model.prefix(n))) }
        }
    }

    @Test func refusesHugeAndNegativeCounts() {
        let hostile: [[UInt8]] = [
            [0x5B, 0x23, 0x4C, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],  // [#L 2^63-1
            [0x5B, 0x24, 0x64, 0x23, 0x4C, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00],  // [$d#L 2^28 floats, no data
            [0x5B, 0x24, 0x64, 0x23, 0x6C, 0x00, 0x10, 0x00, 0x00, 0x00],  // [$d#l 1M floats, no data
            [0x5B, 0x23, 0x69, 0xFF],  // negative count
            [0x53, 0x4C, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x41],  // string of 2^39 bytes
            [0x53, 0x69, 0xFE],  // negative string length
            [0x7B, 0x23, 0x4C, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],  // {#L 2^56
            [0x5B, 0x24, 0x5A, 0x23, 0x4C, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],  // [$Z#L: zero-size elements
            [0x5B, 0x24, 0x5B, 0x23, 0x69, 0x01, 0x5D],  // [$[ : typed container of containers
            [0x48, 0x69, 0x01, 0x31],  // H: high-precision number
            [0x5B, 0x24, 0x64, 0x69],  // $ without #
            [0x3F],  // unknown marker
            [0x5A, 0x5A],  // trailing bytes
            [0x7B, 0x69, 0x01, 0x61, 0x54, 0x69, 0x01, 0x61, 0x46, 0x7D],  // duplicate key
            [0x7B, 0x53, 0x69, 0x01, 0x61, 0x54, 0x7D],  // key with an S marker
            [0x5B, 0x5D, 0x5D],  // stray ]
            [],
        ]
        for document in hostile {
            #expect(throws: ModelFileError.self, "\(document)") { try parse(document) }
        }
    }

    @Test func limitsNesting() throws {
        let deep = [UInt8](repeating: 0x5B, count: 100) + [UInt8](repeating: 0x5D, count: 100)
        #expect(throws: ModelFileError.self) { try parse(deep) }
        var limits = ModelJSONLimits()
        limits.maxDepth = 200
        #expect(throws: Never.self) { try parse(deep, limits: limits) }
        // A deep chain of counted arrays takes the same path.
        let counted = [UInt8](repeating: 0, count: 0) + Array([0x5B, 0x23, 0x69, 0x01].repeated(100)) + [0x5A]
        #expect(throws: ModelFileError.self) { try parse(counted) }
    }

    @Test func limitsElementCount() {
        var limits = ModelJSONLimits()
        limits.maxCount = 3
        #expect(throws: ModelFileError.self) { try parse(bytes("[ZZZZ]"), limits: limits) }
        #expect(throws: ModelFileError.self) { try parse(bytes("[#i\u{04}ZZZZ"), limits: limits) }
        #expect(throws: Never.self) { try parse(bytes("[ZZZ]"), limits: limits) }
    }
}

extension Array {
    fileprivate func repeated(_ n: Int) -> [Element] { (0..<n).flatMap { _ in self } }
}
