import ServiceLifecycle

/// Owns the served model's runtime for the process's lifetime: on shutdown, after both ports
/// have drained, it stops the Python workers (a native model has nothing to stop).
struct ScorerService: Service {
    let slot: ModelSlot

    func run() async throws {
        try? await gracefulShutdown()
        if case .python(let pool) = slot.current?.scorer {
            await pool.shutdown()
        }
    }
}
