import Logging
import NIOCore
import VigilModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A request waiting for, or held by, a worker.
struct PendingRequest: Sendable {
    let id: UInt64
    let frame: ByteBuffer
    let continuation: CheckedContinuation<Result<PythonResponse, ScoringError>, Never>
    var timer: Scheduled<Void>?
}

/// Something the pool must do once its lock is released.
enum PoolAction: Sendable {
    case send(ByteBuffer, to: any Channel)
    case complete(PendingRequest, Result<PythonResponse, ScoringError>)
    case spawn(WorkerIdentity)
    case signal(WorkerProcess, CInt)
    case closeInput(any Channel)
    case restart(WorkerIdentity, after: Duration)
    case finishStart(CheckedContinuation<Result<Void, PythonWorkerError>, Never>, Result<Void, PythonWorkerError>)
    /// `announce`: this call stopped the workers (not a repeated shutdown).
    case finishShutdown([CheckedContinuation<Void, Never>], announce: Bool)
    case log(Logger.Level, Logger.Message, Logger.Metadata)
}

/// The pool's state: the phase, every worker slot and the queue. All transitions happen under one lock
/// and return the actions to run after it; no I/O happens here.
struct PoolState {
    enum Phase {
        case created, starting, running, stopping, stopped
    }

    enum SlotState {
        /// Spawned; loading the model.
        case loading
        case idle
        case busy(PendingRequest)
        /// Being killed (timeout, protocol error, load timeout); waiting for its exit.
        case killing
        case waitingToRestart
        case stopped
    }

    struct Slot {
        var generation = 0
        var state = SlotState.stopped
        var process: WorkerProcess?
        var channel: (any Channel)?
        var tail = OutputTail()
        var readySince: NIODeadline?
        /// Why this life failed to load: the load-failed frame's sentence, a load timeout, a spawn error.
        var loadFailure: PythonWorkerError?
        /// Lives in a row that ended early; drives the restart backoff.
        var failures = 0
        var loadTimer: Scheduled<Void>?
    }

    var phase = Phase.created
    var slots: [Slot]
    var queue = CircularBuffer<PendingRequest>()
    var startWaiter: CheckedContinuation<Result<Void, PythonWorkerError>, Never>?
    var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    var shutdownTimers: [Scheduled<Void>] = []
    let configuration: PythonWorkerConfiguration

    init(configuration: PythonWorkerConfiguration) {
        self.configuration = configuration
        self.slots = Array(repeating: Slot(), count: max(1, configuration.workers))
    }

    // MARK: starting

    mutating func beginStart(_ waiter: CheckedContinuation<Result<Void, PythonWorkerError>, Never>) -> [PoolAction] {
        guard phase == .created else {
            return [.finishStart(waiter, .failure(.notStartable))]
        }
        phase = .starting
        startWaiter = waiter
        return slots.indices.map { index in
            slots[index].generation = 1
            slots[index].state = .loading
            return .spawn(WorkerIdentity(slot: index, generation: 1))
        }
    }

    /// The process for `worker` runs: remember it (or stop it if the pool moved on meanwhile).
    mutating func spawned(_ worker: WorkerIdentity, process: WorkerProcess, loadTimer: Scheduled<Void>) -> [PoolAction] {
        guard isCurrent(worker), case .loading = slots[worker.slot].state else {
            loadTimer.cancel()
            return [.signal(process, SIGKILL)]
        }
        slots[worker.slot].process = process
        slots[worker.slot].loadTimer = loadTimer
        slots[worker.slot].loadFailure = nil
        slots[worker.slot].readySince = nil
        if phase == .stopping {
            return [.signal(process, SIGTERM)]
        }
        return []
    }

    /// The process for `worker` could not be spawned.
    mutating func spawnFailed(_ worker: WorkerIdentity, error: PythonWorkerError, now: NIODeadline) -> [PoolAction] {
        guard isCurrent(worker) else { return [] }
        slots[worker.slot].loadFailure = error
        return ended(worker, status: nil, now: now)
    }

