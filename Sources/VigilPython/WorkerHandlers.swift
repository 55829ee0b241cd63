import Logging
import NIOCore
import Synchronization

/// Passes a worker's frames and the end of its output to the pool.
final class WorkerAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = WorkerAnswer

    private let pool: PythonWorkerPool
    private let worker: WorkerIdentity

    init(pool: PythonWorkerPool, worker: WorkerIdentity) {
        self.pool = pool
        self.worker = worker
    }

    func handlerAdded(context: ChannelHandlerContext) {
        pool.workerAttached(worker, channel: context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pool.workerSent(worker, answer: unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pool.workerFailed(worker, error: error)
        context.close(promise: nil)
    }
}

/// Logs a worker's stderr line by line and keeps its last lines for error messages.
final class WorkerOutputHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private static let maximumLineLength = 16 * 1024
    private let logger: Logger
    private let level: Logger.Level
    private let tail: OutputTail
    private var partial: [UInt8] = []

    init(logger: Logger, level: Logger.Level, tail: OutputTail) {
        self.logger = logger
        self.level = level
        self.tail = tail
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    emit()
                } else if partial.count < Self.maximumLineLength {
                    partial.append(byte)
                }
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !partial.isEmpty {
            emit()
        }
        context.fireChannelInactive()
    }

    private func emit() {
        let line = String(decoding: partial, as: UTF8.self)
        partial.removeAll(keepingCapacity: true)
        tail.append(line)
        logger.log(level: level, "python worker output", metadata: ["worker.output": "\(line)"])
    }
}

/// The last lines a worker wrote to stderr.
final class OutputTail: Sendable {
    private static let maximumLines = 30
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        lines.withLock { lines in
            if lines.count == Self.maximumLines {
                lines.removeFirst()
            }
            lines.append(line)
        }
    }

    var text: String {
        lines.withLock { $0.joined(separator: "\n") }
    }
}

/// One life of one worker slot: events from an older life (a killed process) are ignored.
struct WorkerIdentity: Sendable, Hashable {
    let slot: Int
    let generation: Int
}
