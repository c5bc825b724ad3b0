import Foundation
import LanToaCore
import Vapor

/// `PUT /api/v1/targets`: one unit's target for an indicator and a period.
struct SetTargetRequest: Content {
    var unit: String?
    var indicator: String?
    var period: String?
    var value: Double?
    /// Required to change a target whose period has started.
    var reason: String?
}

struct SplitTargetRequest: Content {
    var unit: String?
    var indicator: String?
    var period: String?
    /// even, population, eligible, typed
    var method: String?
    /// For a typed split: child unit code → value.
    var values: [String: Double]?
    var reason: String?
}

struct TargetResponse: Content {
    var unit: UnitRef
    var indicator: String
    var period: String
    var value: Double
    var method: String
    var frozen: Bool
}

struct TargetsResponse: Content {
    var target: TargetResponse?
    var children: [TargetResponse]
    var childrenTotal: Double
    var finding: SplitFinding?
}
