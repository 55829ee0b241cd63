import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `--env-manager virtualenv`: the model's own environment, as MLflow builds it.
///
/// `vigil_worker.py --build-env MODEL_DIR CACHE_DIR`, run with the configured Python, creates a venv
/// under the cache directory named by a hash of `python_env.yaml`, `requirements.txt` (and
/// `constraints.txt`) and that Python, pip-installs the model's build dependencies and dependencies
/// once (under a file lock, so concurrent Vigils build it once), and prints the venv's Python.
/// Unlike MLflow it does not download the exact Python version the model names: it warns when the
/// configured Python's major.minor differs.
enum VirtualEnvironment {
    static func python(
        for configuration: PythonWorkerConfiguration,
        cacheDirectory: String,
        environment: [String: String],
        logger: Logger,
        group: any EventLoopGroup
    ) async throws(PythonWorkerError) -> String {
        let script = configuration.workerScript.map { [$0] } ?? ["-c", WorkerScript.source]
        let process: WorkerProcess
        do {
            process = try WorkerProcess.spawn(
                executable: configuration.python,
                arguments: script + ["--build-env", configuration.modelPath, cacheDirectory],
                environment: environment
            )
        } catch {
            throw error.isNotFound
                ? .pythonNotFound(python: configuration.python)
                : .spawnFailed(python: configuration.python, reason: error.reason)
        }
        _ = close(process.requests)
        logger.info(
            "python virtualenv preparing",
            metadata: ["model.path": "\(configuration.modelPath)", "cache.path": "\(cacheDirectory)"]
        )
        let tail = OutputTail()
        let stdout = CollectedBytes()
        let loop = group.next()
        var builderLogger = logger
        builderLogger[metadataKey: "worker.pid"] = "\(process.pid)"
        let outputLogger = builderLogger
        let level = configuration.workerOutputLogLevel

        let status = await withCheckedContinuation { (continuation: CheckedContinuation<ExitStatus, Never>) in
            NIOPipeBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            WorkerOutputHandler(logger: outputLogger, level: level, tail: tail)
                        )
                    }
                }
                .takingOwnershipOfDescriptor(input: process.output)
                .whenFailure { _ in _ = close(process.output) }
            NIOPipeBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(CollectingHandler(into: stdout))
                    }
                }
                .takingOwnershipOfDescriptor(input: process.answers)
                .whenComplete { result in
                    switch result {
                    case .success(let channel):
                        channel.closeFuture.whenComplete { _ in
                            process.whenExited(on: loop) { continuation.resume(returning: $0) }
                        }
                    case .failure:
                        _ = close(process.answers)
                        process.signalGroup(SIGKILL)
                        process.whenExited(on: loop) { continuation.resume(returning: $0) }
                    }
                }
        }
        let printed = stdout.text.split(separator: "\n").last.map(String.init)
        guard status == .exited(code: 0), let python = printed, python.hasPrefix("/") else {
            throw .environmentFailed(
                message: "Building the virtualenv of the model at \(configuration.modelPath) with "
                    + "\(configuration.python) failed (\(status)). Its last output:\n\(tail.text)"
            )
        }
        logger.info("python virtualenv ready", metadata: ["python": "\(python)"])
        return python
    }
}

/// Bytes a channel read, for after it closes.
private final class CollectedBytes: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    func append(_ buffer: ByteBuffer) {
        bytes.withLock { $0 += buffer.readableBytesView }
    }

    var text: String {
        bytes.withLock { String(decoding: $0, as: UTF8.self) }
    }
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let collected: CollectedBytes

    init(into collected: CollectedBytes) {
        self.collected = collected
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        collected.append(unwrapInboundIn(data))
    }
}
