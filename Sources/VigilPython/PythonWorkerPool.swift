import Logging
import NIOCore
import NIOPosix
import Synchronization
import VigilModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a model's MLflow pyfunc in supervised Python worker processes and answers `/invocations`
/// bodies exactly as `mlflow models serve` does.
///
/// Each worker (`python/vigil_worker.py`) loads the model and answers one request at a time over a
/// framed pipe protocol (`WorkerFrame`). Requests go to an idle worker, or wait in a bounded queue.
/// A worker that dies is restarted with backoff; a request that outlives the timeout is answered 504
/// and its worker killed and restarted. Nothing here blocks a thread: pipes are NIO channels and
/// exits are reaped by polling on an event loop.
package final class PythonWorkerPool: Sendable {
    package let configuration: PythonWorkerConfiguration
    private let logger: Logger
    private let group: any EventLoopGroup
    private let state: Mutex<PoolState>
    private let launch = Mutex<Launch?>(nil)
    private let nextRequestID = Atomic<UInt64>(1)
    private let allocator = ByteBufferAllocator()

    /// The command that runs one worker.
    struct Launch: Sendable {
        var executable: String
        var arguments: [String]
        var environment: [String: String]
    }

    package init(
        configuration: PythonWorkerConfiguration,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = eventLoopGroup
        self.state = Mutex(PoolState(configuration: configuration))
    }

    /// Starts every worker and returns once all have loaded the model, or throws why one could not
    /// (after stopping the others).
    package func start() async throws(PythonWorkerError) {
        let resolved: Launch
        do {
            resolved = try await makeLaunch()
        } catch {
            state.withLock { $0.phase = .stopped }
            throw error
        }
        launch.withLock { $0 = resolved }
        logger.info(
            "python workers starting",
            metadata: [
                "model.path": "\(configuration.modelPath)", "python": "\(resolved.executable)",
                "workers": "\(state.withLock { $0.slots.count })",
            ]
        )
        let result = await withCheckedContinuation { continuation in
            run(state.withLock { $0.beginStart(continuation) })
        }
        if case .failure(let error) = result {
            if error != .notStartable {
                await shutdown()
            }
            throw error
        }
    }

    /// Answers one `/invocations` request: `body` as received, `contentType` the raw Content-Type header
    /// (nil when absent). Whatever MLflow answers, errors included, is returned; what Vigil answers
    /// itself (timeout 504, worker crash 500, overload or shutdown 503) is thrown.
    package func score(body: ByteBuffer, contentType: String?) async throws(ScoringError) -> PythonResponse {
        let id = nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue
        let frame = WorkerFrame.request(id: id, contentType: contentType, body: body, allocator: allocator)
        let loop = group.next()
        let timeout = TimeAmount(configuration.requestTimeout)
        let result = await withCheckedContinuation { continuation in
            let actions = state.withLock { state in
                // Scheduled under the lock, so it cannot fire before the request is in the state.
                let timer = loop.scheduleTask(in: timeout) { self.run(self.state.withLock { $0.timedOut(id) }) }
                return state.submit(PendingRequest(id: id, frame: frame, continuation: continuation, timer: timer))
            }
            run(actions)
        }
        return try result.get()
    }

    package func score(body: [UInt8], contentType: String?) async throws(ScoringError) -> PythonResponse {
        try await score(body: allocator.buffer(bytes: body), contentType: contentType)
    }

    /// Stops taking requests, fails the queued ones (503), lets busy workers answer, closes every
    /// worker's input and waits for it to exit: SIGTERM after the grace period, SIGKILL after another.
    package func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let loop = group.next()
            let grace = TimeAmount(configuration.shutdownGracePeriod)
            let actions = state.withLock { state in
                let actions = state.beginShutdown(continuation)
                if state.phase == .stopping && state.shutdownTimers.isEmpty {
                    state.shutdownTimers = [
                        loop.scheduleTask(in: grace) { self.run(self.state.withLock { $0.escalateShutdown(SIGTERM) }) },
                        loop.scheduleTask(in: grace * 2) { self.run(self.state.withLock { $0.escalateShutdown(SIGKILL) }) },
                    ]
                }
                return actions
            }
            run(actions)
        }
    }

    /// The process ids of the workers that have loaded the model, by slot (nil: not running).
    package var workerProcessIDs: [Int32?] {
        state.withLock { state in
            state.slots.map { $0.isServing ? $0.process?.pid : nil }
        }
    }

    // MARK: events from channels and timers

    func workerAttached(_ worker: WorkerIdentity, channel: any Channel) {
        state.withLock { $0.attached(worker, channel: channel) }
    }

    func workerSent(_ worker: WorkerIdentity, answer: WorkerAnswer) {
        run(state.withLock { $0.received(answer, from: worker, now: .now()) })
    }

    func workerFailed(_ worker: WorkerIdentity, error: any Error) {
        run(state.withLock { $0.kill(worker, because: "it broke the frame protocol: \(error)") })
    }

    // MARK: actions

    private func run(_ actions: [PoolAction]) {
        for action in actions {
            switch action {
            case .send(let frame, let channel):
                channel.writeAndFlush(frame, promise: nil)
            case .complete(let request, let result):
                request.timer?.cancel()
                request.continuation.resume(returning: result)
            case .spawn(let worker):
                spawn(worker)
            case .signal(let process, let signal):
                process.signalGroup(signal)
            case .closeInput(let channel):
                channel.close(mode: .output, promise: nil)
            case .restart(let worker, let delay):
                group.next().scheduleTask(in: TimeAmount(delay)) {
                    self.run(self.state.withLock { $0.restart(worker) })
                }
            case .finishStart(let waiter, let result):
                waiter.resume(returning: result)
            case .finishShutdown(let waiters, let announce):
                if announce {
                    logger.info("python workers stopped", metadata: ["model.path": "\(configuration.modelPath)"])
                }
                waiters.forEach { $0.resume() }
            case .log(let level, let message, let metadata):
                logger.log(level: level, message, metadata: metadata)
            }
        }
    }

    private func spawn(_ worker: WorkerIdentity) {
        guard let launch = launch.withLock({ $0 }) else { return }
        let process: WorkerProcess
        do {
            process = try WorkerProcess.spawn(
                executable: launch.executable,
                arguments: launch.arguments,
                environment: launch.environment
            )
        } catch {
            let failure: PythonWorkerError =
                error.isNotFound
                ? .pythonNotFound(python: launch.executable)
                : .spawnFailed(python: launch.executable, reason: error.reason)
            run(state.withLock { $0.spawnFailed(worker, error: failure, now: .now()) })
            return
        }
        let loop = group.next()
        let loadTimer = loop.scheduleTask(in: TimeAmount(configuration.loadTimeout)) {
            self.run(self.state.withLock { $0.loadTimedOut(worker) })
        }
        let (tail, actions) = state.withLock { state in
            let actions = state.spawned(worker, process: process, loadTimer: loadTimer)
            return (state.slots[worker.slot].tail, actions)
        }
        var workerLogger = self.logger
        workerLogger[metadataKey: "worker.slot"] = "\(worker.slot)"
        workerLogger[metadataKey: "worker.pid"] = "\(process.pid)"
        workerLogger.debug("python worker spawned")
        let logger = workerLogger
        let level = configuration.workerOutputLogLevel
        let maximumAnswerBytes = configuration.maximumAnswerBytes

        let output = NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        WorkerOutputHandler(logger: logger, level: level, tail: tail)
                    )
                }
            }
            .takingOwnershipOfDescriptor(input: process.output)
        output.whenFailure { _ in _ = close(process.output) }

        let answers = NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(WorkerAnswerDecoder(maximumFrameLength: maximumAnswerBytes)),
                        WorkerAnswerHandler(pool: self, worker: worker)
                    )
                }
            }
            .takingOwnershipOfDescriptors(input: process.answers, output: process.requests)
        answers.whenComplete { result in
            switch result {
            case .success(let channel):
                // The worker's end: once its stdout is closed it can answer nothing more.
                channel.closeFuture.whenComplete { _ in self.awaitExit(worker, process: process, on: loop) }
            case .failure(let error):
                _ = close(process.answers)
                _ = close(process.requests)
                logger.error("python worker pipes failed", metadata: ["error": "\(error)"])
                process.signalGroup(SIGKILL)
                self.awaitExit(worker, process: process, on: loop)
            }
        }
        run(actions)
    }

    /// Reports the exit of a worker whose output has ended.
    private func awaitExit(_ worker: WorkerIdentity, process: WorkerProcess, on loop: any EventLoop) {
        process.whenExited(on: loop) { status in
            self.run(self.state.withLock { $0.ended(worker, status: status, now: .now()) })
        }
    }

    private func makeLaunch() async throws(PythonWorkerError) -> Launch {
        var environment = ProcessEnvironment.current
        environment.merge(configuration.environment) { _, new in new }
        let python: String
        switch configuration.environmentManager {
        case .local:
            python = configuration.python
        case .virtualenv(let cacheDirectory):
            python = try await VirtualEnvironment.python(
                for: configuration,
                cacheDirectory: cacheDirectory,
                environment: environment,
                logger: logger,
                group: group
            )
        }
        let arguments: [String]
        if let script = configuration.workerScript {
            arguments = [script, configuration.modelPath]
        } else {
            arguments = ["-c", WorkerScript.source, configuration.modelPath]
        }
        return Launch(executable: python, arguments: arguments, environment: environment)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// This process's environment variables.
enum ProcessEnvironment {
    static var current: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
