import LanToaCore
import Vapor

/// A row of a unit list.
struct UnitRow: Encodable {
    var code: String
    var name: String
    var kind: String
    var tier: String
    var demo: Bool
    var showTeams: Bool
    var teams: Int
    var compliantTeams: Int
}

struct UnitsPage: Encodable {
    var layout: Layout
    var query: String
    var asOf: String
    var oldList: Bool
    var results: [UnitRow]
    var total: Int
}

struct UnitPage: Encodable {
    var layout: Layout
    var unit: UnitRow
    var crumbs: [Crumb]
    var children: [UnitRow]
    var childrenTitle: String
    var teams: [TeamRow]
    var nonCompliant: Int
    var isCommune: Bool
    var isHamlet: Bool
    var isProvince: Bool
    var canManage: Bool
    var policy: PolicyView?
    var predecessors: [UnitRow]
    var successors: [UnitRow]
    var validity: String
    var hamletKinds: [SelectOption]
    var form: HamletForm
    var errors: [String]
    var former: FormerCommuneView?
}

/// A hamlet's commune before 1 July 2025 (xã cũ), and the predecessors of its commune it may be corrected to.
struct FormerCommuneView: Encodable {
    var name: String
    var code: String
    var options: [SelectOption]
}

/// A province's composition rules as shown and edited on its page.
struct PolicyView: Encodable {
    var own: Bool
    var minimumMembers: Int
    var maximumMembersHamlet: String
    var maximumMembersCommune: String
    var leaderMustBeHamletHead: Bool
}

struct HamletForm: Encodable {
    var name: String
    var kind: String
}
