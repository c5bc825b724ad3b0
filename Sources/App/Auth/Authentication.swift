import Crypto
import Fluent
import LanToaCore
import Vapor

/// Reads `Authorization: Bearer <token>` on API requests.
struct BearerTokenAuthenticator: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        if let user = try await request.accounts.user(forToken: bearer.token) {
            request.auth.login(user)
        }
    }
}

/// Requires a signed-in account: 401 problem+json on the API, a redirect to the login page on the web. An account whose
/// password someone else set reaches nothing but the password change until it is changed (when
/// `LANTOA_REQUIRE_PASSWORD_CHANGE` is on, as it is in production).
struct RequireAccount: AsyncMiddleware {
    static let passwordChangePaths: Set<String> = ["/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout", "/account/password", "/logout"]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.auth.get(User.self) else { throw AppError.unauthorized }
        if user.mustChangePassword, request.application.lantoaConfig.requirePasswordChange,
           !Self.passwordChangePaths.contains(request.url.path) {
            if request.url.path.hasPrefix("/api/") { throw AppError.passwordChangeRequired }
            return request.redirect(to: SiteURL.accountPassword.path)
        }
        return try await next.respond(to: request)
    }
}

/// Protects web forms against cross-site request forgery: every state-changing request carries a token in a `_csrf`
/// field (or an `X-CSRF-Token` header), never in the URL.
///
/// A signed-in browser's token lives in its session (a new one at each sign-in). An anonymous browser gets no server
/// session at all, so that visits cannot fill the sessions table: its token is an HMAC of a random value kept in its
/// own `lantoa_pre` cookie (the sign-in form's double-submit token).
struct CSRFMiddleware: AsyncMiddleware {
    static let sessionKey = "csrf"
    static let preCookie = "lantoa_pre"

    private struct PreValue: StorageKey {
        typealias Value = String
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let incoming = request.cookies[Self.preCookie]?.string.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        let pre = incoming.flatMap { $0.count == 32 ? $0 : nil } ?? [UInt8].random(count: 24).base64URLEncoded
        request.storage[PreValue.self] = pre
        if request.method != .GET && request.method != .HEAD {
            let sent = request.headers.first(name: "X-CSRF-Token") ?? (try? request.content.get(String.self, at: "_csrf"))
            guard let sent, sent.constantTimeEquals(Self.expected(for: request)) else {
                throw Abort(.forbidden, reason: "CSRF token missing or wrong")
            }
        }
        let response = try await next.respond(to: request)
        if incoming != pre {
            response.cookies[Self.preCookie] = HTTPCookies.Value(string: pre, path: "/", isSecure: request.isSecure, isHTTPOnly: true,
                                                                 sameSite: .strict)
        }
        return response
    }

    /// The token a form on this page carries.
    static func token(for request: Request) -> String {
        if request.hasSession, request.session.authenticated(User.self) != nil {
            if let existing = request.session.data[sessionKey] { return existing }
            let token = [UInt8].random(count: 24).base64URLEncoded
            request.session.data[sessionKey] = token
            return token
        }
        return anonymousToken(for: request)
    }

    private static func expected(for request: Request) -> String {
        if request.hasSession, let existing = request.session.data[sessionKey] { return existing }
        return anonymousToken(for: request)
    }

    private static func anonymousToken(for request: Request) -> String {
        let pre = request.storage[PreValue.self] ?? ""
        return Array(HMAC<SHA256>.authenticationCode(for: Data(pre.utf8), using: request.application.csrfKey)).base64URLEncoded
    }

}

extension Request {
    var clock: AppClock { application.clock }

    /// Accounts as the application is configured.
    var accounts: AccountService {
        AccountService(db: db, clock: clock, policy: application.lantoaConfig.signIn)
    }

    /// The signed-in account as an actor.
    var actor: Actor {
        get throws {
            guard let user = auth.get(User.self) else { throw AppError.unauthorized }
            return Actor(user)
        }
    }

    /// Data access restricted to the signed-in account's subtree.
    var scope: Scope {
        get throws { Scope(actor: try actor, db: db) }
    }
}

extension Application {
    /// Accounts as the application is configured, off any request (commands, the first start).
    var accounts: AccountService {
        AccountService(db: db, clock: clock, policy: lantoaConfig.signIn)
    }

    private struct ClockKey: StorageKey {
        typealias Value = AppClock
    }

    var clock: AppClock {
        get { storage[ClockKey.self] ?? .system }
        set { storage[ClockKey.self] = newValue }
    }

    struct ConfigKey: StorageKey {
        typealias Value = AppConfig
    }

    var protector: PersonalDataProtector {
        PersonalDataProtector(key: lantoaConfig.dataKey, previousKey: lantoaConfig.previousDataKey, lookupKey: lantoaConfig.lookupKey)
    }

    /// The key of anonymous CSRF tokens, derived from the data key so that every server of one installation agrees.
    var csrfKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: lantoaConfig.dataKey), info: Data("lantoa csrf".utf8), outputByteCount: 32)
    }

    var lantoaConfig: AppConfig {
        get { storage[ConfigKey.self]! }
        set { storage[ConfigKey.self] = newValue }
    }
}

extension Array where Element == UInt8 {
    var base64URLEncoded: String {
        Data(self).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension String {
    /// Whether two secrets are equal, in a time that does not tell how much of them matched.
    func constantTimeEquals(_ other: String) -> Bool {
        let x = Array(utf8), y = Array(other.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
