import Crypto
import Fluent
import Foundation
import LanToaCore
import Vapor

/// Accounts, passwords (Bcrypt) and API tokens.
struct AccountService {
    let db: any Database
    let clock: AppClock

    static let tokenLifetime: TimeInterval = 12 * 3600

    /// The account for a login and password, or nil (the caller answers 401 without saying which was wrong).
    func authenticate(login: String, password: String) async throws -> User? {
        guard let user = try await User.query(on: db).filter(\.$login == login.lowercased()).first(), !user.disabled,
              try Bcrypt.verify(password, created: user.passwordHash) else { return nil }
        return user
    }

    func issueToken(for user: User) async throws -> LoginResponse {
        let raw = [UInt8].random(count: 32).base64URLEncoded
        let token = UserToken()
        token.userID = user.id!
        token.tokenHash = Self.hash(raw)
        token.expiresAt = clock.now().addingTimeInterval(Self.tokenLifetime)
        try await token.create(on: db)
        return LoginResponse(token: raw, expiresAt: token.expiresAt)
    }

    func user(forToken raw: String) async throws -> User? {
        guard let token = try await UserToken.query(on: db).filter(\.$tokenHash == Self.hash(raw)).first(),
              token.expiresAt > clock.now() else { return nil }
        guard let user = try await User.find(token.userID, on: db), !user.disabled else { return nil }
        return user
    }

    static func hash(_ raw: String) -> String {
        SHA256.hash(data: Data(raw.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates an account. `creator` must be allowed to create the role, and the scope must lie in its subtree.
    func create(_ request: CreateUserRequest, by creator: Actor) async throws -> User {
        var problems: [FieldProblem] = []
        let login = (request.login ?? "").trimmingWhitespace().lowercased()
        if login.isEmpty { problems.append(FieldProblem("login", "error.required")) }
        else if login.count > 64 || !login.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) {
            problems.append(FieldProblem("login", "error.login_format"))
        }
        let password = request.password ?? ""
        if password.count < 8 { problems.append(FieldProblem("password", "error.password_short", "8")) }
        if password.utf8.count > 72 { problems.append(FieldProblem("password", "error.too_long", "72")) }
        let role = request.role.flatMap(Role.init(rawValue:))
        if role == nil { problems.append(FieldProblem("role", "error.choice", Role.allCases.map(\.rawValue).joined(separator: ", "))) }
        let scopeCode = (request.scope ?? "").trimmingWhitespace()
        if let role, role != .admin, scopeCode.isEmpty { problems.append(FieldProblem("scope", "error.required")) }
        guard problems.isEmpty, let role else { throw AppError.invalid(problems) }
        let scope = Scope(actor: creator, db: db)
        try scope.authorize(.manageAccounts)
        guard creator.role.mayCreate(role) else { throw AppError.forbidden }
        var scopeUnit: Unit?
        if role != .admin || !scopeCode.isEmpty {
            do {
                scopeUnit = try await UnitService(scope: scope, clock: clock).find(code: scopeCode, asOf: clock.today())
            } catch AppError.notFound {
                throw AppError.invalid("scope", "error.unknown_unit", scopeCode)
            }
            if let unit = scopeUnit, !role.scopeTiers.isEmpty, !role.scopeTiers.contains(unit.tier) {
                throw AppError.invalid("scope", "error.scope_tier", role.scopeTiers.map(\.rawValue).joined(separator: ", "))
            }
        }
        let path = scopeUnit?.path ?? "/"
        let scopeUnitCode = scopeUnit?.code ?? ""
        try scope.authorize(.manageAccounts, at: path)
        if try await User.query(on: db).filter(\.$login == login).count() > 0 {
            throw AppError.conflict(FieldProblem("login", "error.login_taken", login))
        }
        let user = User()
        user.id = UUID()
        user.login = login
        user.passwordHash = try Bcrypt.hash(password)
        user.displayName = TeamImport.normaliseName(request.displayName ?? "").isEmpty ? login : TeamImport.normaliseName(request.displayName!)
        user.role = role
        user.scopeUnitID = scopeUnit?.id
        let userToCreate = user
        user.unitPath = path
        user.disabled = false
        try await db.transaction { db in
            try await userToCreate.create(on: db)
            try await AuditLog.record(on: db, actor: creator, at: clock.now(), action: .create, entity: "user", entityID: userToCreate.id,
                                      unitPath: path, summary: "\(login) (\(role.rawValue))", before: Nothing?.none,
                                      after: ["login": login, "role": role.rawValue, "scope": scopeUnitCode])
        }
        return user
    }

    func response(_ user: User) async throws -> UserResponse {
        var scopeRef: UnitRef?
        if let id = user.scopeUnitID, let unit = try await Unit.find(id, on: db) {
            scopeRef = UnitRef(code: unit.code, name: unit.name, tier: unit.tier)
        }
        return UserResponse(id: user.id!, login: user.login, displayName: user.displayName, role: user.role, scope: scopeRef,
                            disabled: user.disabled)
    }
}
