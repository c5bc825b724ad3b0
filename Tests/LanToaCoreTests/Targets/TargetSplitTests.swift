import Foundation
import LanToaCore
import Testing

@Suite("Dividing a target among child units")
struct TargetSplitTests {
    @Test("Proportional split matches hand-checked largest-remainder results")
    func proportionalHandChecked() {
        #expect(TargetSplit.proportional(100, weights: [1, 1, 1]) == [34, 33, 33])
        #expect(TargetSplit.proportional(10, weights: [5, 3, 2]) == [5, 3, 2])
        #expect(TargetSplit.proportional(7, weights: [0, 0]) == [4, 3])
        #expect(TargetSplit.proportional(7, weights: []) == [])
        // 10 × [1, 2, 3] / 6 = 1.67, 3.33, 5: the largest remainder (index 0) gets the spare unit.
        #expect(TargetSplit.proportional(10, weights: [1, 2, 3]) == [2, 3, 5])
        // Equal remainders go to the lower index; a zero weight gets nothing.
        #expect(TargetSplit.proportional(5, weights: [1, 0, 1]) == [3, 0, 2])
        #expect(TargetSplit.proportional(0, weights: [4, 5]) == [0, 0])
    }

    @Test("Proportional parts always sum back to the total, even for large totals and weights")
    func proportionalSumsBack() {
        for seed: UInt64 in [1, 2, 3, 42, 2025, 0xDEAD_BEEF] {
            var generator = SplitMix64(seed: seed)
            for _ in 0..<50 {
                let count = Int(generator.next() % 40) + 1
                let total = Int64(generator.next() % 10_000_000_001)
                let weights = (0..<count).map { _ in
                    generator.next() % 5 == 0 ? 0 : Int64(generator.next() % 100_000_001)
                }
                let parts = TargetSplit.proportional(total, weights: weights)
                #expect(parts.count == count)
                #expect(parts.reduce(0, +) == total, "total \(total) weights \(weights)")
                #expect(parts.allSatisfy { $0 >= 0 })
                let sum = weights.reduce(0, +)
                guard sum > 0 else { continue }
                // Each part is within one unit of its exact share; zero weights get zero.
                for (part, weight) in zip(parts, weights) {
                    let exact = Double(total) * Double(weight) / Double(sum)
                    #expect(abs(Double(part) - exact) < 1.0 + exact * 1e-12)
                    if weight == 0 { #expect(part == 0) }
                }
            }
        }
    }

    @Test("Even split gives the first units the remainder")
    func evenSplit() {
        #expect(TargetSplit.even(10, parts: 3) == [4, 3, 3])
        #expect(TargetSplit.even(2, parts: 4) == [1, 1, 0, 0])
        #expect(TargetSplit.even(9, parts: 0) == [])
        #expect(TargetSplit.even(10_000_000_000, parts: 7).reduce(0, +) == 10_000_000_000)
    }

    @Test("Children's targets below, above or equal to the parent's")
    func findings() {
        #expect(TargetSplit.finding(parent: 100, children: [30, 30, 30]) == SplitFinding(kind: .shortfall, amount: 10))
        #expect(TargetSplit.finding(parent: 100, children: [60, 50]) == SplitFinding(kind: .excess, amount: 10))
        #expect(TargetSplit.finding(parent: 100, children: [34, 33, 33]) == nil)
        #expect(TargetSplit.finding(parent: 5, children: []) == SplitFinding(kind: .shortfall, amount: 5))
        #expect(SplitMethod(rawValue: "population") == .population)
        #expect(SplitMethod.allCases.count == 4)
    }
}


// MARK: - Helpers

/// A tiny deterministic generator, so the "random" inputs are the same on every run.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
