import Fluent
import Foundation
import Vapor

/// Web sessions: a new id at sign-in (no session fixation), an idle and an absolute timeout kept in the session
/// itself, and an account that is disabled or gone signed out at its next request.
enum SessionLifetime {
    /// A session unused this long is over.
    static let idleTimeout: TimeInterval = 30 * 60
    /// A session is over this long after sign-in, however busy.
    static let absoluteTimeout: TimeInterval = 12 * 3600
    /// The last-seen time is written at most this often, so that not every page view writes the session.
    static let touchInterval: TimeInterval = 60

    private static let startedKey = "started"
    private static let seenKey = "seen"

    /// Signs `user` in on a fresh session: the old id (and anything stored under it) is dropped and a new one issued,
    /// with a new CSRF token.
    static func start(for user: User, on request: Request) async throws {
        if let old = request.session.id {
            try await request.application.sessions.driver.deleteSession(old, for: request).get()
        }
        request.session.id = nil
        request.session.data = SessionData()
        let now = String(Int(request.clock.now().timeIntervalSince1970))
        request.session.data[startedKey] = now
        request.session.data[seenKey] = now
        _ = CSRFMiddleware.token(for: request)
        request.session.authenticate(user)
        request.auth.login(user)
    }

    /// Whether the session is still within both timeouts; refreshes its last-seen time.
    static func isCurrent(_ request: Request) -> Bool {
        let now = request.clock.now().timeIntervalSince1970
        guard let started = request.session.data[startedKey].flatMap(TimeInterval.init),
              let seen = request.session.data[seenKey].flatMap(TimeInterval.init),
              now - started < absoluteTimeout, now - seen < idleTimeout else { return false }
        if now - seen >= touchInterval { request.session.data[seenKey] = String(Int(now)) }
        return true
    }

    /// Deletes the stored sessions that are over (or were never signed in), so that the table holds only live ones.
    /// Returns how many went.
    static func purge(on db: any Database, now: Date) async throws -> Int {
        let t = now.timeIntervalSince1970
        let over = try await SessionRecord.query(on: db).all().filter { record in
            guard let started = record.data[startedKey].flatMap(TimeInterval.init),
                  let seen = record.data[seenKey].flatMap(TimeInterval.init) else { return true }
            return t - started >= absoluteTimeout || t - seen >= idleTimeout
        }.compactMap(\.id)
        for chunk in over.chunked(500) { try await SessionRecord.query(on: db).filter(\.$id ~~ Array(chunk)).delete() }
        return over.count
    }
}

/// Restores the signed-in account from the session, unless the session has timed out or the account is disabled.
struct SessionAccountAuthenticator: AsyncSessionAuthenticator {
    typealias User = App.User

    func authenticate(sessionID: UUID, for request: Request) async throws {
        guard SessionLifetime.isCurrent(request), let user = try await User.find(sessionID, on: request.db), !user.disabled else {
            request.session.destroy()
            return
        }
        request.auth.login(user)
    }
}

extension Request {
    /// The client's network address: the proxy's `X-Forwarded-For` (its last entry, the one the proxy added) when
    /// `LANTOA_BEHIND_PROXY` says a proxy stands in front, else the peer's address.
    var clientAddress: String {
        if application.lantoaConfig.behindProxy, let forwarded = headers.first(name: "X-Forwarded-For"),
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
            return last
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }

    /// Whether the request reached the app over TLS, directly or through a proxy that says so.
    var isSecure: Bool {
        if application.http.server.configuration.tlsConfiguration != nil { return true }
        // Read without unwrapping: a response still on its way while the application shuts down (its storage
        // already cleared) must not stop the process.
        let behindProxy = application.storage[Application.ConfigKey.self]?.behindProxy ?? false
        return behindProxy && headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https"
    }
}
