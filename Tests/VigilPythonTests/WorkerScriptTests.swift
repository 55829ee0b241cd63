import Foundation
import Testing

@testable import VigilPython

struct WorkerScriptTests {
    static let sourcePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("python/vigil_worker.py").path

    @Test func embedsTheWorkerSource() throws {
        let file = try String(contentsOfFile: Self.sourcePath, encoding: .utf8)
        // A multi-line literal drops the newline before its closing delimiter.
        #expect(WorkerScript.source + "\n" == file, "run python3 python/embed_worker.py")
    }
}
