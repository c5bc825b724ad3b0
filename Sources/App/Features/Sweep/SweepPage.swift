import LanToaCore
import Vapor

/// One hamlet's printed sheet on the sweep page.
struct SweepSheet: Encodable {
    var hamlet: String
    var eligible: Int
    var done: Int
    var households: [SweepHouseholdRow]
}

struct SweepHouseholdRow: Encodable {
    var address: String
    var headName: String
    var residents: [String]
}

struct SweepPage: Encodable {
    var layout: Layout
    var unit: UnitRow
    var crumbs: [Crumb]
    var services: [SelectOption]
    var serviceName: String
    var sheets: [SweepSheet]
    var eligible: Int
    var done: Int
    var date: String
}
