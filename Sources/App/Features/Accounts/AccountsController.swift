import Fluent
import LanToaCore
import SQLKit
import Vapor

/// `/accounts`: the accounts of an official's area (commune, province, admin): create, disable and enable, lift a
/// lockout, set a new password, link the account to its member. Every action goes through `AccountService`, in scope
/// and audited.
enum AccountsController {
    struct CreateForm: Content {
        var login: String?
        var displayName: String?
        var role: String?
        var scope: String?
        var password: String?
    }

    struct ActionForm: Content {
        var password: String?
        var phone: String?
    }

    static func index(req: Request) async throws -> View {
        try await render(req: req, errors: [], notice: nil, form: CreateForm())
    }

    static func create(req: Request) async throws -> Response {
        let form = try req.content.decode(CreateForm.self)
        do {
            let user = try await req.accounts.create(CreateUserRequest(login: form.login, password: form.password, displayName: form.displayName,
                                                                       role: form.role, scope: form.scope), by: try req.actor)
            return try await render(req: req, errors: [], notice: req.t("accounts.created", user.login), form: CreateForm()).encodeResponse(for: req)
        } catch let error as AppError {
            var kept = form
            kept.password = nil
            return try await render(req: req, errors: messages(error, req), notice: nil, form: kept).encodeResponse(status: error.status, for: req)
        }
    }

    /// `POST /accounts/{id}/{action}`: disable, enable, unlock, password, member.
    static func act(req: Request) async throws -> Response {
        let id = try req.parameters.require("id", as: UUID.self)
        let action = try req.parameters.require("action")
        let form = try req.content.decode(ActionForm.self)
        let accounts = req.accounts
        let actor = try req.actor
        do {
            let user: User
            switch action {
            case "disable": user = try await accounts.setDisabled(id, true, by: actor)
            case "enable": user = try await accounts.setDisabled(id, false, by: actor)
            case "unlock": user = try await accounts.unlock(id, by: actor)
            case "password": user = try await accounts.resetPassword(id, to: form.password ?? "", by: actor)
            case "member": user = try await accounts.linkMember(id, phone: form.phone, by: actor)
            default: throw AppError.notFound(what: "page")
            }
            return try await render(req: req, errors: [], notice: req.t("accounts.done.\(action)", user.login), form: CreateForm()).encodeResponse(for: req)
        } catch let error as AppError {
            if case .notFound = error { throw error }
            if case .forbidden = error { throw error }
            return try await render(req: req, errors: messages(error, req), notice: nil, form: CreateForm()).encodeResponse(status: error.status, for: req)
        }
    }

    private static func messages(_ error: AppError, _ req: Request) -> [String] {
        switch error {
        case let .invalid(problems): problems.map { req.t("field.\($0.field)") + ": " + req.application.catalogue.text($0.key, req.language, $0.args) }
        case let .conflict(problem): [req.t("field.\(problem.field)") + ": " + req.application.catalogue.text(problem.key, req.language, problem.args)]
        default: [req.t(error.titleKey)]
        }
    }

    private static func render(req: Request, errors: [String], notice: String?, form: CreateForm) async throws -> View {
        let scope = try req.scope
        try scope.authorize(.manageAccounts)
        let actor = scope.actor
        let users = try await scope.query(User.self).sort(\.$login).limit(500).all()
        let units = Dictionary(try await Unit.query(on: req.db).filter(\.$id ~~ users.compactMap(\.scopeUnitID)).all().map { ($0.id!, $0) },
                               uniquingKeysWith: { a, _ in a })
        let members = Dictionary(try await Member.query(on: req.db).filter(\.$id ~~ users.compactMap(\.memberID)).all().map { ($0.id!, $0) },
                                 uniquingKeysWith: { a, _ in a })
        let locked = try await lockedLogins(users.map(\.login), req: req)
        let rows = users.map { u in
            AccountRow(id: u.id!.uuidString.lowercased(), login: u.login, name: u.displayName, role: req.t("role.\(u.role.rawValue)"),
                       scope: u.scopeUnitID.flatMap { units[$0] }.map { "\($0.name) (\($0.code))" } ?? req.t("accounts.whole_country"),
                       disabled: u.disabled, locked: locked.contains(u.login), mustChange: u.mustChangePassword,
                       member: u.memberID.flatMap { members[$0] }.map { "\($0.fullName) · \((try? PhoneNumber(parsing: $0.phone))?.formatted ?? $0.phone)" },
                       manageable: actor.role.mayCreate(u.role) && u.id != actor.userID)
        }
        let roles = Role.allCases.filter { actor.role.mayCreate($0) }.map {
            SelectOption(value: $0.rawValue, label: req.t("role.\($0.rawValue)"), selected: $0.rawValue == form.role)
        }
        let page = AccountsPage(layout: Layout(request: req, title: req.t("accounts.title")), rows: rows, roles: roles, errors: errors,
                                notice: notice, form: AccountForm(login: form.login ?? "", displayName: form.displayName ?? "", scope: form.scope ?? ""),
                                minimum: PasswordRules.minimumLength)
        return try await req.view.render("accounts/index", page)
    }

    /// Which of these logins are locked out now (one query for the page).
    private static func lockedLogins(_ logins: [String], req: Request) async throws -> Set<String> {
        guard !logins.isEmpty else { return [] }
        let policy = req.application.lantoaConfig.signIn
        let keys = Dictionary(logins.map { (SignInGuard.loginKey($0), $0) }, uniquingKeysWith: { a, _ in a })
        let now = Int64(req.clock.now().timeIntervalSince1970)
        var locked = Set<String>()
        for row in try await (req.db as! any SQLDatabase).select().column("key").column("failures").column("blocked_until")
            .from("sign_in_throttles").where("key", .in, Array(keys.keys)).all() {
            let key = try row.decode(column: "key", as: String.self)
            if try row.decode(column: "failures", as: Int.self) >= policy.loginFailures, try row.decode(column: "blocked_until", as: Int64.self) > now,
               let login = keys[key] {
                locked.insert(login)
            }
        }
        return locked
    }
}

struct AccountRow: Encodable {
    var id: String
    var login: String
    var name: String
    var role: String
    var scope: String
    var disabled: Bool
    var locked: Bool
    var mustChange: Bool
    var member: String?
    /// Whether the signed-in official may act on this account.
    var manageable: Bool
}

struct AccountForm: Encodable {
    var login: String
    var displayName: String
    var scope: String
}

struct AccountsPage: Encodable {
    var layout: Layout
    var rows: [AccountRow]
    var roles: [SelectOption]
    var errors: [String]
    var notice: String?
    var form: AccountForm
    var minimum: Int
}