    mutating func attached(_ worker: WorkerIdentity, channel: any Channel) {
        guard isCurrent(worker) else { return }
        slots[worker.slot].channel = channel
    }

    // MARK: frames

    mutating func received(_ answer: WorkerAnswer, from worker: WorkerIdentity, now: NIODeadline) -> [PoolAction] {
        guard isCurrent(worker) else { return [] }
        switch answer.kind {
        case .ready:
            return ready(worker, facts: answer.bodyText, now: now)
        case .loadFailed:
            slots[worker.slot].loadFailure = .loadFailed(message: answer.bodyText)
            return []
        case .answer:
            guard case .busy(let request) = slots[worker.slot].state, request.id == answer.id else {
                return kill(worker, because: "it answered request \(answer.id), which it did not hold")
            }
            slots[worker.slot].state = .idle
            let response = PythonResponse(
                status: answer.status,
                contentType: answer.contentType,
                body: answer.body,
                reason: answer.reason
            )
            var actions: [PoolAction] = [.complete(request, .success(response))]
            actions += dispatch(to: worker.slot)
            return actions
        }
    }

    private mutating func ready(_ worker: WorkerIdentity, facts: String, now: NIODeadline) -> [PoolAction] {
        guard case .loading = slots[worker.slot].state else {
            return kill(worker, because: "it announced itself ready twice")
        }
        slots[worker.slot].loadTimer?.cancel()
        slots[worker.slot].loadTimer = nil
        slots[worker.slot].state = .idle
        slots[worker.slot].readySince = now
        var actions: [PoolAction] = [
            .log(.info, "python worker ready", metadata(worker, ["worker.facts": "\(facts)"]))
        ]
        switch phase {
        case .starting:
            if slots.allSatisfy({ if case .idle = $0.state { true } else { false } }) {
                phase = .running
                if let waiter = startWaiter {
                    startWaiter = nil
                    actions.append(.finishStart(waiter, .success(())))
                }
            }
        case .running:
            actions += dispatch(to: worker.slot)
        case .stopping:
            if let channel = slots[worker.slot].channel {
                actions.append(.closeInput(channel))
            }
        case .created, .stopped:
            break
        }
        return actions
    }

    /// Gives the next queued request to an idle worker.
    private mutating func dispatch(to slot: Int) -> [PoolAction] {
        guard phase == .running, case .idle = slots[slot].state, let channel = slots[slot].channel,
            let request = queue.popFirst()
        else {
            if phase == .stopping, case .idle = slots[slot].state, let channel = slots[slot].channel {
                return [.closeInput(channel)]
            }
            return []
        }
        slots[slot].state = .busy(request)
        return [.send(request.frame, to: channel)]
    }

    // MARK: requests

    mutating func submit(_ request: PendingRequest) -> [PoolAction] {
        guard phase == .running else {
            let message =
                phase == .stopping || phase == .stopped
                ? "The model's Python workers are shutting down."
                : "The model's Python workers are not started yet."
            return [.complete(request, .failure(ScoringError(.temporarilyUnavailable, message, reason: .overloaded)))]
        }
        if queue.isEmpty, let slot = slots.firstIndex(where: { if case .idle = $0.state { true } else { false } }),
            let channel = slots[slot].channel
        {
            slots[slot].state = .busy(request)
            return [.send(request.frame, to: channel)]
        }
        guard queue.count < configuration.maximumQueuedRequests else {
            let workers = slots.count == 1 ? "The Python worker is" : "All \(slots.count) Python workers are"
            let message =
                "\(workers) busy and \(queue.count) requests are already waiting. "
                + "Retry later, or serve the model with more workers."
            return [.complete(request, .failure(ScoringError(.temporarilyUnavailable, message, reason: .overloaded)))]
        }
        queue.append(request)
        return []
    }

