import Hummingbird
import VigilMonitoring

/// The operations port (:8001): metrics for Prometheus, liveness and readiness for
/// orchestrators, and what is being served. Clients of the model never reach it.
package enum OperationsApplication {
    package static func router(registry: MetricsRegistry, slot: ModelSlot) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("metrics") { request, _ in
            slot.current?.drift?.updateScores()
            slot.current?.quality?.updateScores()
            let (contentType, body) = registry.exposition(accept: request.headers[.accept])
            return Response(
                status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("readyz") { _, _ in
            guard slot.current != nil else {
                return Response(
                    status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                    body: .init(byteBuffer: ByteBuffer(string: "no model loaded\n")))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        }
        router.get("status") { _, _ in
            let body = StatusReport(model: slot.current?.labels).json
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return router
    }
}

/// `GET /status`: what this process serves, as JSON.
struct StatusReport {
    var model: ModelLabels?

    var json: String {
        guard let model else { return #"{"ready": false, "model": null}"# + "\n" }
        let fields = [
            ("name", model.name), ("version", model.version), ("uri", model.uri), ("run_id", model.runID),
            ("flavor", model.flavor), ("runtime", model.runtime),
        ]
        let object = fields.map { "\"\($0.0)\": \(JSONString.quoted($0.1))" }.joined(separator: ", ")
        return #"{"ready": true, "model": {"# + object + "}}\n"
    }
}

/// A JSON string literal for any Swift string.
enum JSONString {
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
