import Fluent
import LanToaCore
import Vapor

/// Reads `Authorization: Bearer <token>` on API requests.
struct BearerTokenAuthenticator: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        if let user = try await AccountService(db: request.db, clock: request.clock).user(forToken: bearer.token) {
            request.auth.login(user)
        }
    }
}

/// Requires a signed-in account: 401 problem+json on the API, a redirect to the login page on the web.
struct RequireAccount: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.auth.has(User.self) else { throw AppError.unauthorized }
        return try await next.respond(to: request)
    }
}

/// Protects web forms against cross-site request forgery: every state-changing request carries the session's
/// token in a `_csrf` field (or an `X-CSRF-Token` header).
struct CSRFMiddleware: AsyncMiddleware {
    static let sessionKey = "csrf"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // Every page gets a session with a token, so that even the sign-in form is protected.
        let token = Self.token(for: request)
        if request.method != .GET && request.method != .HEAD {
            let sent = request.headers.first(name: "X-CSRF-Token") ?? (try? request.content.get(String.self, at: "_csrf"))
                ?? request.query[String.self, at: "_csrf"]
            guard let sent, constantTimeEquals(sent, token) else {
                throw Abort(.forbidden, reason: "CSRF token missing or wrong")
            }
        }
        return try await next.respond(to: request)
    }

    /// The session's token, created on first use.
    static func token(for request: Request) -> String {
        if let existing = request.session.data[sessionKey] { return existing }
        let token = [UInt8].random(count: 24).base64URLEncoded
        request.session.data[sessionKey] = token
        return token
    }

    private func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension Request {
    var clock: AppClock { application.clock }

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
    private struct ClockKey: StorageKey {
        typealias Value = AppClock
    }

    var clock: AppClock {
        get { storage[ClockKey.self] ?? .system }
        set { storage[ClockKey.self] = newValue }
    }

    private struct ConfigKey: StorageKey {
        typealias Value = AppConfig
    }

    var protector: PersonalDataProtector {
        PersonalDataProtector(key: lantoaConfig.dataKey, previousKey: lantoaConfig.previousDataKey)
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