    mutating func timedOut(_ id: UInt64) -> [PoolAction] {
        let timeout = ScoringError.timeout
        if let index = queue.firstIndex(where: { $0.id == id }) {
            let request = queue.remove(at: index)
            return [.complete(request, .failure(timeout))]
        }
        for slot in slots.indices {
            if case .busy(let request) = slots[slot].state, request.id == id {
                let worker = WorkerIdentity(slot: slot, generation: slots[slot].generation)
                // The worker cannot be interrupted: kill it (the answer is sent first) and restart it.
                slots[slot].state = .idle
                return [.complete(request, .failure(timeout))]
                    + kill(worker, because: "a request exceeded the \(configuration.requestTimeout) timeout")
            }
        }
        return []
    }

    mutating func loadTimedOut(_ worker: WorkerIdentity) -> [PoolAction] {
        guard isCurrent(worker), case .loading = slots[worker.slot].state else { return [] }
        let seconds = Double(configuration.loadTimeout.components.seconds)
        slots[worker.slot].loadFailure = .loadTimedOut(seconds: seconds)
        return kill(worker, because: "it did not load the model in time")
    }

    /// Stops using `worker` and kills it; its exit then fails what it held and restarts it.
    mutating func kill(_ worker: WorkerIdentity, because reason: String) -> [PoolAction] {
        guard isCurrent(worker), let process = slots[worker.slot].process else { return [] }
        var actions: [PoolAction] = [
            .log(.warning, "python worker killed", metadata(worker, ["worker.kill_reason": "\(reason)"])),
            .signal(process, SIGKILL),
        ]
        if case .busy(let request) = slots[worker.slot].state {
            actions.append(.complete(request, .failure(.workerCrashed("was killed because \(reason)"))))
        }
        slots[worker.slot].state = .killing
        return actions
    }

    // MARK: exits

    /// The worker's process has exited (`status`), or never started (nil).
    mutating func ended(_ worker: WorkerIdentity, status: ExitStatus?, now: NIODeadline) -> [PoolAction] {
        guard isCurrent(worker) else { return [] }
        var slot = slots[worker.slot]
        defer { slots[worker.slot] = slot }
        let wasReady = slot.readySince != nil
        slot.loadTimer?.cancel()
        slot.loadTimer = nil
        slot.process = nil
        slot.channel = nil
        var actions: [PoolAction] = []
        let exit = status.map { "\($0)" } ?? "no process"
        if case .busy(let request) = slot.state {
            actions.append(.complete(request, .failure(.workerCrashed("exited (\(exit))"))))
        }
        let failure =
            slot.loadFailure
            ?? .loadFailed(
                message: "The Python worker exited (\(exit)) before it loaded the model. Its last output:\n\(slot.tail.text)"
            )

        switch phase {
        case .starting:
            slot.state = .stopped
            actions.append(.log(.error, "python worker failed to start", metadata(worker, ["worker.exit": "\(exit)"])))
            if let waiter = startWaiter {
                startWaiter = nil
                actions.append(.finishStart(waiter, .failure(failure)))
            }
        case .running:
            actions.append(.log(.warning, "python worker exited", metadata(worker, ["worker.exit": "\(exit)"])))
            if let since = slot.readySince, now - since >= .seconds(30) {
                slot.failures = 1
            } else {
                slot.failures += 1
            }
            let backoff = configuration.restartBackoff * (1 << min(slot.failures - 1, 20))
            slot.state = .waitingToRestart
            actions.append(.restart(worker, after: min(backoff, configuration.maximumRestartBackoff)))
            slots[worker.slot] = slot
            if !wasReady && !slots.contains(where: \.isServing) {
                // Nothing can answer until a restart succeeds: fail the waiting requests now.
                let error = ScoringError(
                    .temporarilyUnavailable,
                    "No Python worker can serve the model: \(failure)",
                    reason: .workerCrash
                )
                while let request = queue.popFirst() {
                    actions.append(.complete(request, .failure(error)))
                }
            }
        case .stopping, .stopped, .created:
            actions.append(.log(.debug, "python worker stopped", metadata(worker, ["worker.exit": "\(exit)"])))
            slot.state = .stopped
            slots[worker.slot] = slot
            actions += finishShutdownIfDone()
        }
        return actions
    }

