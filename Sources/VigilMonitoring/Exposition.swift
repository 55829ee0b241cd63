/// Prometheus exposition formats: the classic text format 0.0.4 (what swift-prometheus writes)
/// and OpenMetrics 1.0, derived from it for scrapers that ask for it.
package enum Exposition {
    package static let textContentType = "text/plain; version=0.0.4; charset=utf-8"
    package static let openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    /// True when the `Accept` header lists OpenMetrics ahead of (or without) the text format,
    /// as Prometheus does with `application/openmetrics-text;version=1.0.0,...;q=0.5,text/plain;...`.
    package static func prefersOpenMetrics(accept: String?) -> Bool {
        guard let accept else { return false }
        var best: (quality: Double, openMetrics: Bool)?
        for entry in accept.split(separator: ",") {
            let parts = entry.split(separator: ";").map { $0.trimmingWhitespace() }
            guard let mime = parts.first else { continue }
            let isOpenMetrics = mime == "application/openmetrics-text"
            guard isOpenMetrics || mime == "text/plain" || mime == "*/*" else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            if best == nil || quality > best!.quality { best = (quality, isOpenMetrics) }
        }
        return best?.openMetrics ?? false
    }

    /// Rewrites a text-format exposition as OpenMetrics: counter families lose their `_total`
    /// suffix in `# HELP`/`# TYPE` (samples keep it), and the exposition ends with `# EOF`.
    package static func openMetrics(fromText text: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count + 64)
        var counters: Set<String> = []
        // Find counter families first: a family's HELP line comes before its TYPE line.
        for line in text.split(separator: UInt8(ascii: "\n")) where line.starts(with: typePrefix) {
            let fields = line.dropFirst(typePrefix.count).split(separator: UInt8(ascii: " "))
            if fields.count == 2, fields[1].elementsEqual("counter".utf8) {
                counters.insert(String(decoding: fields[0], as: UTF8.self))
            }
        }
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if let prefix = [helpPrefix, typePrefix].first(where: { line.starts(with: $0) }) {
                let rest = line.dropFirst(prefix.count)
                let nameEnd = rest.firstIndex(of: UInt8(ascii: " ")) ?? rest.endIndex
                let name = String(decoding: rest[..<nameEnd], as: UTF8.self)
                if counters.contains(name), name.hasSuffix("_total") {
                    output += prefix
                    output += name.dropLast("_total".count).utf8
                    output += rest[nameEnd...]
                    output.append(UInt8(ascii: "\n"))
                    continue
                }
            }
            output += line
            output.append(UInt8(ascii: "\n"))
        }
        output += "# EOF\n".utf8
        return output
    }

    private static let helpPrefix = Array("# HELP ".utf8)
    private static let typePrefix = Array("# TYPE ".utf8)
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
