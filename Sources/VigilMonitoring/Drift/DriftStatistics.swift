import Foundation

/// The drift scores Vigil computes from reference bin shares and a window's bin counts.
///
/// All of them work on the profile's frozen bins, so a score costs O(bins). The reference values
/// in `Tests/Fixtures/drift` come from numpy/scipy (`python/fixtures/make_drift.py`).
package enum DriftStatistics {
    /// Shares below this are raised to it before PSI's logarithm and χ²'s division (an empty bin
    /// would make both infinite). The same ε Evidently falls back to; it caps one bin's PSI term at
    /// about |share| · 9.2.
    package static let shareFloor = 1e-4

    /// Population Stability Index: Σ (c − r) · ln(c / r) over bins, shares floored at `shareFloor`
    /// (not renormalised). Symmetric; < 0.1 no change, 0.1–0.25 moderate, > 0.25 major.
    package static func psi(reference: [Double], current: [Double]) -> Double {
        var total = 0.0
        for i in reference.indices {
            let r = max(reference[i], shareFloor), c = max(current[i], shareFloor)
            total += (c - r) * Foundation.log(c / r)
        }
        return total
    }

    /// Jensen–Shannon distance in base 2 (0 identical … 1 disjoint), as scipy's
    /// `spatial.distance.jensenshannon(r, c, base=2)`: both normalised, no floor.
    package static func jensenShannon(reference: [Double], current: [Double]) -> Double {
        let rs = reference.reduce(0, +), cs = current.reduce(0, +)
        guard rs > 0, cs > 0 else { return 0 }
        var total = 0.0
        for i in reference.indices {
            let p = reference[i] / rs, q = current[i] / cs
            let m = (p + q) / 2
            if p > 0 { total += p * Foundation.log(p / m) }
            if q > 0 { total += q * Foundation.log(q / m) }
        }
        return (max(total, 0) / 2 / Foundation.log(2.0)).squareRoot()
    }

    /// Wasserstein-1 distance between the two distributions placed on the bin centres (scipy's
    /// `stats.wasserstein_distance(centres, centres, r, c)`), divided by `scale` (the reference
    /// standard deviation, at least 0.001, as Evidently normalises it).
    package static func wasserstein(centres: [Double], reference: [Double], current: [Double], scale: Double) -> Double {
        let rs = reference.reduce(0, +), cs = current.reduce(0, +)
        guard rs > 0, cs > 0, centres.count > 1 else { return 0 }
        var rCum = 0.0, cCum = 0.0, total = 0.0
        for i in 0..<(centres.count - 1) {
            rCum += reference[i] / rs
            cCum += current[i] / cs
            total += abs(rCum - cCum) * (centres[i + 1] - centres[i])
        }
        return total / max(scale, 0.001)
    }

    /// Pearson's χ² statistic of the window's counts against the reference: Σ (O − E)² / E with
    /// E = n · r̃, r̃ the floored reference shares renormalised to 1 (scipy's `stats.chisquare(O, E)`).
    package static func chiSquare(reference: [Double], counts: [Double]) -> Double {
        let n = counts.reduce(0, +)
        let floored = reference.map { max($0, shareFloor) }
        let sum = floored.reduce(0, +)
        var total = 0.0
        for i in counts.indices {
            let expected = n * floored[i] / sum
            total += (counts[i] - expected) * (counts[i] - expected) / expected
        }
        return total
    }

    /// The χ² value a window without drift exceeds with probability 0.05 for `bins` bins
    /// (`bins − 1` degrees of freedom), by the Wilson–Hilferty approximation (within 2.5 % of
    /// scipy's `chi2.ppf(0.95, dof)` for dof = 1, within 0.2 % from dof = 4).
    package static func chiSquareCritical(bins: Int) -> Double {
        let k = Double(max(bins - 1, 1))
        let z = 1.6448536269514722  // Φ⁻¹(0.95)
        let a = 2 / (9 * k)
        let c = 1 - a + z * a.squareRoot()
        return k * c * c * c
    }
}