    mutating func restart(_ worker: WorkerIdentity) -> [PoolAction] {
        guard isCurrent(worker), phase == .running, case .waitingToRestart = slots[worker.slot].state else {
            return []
        }
        let next = WorkerIdentity(slot: worker.slot, generation: worker.generation + 1)
        slots[worker.slot].generation = next.generation
        slots[worker.slot].state = .loading
        slots[worker.slot].tail = OutputTail()
        return [.spawn(next)]
    }

    // MARK: shutdown

    mutating func beginShutdown(_ waiter: CheckedContinuation<Void, Never>) -> [PoolAction] {
        switch phase {
        case .stopped, .created:
            phase = .stopped
            return [.finishShutdown([waiter], announce: false)]
        case .stopping:
            shutdownWaiters.append(waiter)
            return []
        case .starting, .running:
            break
        }
        phase = .stopping
        shutdownWaiters.append(waiter)
        var actions: [PoolAction] = []
        if let waiter = startWaiter {
            startWaiter = nil
            actions.append(.finishStart(waiter, .failure(.loadFailed(message: "The pool was shut down while starting."))))
        }
        let error = ScoringError(.temporarilyUnavailable, "The model's Python workers are shutting down.", reason: .overloaded)
        while let request = queue.popFirst() {
            actions.append(.complete(request, .failure(error)))
        }
        for index in slots.indices {
            switch slots[index].state {
            case .waitingToRestart, .stopped:
                slots[index].state = .stopped
            case .idle, .busy:
                // A busy worker answers first: it reads the end of its input only after that.
                if let channel = slots[index].channel {
                    actions.append(.closeInput(channel))
                } else if let process = slots[index].process {
                    actions.append(.signal(process, SIGTERM))
                }
            case .loading:
                if let process = slots[index].process {
                    actions.append(.signal(process, SIGTERM))
                }
            case .killing:
                break
            }
        }
        return actions + finishShutdownIfDone()
    }

    /// The grace period is over: signal every worker still running.
    func escalateShutdown(_ signal: CInt) -> [PoolAction] {
        guard phase == .stopping else { return [] }
        return slots.compactMap { slot in slot.process.map { .signal($0, signal) } }
    }

    private mutating func finishShutdownIfDone() -> [PoolAction] {
        guard phase == .stopping, slots.allSatisfy({ if case .stopped = $0.state { true } else { false } }) else {
            return []
        }
        phase = .stopped
        shutdownTimers.forEach { $0.cancel() }
        shutdownTimers = []
        let waiters = shutdownWaiters
        shutdownWaiters = []
        return [.finishShutdown(waiters, announce: true)]
    }

    // MARK: helpers

    private func isCurrent(_ worker: WorkerIdentity) -> Bool {
        slots.indices.contains(worker.slot) && slots[worker.slot].generation == worker.generation
    }

    func metadata(_ worker: WorkerIdentity, _ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = extra
        metadata["worker.slot"] = "\(worker.slot)"
        if let pid = slots[worker.slot].process?.pid {
            metadata["worker.pid"] = "\(pid)"
        }
        return metadata
    }
}

extension PoolState.Slot {
    /// Loaded and able to take requests now or after its current one.
    var isServing: Bool {
        switch state {
        case .idle, .busy: true
        default: false
        }
    }
}

extension ScoringError {
    /// The worker holding the request died. MLflow has no answer for this (its client sees the connection
    /// drop); Vigil answers MLflow's INTERNAL_ERROR.
    static func workerCrashed(_ what: String) -> ScoringError {
        ScoringError(
            .internalError,
            "The Python worker serving the model \(what) while handling this request. "
                + "It is being restarted; its log says more.",
            reason: .workerCrash
        )
    }
}
