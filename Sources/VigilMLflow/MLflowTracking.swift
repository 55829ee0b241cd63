import Foundation

/// One metric value for `runs/log-batch`.
package struct MLflowMetric: Sendable, Equatable {
    package var key: String
    package var value: Double
    /// Milliseconds since the Unix epoch.
    package var timestamp: Int64
    package var step: Int

    package init(key: String, value: Double, timestamp: Int64, step: Int) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
    }
}

/// A key and value for tags and params.
package struct MLflowTag: Sendable, Equatable {
    package var key: String
    package var value: String

    package init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// The tracking and registry writes that report a served version back to MLflow: experiments,
/// runs, batched metrics and model version tags (research/mlflow.md §4, "Logging results back").
package struct MLflowTracking: Sendable {
    /// `runs/log-batch` limits of `mlflow/utils/validation.py`.
    package static let maxMetricsPerBatch = 1000
    package static let maxParamsPerBatch = 100
    package static let maxTagsPerBatch = 100
    package static let maxEntitiesPerBatch = 1000
    package static let maxKeyLength = 250

    package let client: MLflowClient

    package init(client: MLflowClient) {
        self.client = client
    }

    /// The ID of the experiment called `name`, created when missing.
    package func experimentID(named name: String) async throws -> String {
        if let id = try await existingExperiment(name) { return id }
        do {
            let created = try await client.call("experiments/create", method: "POST", body: ["name": name])
            guard let id = created["experiment_id"] as? String else {
                throw MLflowError.invalid("experiments/create returned no experiment_id for '\(name)'.")
            }
            return id
        } catch MLflowError.api(_, "RESOURCE_ALREADY_EXISTS", _, _) {
            // Another process created it in between.
            guard let id = try await existingExperiment(name) else {
                throw MLflowError.invalid("Experiment '\(name)' exists but cannot be read.")
            }
            return id
        }
    }

    private func existingExperiment(_ name: String) async throws -> String? {
        do {
            let found = try await client.call("experiments/get-by-name", query: [("experiment_name", name)])
            let experiment = found["experiment"] as? [String: Any]
            return experiment?["experiment_id"] as? String
        } catch MLflowError.api(_, "RESOURCE_DOES_NOT_EXIST", _, _) {
            return nil
        }
    }

    /// Starts a RUNNING run; returns its ID.
    package func createRun(experimentID: String, name: String, startTime: Int64, tags: [MLflowTag]) async throws -> String {
        let body: [String: Any] = [
            "experiment_id": experimentID, "run_name": name, "start_time": startTime,
            "tags": tags.map { ["key": $0.key, "value": $0.value] },
        ]
        let created = try await client.call("runs/create", method: "POST", body: body)
        guard let run = created["run"] as? [String: Any], let info = run["info"] as? [String: Any],
            let id = (info["run_id"] as? String) ?? (info["run_uuid"] as? String)
        else {
            throw MLflowError.invalid("runs/create returned no run_id.")
        }
        return id
    }

    /// One `runs/log-batch` call; `batches(metrics:params:tags:)` splits larger sets. Non-finite
    /// values are left out: JSON cannot carry them.
    package func logBatch(runID: String, _ batch: Batch) async throws {
        let body: [String: Any] = [
            "run_id": runID,
            "metrics": batch.metrics.filter { $0.value.isFinite }.map {
                ["key": $0.key, "value": $0.value, "timestamp": $0.timestamp, "step": $0.step] as [String: Any]
            },
            "params": batch.params.map { ["key": $0.key, "value": $0.value] },
            "tags": batch.tags.map { ["key": $0.key, "value": $0.value] },
        ]
        _ = try await client.call("runs/log-batch", method: "POST", body: body)
    }

    /// `runs/update`: e.g. FINISHED with its end time.
    package func updateRun(runID: String, status: String, endTime: Int64) async throws {
        _ = try await client.call(
            "runs/update", method: "POST", body: ["run_id": runID, "status": status, "end_time": endTime])
    }

    /// `model-versions/set-tag` on a registered model version.
    package func setModelVersionTag(name: String, version: String, key: String, value: String) async throws {
        _ = try await client.call(
            "model-versions/set-tag", method: "POST", body: ["name": name, "version": version, "key": key, "value": value])
    }

    // MARK: Limits and names

    /// One `runs/log-batch` call's worth.
    package struct Batch: Sendable, Equatable {
        package var metrics: [MLflowMetric] = []
        package var params: [MLflowTag] = []
        package var tags: [MLflowTag] = []

        package init(metrics: [MLflowMetric] = [], params: [MLflowTag] = [], tags: [MLflowTag] = []) {
            self.metrics = metrics
            self.params = params
            self.tags = tags
        }
    }

    /// Splits into batches within every per-call limit: at most 100 tags, 100 params and 1000
    /// metrics each, and 1000 entities in all. Order is kept within each kind.
    package static func batches(metrics: [MLflowMetric], params: [MLflowTag], tags: [MLflowTag]) -> [Batch] {
        var batches: [Batch] = []
        var m = metrics[...], p = params[...], t = tags[...]
        while !m.isEmpty || !p.isEmpty || !t.isEmpty {
            var batch = Batch()
            batch.tags = Array(t.prefix(maxTagsPerBatch))
            t = t.dropFirst(batch.tags.count)
            batch.params = Array(p.prefix(maxParamsPerBatch))
            p = p.dropFirst(batch.params.count)
            let room = min(maxMetricsPerBatch, maxEntitiesPerBatch - batch.tags.count - batch.params.count)
            batch.metrics = Array(m.prefix(room))
            m = m.dropFirst(batch.metrics.count)
            batches.append(batch)
        }
        return batches
    }

    /// A metric, param or tag key MLflow accepts: characters outside `[A-Za-z0-9_\-. :/]` become
    /// `_`, and so does `/` (a key is also a file path to MLflow and must not resolve to another
    /// name); at most 250 characters.
    package static func sanitizedKey(_ key: String) -> String {
        var out = ""
        for scalar in key.unicodeScalars {
            let allowed = scalar.isASCII
                && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || "_-. :".unicodeScalars.contains(scalar))
            out.unicodeScalars.append(allowed ? scalar : "_")
        }
        if out.isEmpty || out == "." || out == ".." { out = "_" + out }
        return String(out.prefix(maxKeyLength))
    }
}
