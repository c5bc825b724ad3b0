import LanToaCore
import Vapor

/// What every page's layout needs.
struct Layout: Encodable {
    var title: String
    var lang: String
    var csrf: String
    var user: String?
    var role: String?
    var canManage: Bool
    var canAudit: Bool
    var canManageAccounts: Bool
    var demo: Bool
    var path: String

    init(request: Request, title: String) {
        self.title = title
        self.lang = request.language.rawValue
        self.csrf = CSRFMiddleware.token(for: request)
        let user = request.auth.get(User.self)
        self.user = user?.displayName
        self.role = user.map { request.t("role.\($0.role.rawValue)") }
        self.canManage = user?.role.managesUnitsAndTeams ?? false
        self.canAudit = user?.role.readsAudit ?? false
        self.canManageAccounts = user?.role.managesAccounts ?? false
        self.demo = request.application.demoLoaded
        self.path = request.url.path
    }
}

struct ErrorPage: Encodable {
    var layout: Layout
    var status: Int
    var title: String
    var detail: String?
    var errors: [String]
}

struct LoginPage: Encodable {
    var layout: Layout
    var login: String
    var next: String
    var failed: Bool
    /// Why the last attempt was refused (wrong login or password, or paused), in the page's language.
    var message: String
}

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

struct Crumb: Encodable {
    var code: String
    var name: String
}

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

struct SelectOption: Encodable {
    var value: String
    var label: String
    var selected: Bool
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

struct AuditRow: Encodable {
    var at: String
    var actor: String
    var action: String
    var entity: String
    /// The member the entry is about, by their current name, where the viewer's area still holds them.
    var person: String
    var summary: String
    var before: String
    var after: String
}

struct AuditPage: Encodable {
    var layout: Layout
    var entries: [AuditRow]
    var total: Int
}
