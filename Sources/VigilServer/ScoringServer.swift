import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import VigilModel

/// The scoring port on a bare SwiftNIO HTTP/1.1 pipeline.
///
/// Measured against Hummingbird's application on this path (README, Performance): a native
/// prediction costs tens of microseconds, as much as Hummingbird's async bridge and router, so
/// the scoring port answers straight from the channel handler. The operations port keeps
/// Hummingbird. On graceful shutdown it stops accepting, lets requests in flight finish, and
/// closes idle connections.
package struct ScoringServer: Service {
    let endpoint: ScoringEndpoint
    let host: String
    let port: Int
    /// Event loop threads; nil shares NIO's singleton group (one loop per core).
    let eventLoops: Int?
    let onRunning: @Sendable (_ port: Int) -> Void

    package init(
        endpoint: ScoringEndpoint, host: String, port: Int, eventLoops: Int? = nil, onRunning: @escaping @Sendable (Int) -> Void
    ) {
        self.endpoint = endpoint
        self.host = host
        self.port = port
        self.eventLoops = eventLoops
        self.onRunning = onRunning
    }

    package func run() async throws {
        if let eventLoops {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops)
            do {
                try await serve(on: group)
            } catch {
                try? await group.shutdownGracefully()
                throw error
            }
            try await group.shutdownGracefully()
        } else {
            try await serve(on: MultiThreadedEventLoopGroup.singleton)
        }
    }

    private func serve(on group: MultiThreadedEventLoopGroup) async throws {
        let quiescing = ServerQuiescingHelper(group: group)
        let drained = group.next().makePromise(of: Void.self)
        let endpoint = self.endpoint
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ScoringHTTPHandler(endpoint: endpoint))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .bind(host: host, port: port).get()
        onRunning(channel.localAddress?.port ?? port)
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
            try await drained.futureResult.get()
        } onGracefulShutdown: {
            quiescing.initiateShutdown(promise: drained)
        }
    }
}

/// One connection's requests: collects a body up to the limit, then answers from `ScoringEndpoint`.
final class ScoringHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case collecting(HTTPRequestHead, body: ByteBuffer, started: ContinuousClock.Instant, isFeedback: Bool)
        case tooLarge(HTTPRequestHead, started: ContinuousClock.Instant, isFeedback: Bool)
        case fixed(HTTPRequestHead, ScoringEndpoint.Answer)
    }

    private let endpoint: ScoringEndpoint
    private var state = State.idle

    init(endpoint: ScoringEndpoint) {
        self.endpoint = endpoint
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let started = ContinuousClock.now
            let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let route = endpoint.route(method: head.method.rawValue, path: path)
            switch route {
            case .invocations, .feedback:
                let isFeedback = if case .feedback = route { true } else { false }
                let limit = endpoint.limits.maxRequestBytes
                let declared = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
                if declared > limit {
                    state = .tooLarge(head, started: started, isFeedback: isFeedback)
                } else {
                    state = .collecting(
                        head, body: context.channel.allocator.buffer(capacity: declared), started: started, isFeedback: isFeedback)
                }
            case .ping: state = .fixed(head, endpoint.ping())
            case .version: state = .fixed(head, endpoint.version())
            case .answer(let answer): state = .fixed(head, answer)
            }
        case .body(var chunk):
            guard case .collecting(let head, var body, let started, let isFeedback) = state else { return }
            if body.readableBytes + chunk.readableBytes > endpoint.limits.maxRequestBytes {
                state = .tooLarge(head, started: started, isFeedback: isFeedback)
                return
            }
            state = .idle  // drop the state's reference so the append does not copy the buffer
            body.writeBuffer(&chunk)
            state = .collecting(head, body: body, started: started, isFeedback: isFeedback)
        case .end:
            let finished = state
            state = .idle
            switch finished {
            case .idle: return
            case .fixed(let head, let answer):
                respond(context: context, to: head, with: answer)
            case .collecting(let head, let body, _, isFeedback: true):
                respond(context: context, to: head, with: endpoint.feedback(body: .success(body)))
            case .tooLarge(let head, _, isFeedback: true):
                respond(context: context, to: head, with: endpoint.feedback(body: .failure(.bodyTooLarge(limit: endpoint.limits.maxRequestBytes))))
            case .collecting(let head, let body, let started, isFeedback: false):
                score(context: context, head: head, body: .success(body), started: started)
            case .tooLarge(let head, let started, isFeedback: false):
                score(context: context, head: head, body: .failure(.bodyTooLarge(limit: endpoint.limits.maxRequestBytes)), started: started)
            }
        }
    }

    /// A native model answers right here on the event loop (tens of microseconds); a Python one
    /// answers from a task, and the response is written back on the loop.
    private func score(
        context: ChannelHandlerContext, head: HTTPRequestHead, body: Result<ByteBuffer, ScoringError>,
        started: ContinuousClock.Instant
    ) {
        let contentType = head.headers.first(name: "content-type")
        let requestID = RequestID.resolve(head.headers.first(name: RequestID.headerName))
        if let answer = endpoint.nativeInvocations(
            contentType: contentType, body: body, requestID: requestID, startedAt: started)
        {
            respond(context: context, to: head, with: answer, requestID: requestID)
            return
        }
        let endpoint = self.endpoint
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        Task {
            let answer = await endpoint.invocations(
                contentType: contentType, body: body, requestID: requestID, startedAt: started)
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.respond(context: context, to: head, with: answer, requestID: requestID)
            }
        }
    }

    private func respond(
        context: ChannelHandlerContext, to head: HTTPRequestHead, with answer: ScoringEndpoint.Answer, requestID: String? = nil
    ) {
        let keepAlive = head.isKeepAlive
        var headers = HTTPHeaders()
        headers.reserveCapacity(4)
        headers.add(name: "content-type", value: answer.contentType)
        headers.add(name: "content-length", value: String(answer.body.readableBytes))
        if let requestID { headers.add(name: RequestID.headerName, value: requestID) }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let responseHead = HTTPResponseHead(
            version: head.version, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(answer.body))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }
}
