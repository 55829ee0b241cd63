import Logging
import NIOCore

/// Builds (once) and finds the virtualenv a model's workers run in (`--env-manager virtualenv`).
enum VirtualEnvironment {
    static func python(
        for configuration: PythonWorkerConfiguration,
        cacheDirectory: String,
        environment: [String: String],
        logger: Logger,
        group: any EventLoopGroup
    ) async throws(PythonWorkerError) -> String {
        throw .environmentFailed(message: "--env-manager virtualenv is not implemented yet.")
    }
}
