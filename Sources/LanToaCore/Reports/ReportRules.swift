import Foundation

/// A validation rule of a report template (quy tắc kiểm tra), checked on every save, submission and review and shown
/// as a named warning: never silent, never blocking (a reviewer decides).
public struct ReportRule: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// `left` ≤ `right`, each a field's or a figure's code.
        case atMost = "at_most"
        /// A typed value within the mean ± k·SD of the same unit's earlier approved values (at least 3 of them).
        case usual
    }

    public var code: String
    public var kind: Kind
    public var left: String
    public var right: String?
    public var k: Double?

    public init(code: String, kind: Kind, left: String, right: String? = nil, k: Double? = nil) {
        self.code = code
        self.kind = kind
        self.left = left
        self.right = right
        self.k = k
    }
}

/// A rule that a report's values break.
public struct ReportWarning: Codable, Sendable, Equatable {
    public var rule: String
    public var field: String
    /// For `usual`: the range the value was expected in.
    public var low: Double?
    public var high: Double?

    public init(rule: String, field: String, low: Double? = nil, high: Double? = nil) {
        self.rule = rule
        self.field = field
        self.low = low
        self.high = high
    }
}

public enum ReportRules {
    /// The warnings of `values` (typed values and figures by code) under `rules`, with `history` the same unit's earlier
    /// approved values by field code, oldest first.
    public static func check(_ rules: [ReportRule], values: [String: Int64], history: [String: [Int64]]) -> [ReportWarning] {
        var out: [ReportWarning] = []
        for rule in rules {
            switch rule.kind {
            case .atMost:
                guard let right = rule.right, let a = values[rule.left], let b = values[right] else { continue }
                if a > b { out.append(ReportWarning(rule: rule.code, field: rule.left)) }
            case .usual:
                guard let v = values[rule.left], let past = history[rule.left], past.count >= 3 else { continue }
                let n = Double(past.count)
                let mean = past.reduce(0.0) { $0 + Double($1) } / n
                let sd = (past.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / (n - 1)).squareRoot()
                let k = rule.k ?? 3
                let low = mean - k * sd, high = mean + k * sd
                if Double(v) < low || Double(v) > high {
                    out.append(ReportWarning(rule: rule.code, field: rule.left, low: (low * 10).rounded() / 10, high: (high * 10).rounded() / 10))
                }
            }
        }
        return out
    }
}
