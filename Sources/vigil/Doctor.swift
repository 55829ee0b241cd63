import ArgumentParser
import Foundation
import VigilDoctor

/// Finds the silent failures of a monitoring stack: dead targets, missing metrics, broken rules,
/// no Alertmanager, a silent Watchdog.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a Prometheus/Alertmanager stack for the failures nobody gets paged about.",
        discussion: "One line per check: OK, WARN or FAIL and what to do. Exits 0 when nothing FAILs, "
            + "1 when something does, 2 when Prometheus cannot be reached."
    )

    @Option(help: "Prometheus' base URL (default http://127.0.0.1:9090). [VIGIL_PROMETHEUS_URL]")
    var prometheus: String?
    @Option(help: "An Alertmanager base URL to check (default: the Alertmanagers Prometheus reports).")
    var alertmanager: String?
    @Option(help: "The scrape job of Vigil's operations port.")
    var job: String = "vigil"
    @Option(help: "Warn when a metric name has more series than this.")
    var maxSeries: Int = 10000

    func run() async throws {
        let url = prometheus ?? ProcessInfo.processInfo.environment["VIGIL_PROMETHEUS_URL"] ?? "http://127.0.0.1:9090"
        let options = DoctorOptions(prometheus: url, alertmanager: alertmanager, job: job, maxSeries: maxSeries)
        let report = await VigilDoctor.Doctor(options: options).run()
        FileHandle.standardOutput.write(Data(report.text.utf8))
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
