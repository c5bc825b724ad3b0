import LanToaCore
import Vapor

/// The import page, for teams or residents.
struct ImportPage: Encodable {
    var layout: Layout
    var unit: UnitRow
    var crumbs: [Crumb]
    var problems: [ImportProblemResponse]
    var resultText: String?
    var columns: [String]
    var action: String
    var template: String
    var help: String
}
