import Crypto
import Fluent
import Foundation
import LanToaCore
import LanToaResources
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Accounts, passwords (Bcrypt) and API tokens.
struct AccountService {
    let db: any Database
    let clock: AppClock
    /// Read to tell whether an account is locked out now, and for the cost of new passwords' hashes.
    var policy = SignInPolicy()

    static let tokenLifetime: TimeInterval = 12 * 3600

    /// The rules every new password meets, with the bundled list of common passwords.
    static let passwordRules: PasswordRules = {
        let path = LanToaResources.directory("Data") + "common-passwords.txt"
        return PasswordRules(list: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }()

    /// Checked against when no account has the login, so that an unknown login costs the same Bcrypt time as a wrong
    /// password and timing tells nothing: one per cost, made at its first use.
    private static let absentAccountHashes = NIOLockedValueBox<[Int: String]>([:])

    private var absentAccountHash: String {
        get throws {
            let cost = policy.passwordCost
            if let hash = Self.absentAccountHashes.withLockedValue({ $0[cost] }) { return hash }
            let hash = try Bcrypt.hash("lantoa: no account has this login", cost: cost)
            Self.absentAccountHashes.withLockedValue { $0[cost] = hash }
            return hash
        }
    }

    /// A password's Bcrypt hash at the configured cost (`SignInPolicy.passwordCost`).
    func hashPassword(_ password: String) throws -> String {
        try Bcrypt.hash(password, cost: policy.passwordCost)
    }

    enum SignIn {
        case signedIn(User)
        /// Wrong login or password, or a disabled account: one answer for all.
        case refused
        /// Too many failures for this login or from this address: seconds to wait.
        case paused(seconds: Int)
    }

    /// Signs in with a login and password from `address`, counting failures against both (`SignInGuard`).
    func signIn(login: String, password: String, address: String, channel: String, policy: SignInPolicy) async throws -> SignIn {
        let guardian = SignInGuard(sql: db as! any SQLDatabase, policy: policy, now: clock.now())
        let wait = try await guardian.wait(login: login, address: address)
        if wait > 0 { return .paused(seconds: wait) }
        let user = try await User.query(on: db).filter(\.$login == login.trimmingWhitespace().lowercased()).first()
        let matches = (try? Bcrypt.verify(password, created: user?.passwordHash ?? absentAccountHash)) ?? false
        guard let user, matches, !user.disabled else {
            let (failures, locked) = try await guardian.failed(login: login, address: address)
            if locked, let user {
                try await AuditLog.record(on: db, actor: Actor(user), at: clock.now(), action: .lock, entity: "user", entityID: user.id,
                                          unitPath: user.unitPath, summary: "\(user.login): \(failures)", before: Nothing?.none, after: Nothing?.none)
            }
            return .refused
        }
        try await guardian.succeeded(login: login)
        try await AuditLog.record(on: db, actor: Actor(user), at: clock.now(), action: .login, entity: "user", entityID: user.id,
                                  unitPath: user.unitPath, summary: channel, before: Nothing?.none, after: Nothing?.none)
        return .signedIn(user)
    }

    /// Checks a new password against the rules, naming `field` in the problem.
    static func checkPassword(_ password: String, login: String, field: String) throws {
        if let problem = passwordRules.problem(password: password, login: login) {
            switch problem {
            case .tooShort: throw AppError.invalid(field, "error.password_short", String(PasswordRules.minimumLength))
            case .tooLong: throw AppError.invalid(field, "error.too_long", String(PasswordRules.maximumBytes))
            case .containsLogin, .common: throw AppError.invalid(field, "error.\(problem.rawValue)")
            }
        }
    }

    /// A phone offline for a whole shift, and then some, still refreshes its session when it is back.
    static let refreshLifetime: TimeInterval = 30 * 86400

    /// An access token and a refresh token for `user`, with the key of the phone's offline queue.
    func issueToken(for user: User, protector: PersonalDataProtector? = nil) async throws -> LoginResponse {
        func make(_ kind: String, _ lifetime: TimeInterval) -> (String, UserToken) {
            let raw = [UInt8].random(count: 32).base64URLEncoded
            let token = UserToken()
            token.userID = user.id!
            token.tokenHash = Self.hash(raw)
            token.kind = kind
            token.expiresAt = clock.now().addingTimeInterval(lifetime)
            return (raw, token)
        }
        let (access, accessToken) = make("access", Self.tokenLifetime)
        let (refresh, refreshToken) = make("refresh", Self.refreshLifetime)
        try await accessToken.create(on: db)
        try await refreshToken.create(on: db)
        let key = protector?.phoneQueueKey(for: user.id!) ?? Data()
        return LoginResponse(token: access, expiresAt: accessToken.expiresAt, refreshToken: refresh, refreshExpiresAt: refreshToken.expiresAt,
                             account: user.id!, queueKey: key.base64EncodedString())
    }

    /// Exchanges a refresh token, once, for a new pair; nil when it is unknown, spent, expired or its account disabled.
    func refresh(_ raw: String, protector: PersonalDataProtector) async throws -> LoginResponse? {
        guard let token = try await UserToken.query(on: db).filter(\.$tokenHash == Self.hash(raw)).filter(\.$kind == "refresh").first(),
              token.expiresAt > clock.now(), let user = try await User.find(token.userID, on: db), !user.disabled else { return nil }
        return try await db.writeTransaction { db in
            let service = AccountService(db: db, clock: clock, policy: policy)
            try await token.delete(on: db)
            try await AuditLog.record(on: db, actor: Actor(user), at: clock.now(), action: .token, entity: "user", entityID: user.id,
                                      unitPath: user.unitPath, summary: "refresh", before: Nothing?.none, after: Nothing?.none)
            return try await service.issueToken(for: user, protector: protector)
        }
    }

    func user(forToken raw: String) async throws -> User? {
        guard let token = try await UserToken.query(on: db).filter(\.$tokenHash == Self.hash(raw)).filter(\.$kind == "access").first(),
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
        do { try Self.checkPassword(password, login: login, field: "password") } catch let AppError.invalid(found) { problems += found }
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
        user.passwordHash = try hashPassword(password)
        user.displayName = TeamImport.normaliseName(request.displayName ?? "").isEmpty ? login : TeamImport.normaliseName(request.displayName!)
        user.role = role
        user.scopeUnitID = scopeUnit?.id
        let userToCreate = user
        user.unitPath = path
        user.disabled = false
        user.mustChangePassword = true
        do {
            try await db.writeTransaction { db in
                try await userToCreate.create(on: db)
                try await AuditLog.record(on: db, actor: creator, at: clock.now(), action: .create, entity: "user", entityID: userToCreate.id,
                                          unitPath: path, summary: "\(login) (\(role.rawValue))", before: Nothing?.none,
                                          after: ["login": login, "role": role.rawValue, "scope": scopeUnitCode])
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another request took the login between the check above and this insert.
            throw AppError.conflict(FieldProblem("login", "error.login_taken", login))
        }
        return user
    }

    func response(_ user: User) async throws -> UserResponse {
        try await responses([user])[0]
    }

    /// Accounts as the API answers them, in two queries whatever their number (scope units, sign-in locks).
    func responses(_ users: [User]) async throws -> [UserResponse] {
        let unitIDs = Array(Set(users.compactMap(\.scopeUnitID)))
        let units = unitIDs.isEmpty ? [:] : Dictionary(try await Unit.query(on: db).filter(\.$id ~~ unitIDs).all().map { ($0.id!, $0) },
                                                         uniquingKeysWith: { a, _ in a })
        let locks = try await SignInGuard(sql: db as! any SQLDatabase, policy: policy, now: clock.now()).lockedUntil(logins: users.map(\.login))
        return users.map { user in
            let scopeRef = user.scopeUnitID.flatMap { units[$0] }.map { UnitRef(code: $0.code, name: $0.name, tier: $0.tier) }
            return UserResponse(id: user.id!, login: user.login, displayName: user.displayName, role: user.role, scope: scopeRef,
                                disabled: user.disabled, lockedUntil: locks[user.login], mustChangePassword: user.mustChangePassword,
                                member: user.memberID)
        }
    }
}
