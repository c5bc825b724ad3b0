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

struct Crumb: Encodable {
    var code: String
    var name: String
}

struct SelectOption: Encodable {
    var value: String
    var label: String
    var selected: Bool
}
