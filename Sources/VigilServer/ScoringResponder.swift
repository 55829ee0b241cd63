import HTTPTypes
import Hummingbird
import VigilModel

/// Serves `ScoringEndpoint` with Hummingbird: one responder rather than a router, since five
/// fixed paths need no trie.
package struct ScoringResponder: HTTPResponder {
    package typealias Context = BasicRequestContext

    let endpoint: ScoringEndpoint

    package init(endpoint: ScoringEndpoint) {
        self.endpoint = endpoint
    }

    package func respond(to request: Request, context: Context) async throws -> Response {
        let answer: ScoringEndpoint.Answer
        switch endpoint.route(method: request.method.rawValue, path: request.uri.path) {
        case .answer(let fixed): answer = fixed
        case .ping: answer = endpoint.ping()
        case .version: answer = endpoint.version()
        case .feedback:
            var request = request
            answer = endpoint.feedback(body: await collectBody(&request))
        case .invocations:
            let start = ContinuousClock.now
            var request = request
            let body = await collectBody(&request)
            let requestID = RequestID.resolve(request.headers[Self.requestIDField])
            answer = await endpoint.invocations(
                contentType: request.headers[.contentType], body: body, requestID: requestID, startedAt: start)
            return Response(
                status: .init(code: answer.status),
                headers: [.contentType: answer.contentType, Self.requestIDField: requestID],
                body: .init(byteBuffer: answer.body))
        }
        return Response(
            status: .init(code: answer.status), headers: [.contentType: answer.contentType],
            body: .init(byteBuffer: answer.body))
    }

    static let requestIDField = HTTPField.Name(RequestID.headerName)!

    /// The whole body, or a 413 error past the configured limit.
    private func collectBody(_ request: inout Request) async -> Result<ByteBuffer, ScoringError> {
        let limit = endpoint.limits.maxRequestBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            return .failure(.bodyTooLarge(limit: limit))
        }
        do {
            return .success(try await request.collectBody(upTo: limit))
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return .failure(.bodyTooLarge(limit: limit))
        } catch {
            return .failure(ScoringError(.badRequest, "Could not read the request body: \(error)"))
        }
    }
}
