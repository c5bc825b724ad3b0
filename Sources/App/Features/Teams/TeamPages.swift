import LanToaCore
import Vapor

/// A row of a unit's team list.
struct TeamRow: Encodable {
    var id: String
    var name: String
    var unitName: String
    var memberCount: Int
    var compliant: Bool
    var findings: [String]
    var status: String
    var demo: Bool
}

struct TeamFormPage: Encodable {
    var layout: Layout
    var unit: UnitRow
    var crumbs: [Crumb]
    var form: TeamForm
    var errors: [String]
}

struct TeamForm: Encodable {
    var name: String
    var decisionNumber: String
    var decisionDate: String
    var decisionSigner: String
}

struct MemberRow: Encodable {
    var membershipId: String
    var memberId: String
    var fullName: String
    var phone: String
    var gender: String
    var birthYear: Int
    var role: String
    var roleCode: String
    var affiliations: String
    var from: String
}

struct FormerMemberRow: Encodable {
    var memberId: String
    var fullName: String
    var left: String
    var erased: Bool
}

struct HistoryRow: Encodable {
    var date: String
    var kind: String
    var text: String
}

struct TeamPage: Encodable {
    var layout: Layout
    var team: TeamRow
    var unit: UnitRow
    var crumbs: [Crumb]
    var decisionNumber: String
    var decisionDate: String
    var decisionSigner: String
    var members: [MemberRow]
    /// People who served in the team and left it; a commune account may erase their data at their request.
    var formerMembers: [FormerMemberRow]
    var history: [HistoryRow]
    var canManageMembers: Bool
    var canManageTeam: Bool
    var canErase: Bool
    var roles: [SelectOption]
    var genders: [SelectOption]
    var affiliations: [SelectOption]
    var memberForm: MemberForm
    var errors: [String]
    var today: String
}

struct MemberForm: Encodable {
    var fullName: String
    var phone: String
    var birthYear: String
}
