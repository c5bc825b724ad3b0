/// How a parent's target (chỉ tiêu) is divided among its child units.
public enum SplitMethod: String, Codable, Sendable, CaseIterable {
    /// The same share for every child.
    case even
    /// In proportion to each child's population.
    case population
    /// In proportion to each child's number of eligible people.
    case eligible
    /// Typed in by hand, child by child.
    case typed
}

/// Pure arithmetic for dividing a target among child units and checking that the parts add up.
public enum TargetSplit {
    /// Divides `total` (>= 0) among `weights.count` parts in proportion to the weights (each >= 0) using the
    /// largest-remainder method, so the parts always sum to `total` exactly; remainders tie-broken by the lower index.
    /// All weights zero (or empty weights) -> falls back to `even`. Empty weights -> [].
    ///
    /// A negative total or weight is treated as zero. The products `total × weight` are computed at double width,
    /// so nothing is rounded through floating point; only the sum of the weights must fit in `Int64`.
    public static func proportional(_ total: Int64, weights: [Int64]) -> [Int64] {
        guard !weights.isEmpty else { return [] }
        let total = max(total, 0)
        let weights = weights.map { max($0, 0) }
        let sum = weights.reduce(Int64(0), +)
        guard sum > 0 else { return even(total, parts: weights.count) }

        // quotient and remainder of total × weight / sum, exactly.
        var parts = [Int64]()
        var remainders = [Int64]()
        parts.reserveCapacity(weights.count)
        remainders.reserveCapacity(weights.count)
        for weight in weights {
            let product = total.multipliedFullWidth(by: weight)
            // The quotient is at most `total` because weight <= sum, so it always fits.
            let (quotient, remainder) = sum.dividingFullWidth(product)
            parts.append(quotient)
            remainders.append(remainder)
        }

        // Sum of the floors is within `weights.count` of the total; hand the rest out one by one.
        var leftover = total - parts.reduce(Int64(0), +)
        let order = remainders.indices.sorted { a, b in
            remainders[a] != remainders[b] ? remainders[a] > remainders[b] : a < b
        }
        for index in order where leftover > 0 {
            parts[index] += 1
            leftover -= 1
        }
        return parts
    }

    /// Even split: each part total/parts, the first (total % parts) parts get one more. parts == 0 -> [].
    ///
    /// A negative total is treated as zero, and a negative number of parts as zero.
    public static func even(_ total: Int64, parts: Int) -> [Int64] {
        guard parts > 0 else { return [] }
        let total = max(total, 0)
        let count = Int64(parts)
        let base = total / count
        let extra = Int(total % count)
        return (0..<parts).map { $0 < extra ? base + 1 : base }
    }

    /// Compares the children's sum with the parent's target: nil when equal, otherwise a shortfall (children sum below
    /// the parent's) or an excess, with the absolute difference.
    public static func finding(parent: Int64, children: [Int64]) -> SplitFinding? {
        let sum = children.reduce(Int64(0), +)
        if sum == parent { return nil }
        return sum < parent
            ? SplitFinding(kind: .shortfall, amount: parent - sum)
            : SplitFinding(kind: .excess, amount: sum - parent)
    }
}

/// The mismatch between a parent's target and the sum of its children's targets.
public struct SplitFinding: Equatable, Sendable, Codable {
    /// Whether the children fall short of the parent's target or exceed it.
    public enum Kind: String, Codable, Sendable {
        /// The children's targets add up to less than the parent's.
        case shortfall
        /// The children's targets add up to more than the parent's.
        case excess
    }

    /// Which way the children's sum misses the parent's target.
    public var kind: Kind
    /// The absolute difference between the parent's target and the children's sum; always positive.
    public var amount: Int64

    /// Creates a finding; `amount` is the absolute difference.
    public init(kind: Kind, amount: Int64) {
        self.kind = kind
        self.amount = amount
    }
}

/// When a target may change freely: until its period starts. From the first day of the period it is frozen (đã chốt):
/// a change is still possible but needs a written reason, kept in the audit trail. The one statement of the rule.
public enum TargetFreeze {
    public static func isFrozen(periodStart: LocalDate, today: LocalDate) -> Bool {
        periodStart <= today
    }
}
