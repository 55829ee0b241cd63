import Testing
import VigilModel

/// skops archives are untrusted: every malformed or hostile one is a clear load error.
@Suite struct SkopsArchiveTests {
    static func node(_ cls: String, _ module: String, _ loader: String, _ rest: String) -> String {
        #"{"__class__": "\#(cls)", "__module__": "\#(module)", "__loader__": "\#(loader)", \#(rest)}"#
    }

    static func json(_ text: String) -> String {
        node("str", "builtins", "JsonNode", #""content": "\"\#(text)\"", "is_json": true"#)
    }

    static func archive(schema: String, files: [(String, [UInt8])] = []) -> [UInt8] {
        var zip = ZipWriter()
        for (name, data) in files { zip.add(name, data) }
        zip.add("schema.json", schema)
        return zip.bytes()
    }

    @Test func readsNodesAndArrays() throws {
        let f8 = ZipWriter.npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", [0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x40])
        let u3 = ZipWriter.npy(
            "{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }", [0x61, 0, 0, 0, 0x62, 0, 0, 0, 0x63, 0, 0, 0, 0, 0, 0, 0])
        let schema =
            #"{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {"#
            + #""x": \#(Self.node("ndarray", "numpy", "NdArrayNode", #""type": "numpy", "file": "1.npy""#)), "#
            + #""s": \#(Self.node("ndarray", "numpy", "NdArrayNode", #""type": "numpy", "file": "2.npy""#)), "#
            + #""n": \#(Self.json("hi"))}, "protocol": 2, "_skops_version": "0.16.0"}"#
        let archive = try SkopsArchive(bytes: Self.archive(schema: schema, files: [("1.npy", f8), ("2.npy", u3)]))
        #expect(archive.root["x"] == .array(NPYArray(shape: [2], values: .float64([1, 2]))))
        #expect(archive.root["s"] == .array(NPYArray(shape: [2], values: .string(["ab", "c"]))))
        #expect(archive.root["n"] == .string("hi"))
    }

    static let goodNPY = ZipWriter.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
    static let arraySchema =
        #"{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {"x": "#
        + node("ndarray", "numpy", "NdArrayNode", #""type": "numpy", "file": "1.npy""#) + "}}"

    static func withNPY(_ npy: [UInt8]) -> [UInt8] { archive(schema: arraySchema, files: [("1.npy", npy)]) }

    static var hostile: [(String, [UInt8])] {
        var cases: [(String, [UInt8])] = []
        cases.append(("empty", []))
        cases.append(("not a zip", Array("hello world, this is not a zip archive".utf8)))
        let good = withNPY(goodNPY)
        cases.append(("truncated", Array(good.prefix(good.count - 30))))
        var crc = ZipWriter()
        crc.add("1.npy", goodNPY, crc: 1234)
        crc.add("schema.json", arraySchema)
        cases.append(("bad crc", crc.bytes()))
        var deflated = ZipWriter()
        deflated.add("schema.json", Array(arraySchema.utf8), method: 8)
        cases.append(("compressed", deflated.bytes()))
        var traversal = ZipWriter()
        traversal.add("../../etc/passwd", goodNPY)
        traversal.add("schema.json", arraySchema)
        cases.append(("path traversal", traversal.bytes()))
        var duplicate = ZipWriter()
        duplicate.add("schema.json", arraySchema)
        duplicate.add("schema.json", arraySchema)
        cases.append(("duplicate member", duplicate.bytes()))
        cases.append(
            (
                "no schema",
                {
                    var z = ZipWriter(); z.add("1.npy", goodNPY); return z.bytes()
                }()
            ))
        cases.append(("schema not JSON", archive(schema: "{not json")))
        cases.append(("missing array file", archive(schema: arraySchema)))
        cases.append(("object dtype", withNPY(ZipWriter.npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", [0x80, 4, 0x4E, 0x2E]))))
        cases.append(
            ("big-endian", withNPY(ZipWriter.npy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", Array(repeating: 0, count: 8)))))
        cases.append(
            (
                "shape too big for data",
                withNPY(ZipWriter.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000,), }", Array(repeating: 0, count: 8)))
            ))
        cases.append(("shape overflows", withNPY(ZipWriter.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", []))))
        cases.append(("header not a dict", withNPY(ZipWriter.npy("__import__('os').system('true')", []))))
        cases.append(("unknown class", archive(schema: node("Evil", "os", "ObjectNode", #""content": {}"#))))
        cases.append(("function", archive(schema: node("system", "os", "FunctionNode", #""content": "x""#))))
        cases.append(("method", archive(schema: node("m", "x", "MethodNode", #""content": {}"#))))
        var deep = json("x")
        for _ in 0..<200 { deep = node("list", "builtins", "ListNode", #""content": [\#(deep)]"#) }
        cases.append(("deep nesting", archive(schema: deep)))
        return cases
    }

    @Test(arguments: hostile)
    func hostileArchivesAreRefused(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: ModelFileError.self, "\(name)") { try SkopsArchive(bytes: bytes) }
    }

    @Test func unknownEstimatorIsNamedAsUnsupported() {
        let error = #expect(throws: ModelFileError.self) {
            try SkopsArchive(bytes: Self.archive(schema: Self.node("SVC", "sklearn.svm._classes", "ObjectNode", #""content": {}"#)))
        }
        #expect(error == .unsupported("sklearn.svm._classes.SVC in a skops archive"))
    }
}
