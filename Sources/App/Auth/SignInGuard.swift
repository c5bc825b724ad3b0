import Crypto
import Foundation
import LanToaCore
import SQLKit

/// Counts failed sign-ins per login and per address and pauses them by `SignInPolicy`. A login is counted whether
/// or not an account has it, so that a pause tells nothing about which logins exist.
struct SignInGuard {
    let sql: any SQLDatabase
    let policy: SignInPolicy
    let now: Date

    static func loginKey(_ login: String) -> String {
        "login:" + SHA256.hash(data: Data(login.trimmingWhitespace().lowercased().utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func addressKey(_ address: String) -> String { "address:" + address }

    private var seconds: Int64 { Int64(now.timeIntervalSince1970.rounded(.down)) }

    /// Seconds until an attempt for this login from this address is heard (0: now).
    func wait(login: String, address: String) async throws -> Int {
        let rows = try await sql.raw("""
            SELECT MAX(blocked_until) AS until FROM sign_in_throttles WHERE key IN (\(bind: Self.loginKey(login)), \(bind: Self.addressKey(address)))
            """).all()
        let until = try rows.first?.decode(column: "until", as: Int64?.self) ?? 0
        return Int(max(0, until - seconds))
    }

    /// Counts a failure against the login and the address; answers the login's failures and whether it is now locked.
    @discardableResult
    func failed(login: String, address: String) async throws -> (failures: Int, locked: Bool) {
        let (loginFailures, loginWait) = try await count(Self.loginKey(login), threshold: policy.loginFailures, gradual: true)
        _ = try await count(Self.addressKey(address), threshold: policy.addressFailures, gradual: false)
        return (loginFailures, loginFailures >= policy.loginFailures && loginWait > 0)
    }

    private func count(_ key: String, threshold: Int, gradual: Bool) async throws -> (Int, Int) {
        let now = seconds
        let forgetBefore = now - Int64(policy.lockoutSeconds)
        // One statement, so that failures sent at the same moment are all counted.
        let row = try await sql.raw("""
            INSERT INTO sign_in_throttles (key, failures, last_failure_at, blocked_until) VALUES (\(bind: key), 1, \(bind: now), 0)
            ON CONFLICT (key) DO UPDATE SET
            failures = CASE WHEN sign_in_throttles.last_failure_at < \(bind: forgetBefore) AND sign_in_throttles.blocked_until <= \(bind: now)
                THEN 1 ELSE sign_in_throttles.failures + 1 END,
            last_failure_at = \(bind: now)
            RETURNING failures
            """).first()
        let failures = try row?.decode(column: "failures", as: Int.self) ?? 1
        let wait = policy.wait(afterFailures: failures, threshold: threshold, gradual: gradual)
        if wait > 0 {
            let until = now + Int64(wait)
            try await sql.raw("""
                UPDATE sign_in_throttles SET blocked_until = CASE WHEN blocked_until < \(bind: until) THEN \(bind: until) ELSE blocked_until END
                WHERE key = \(bind: key)
                """).run()
        }
        return (failures, wait)
    }

    /// A successful sign-in forgets the login's failures (the address's stay until they age out).
    func succeeded(login: String) async throws {
        try await sql.raw("DELETE FROM sign_in_throttles WHERE key = \(bind: Self.loginKey(login))").run()
    }

    /// Lifts a login's pause or lockout.
    func unlock(login: String) async throws {
        try await succeeded(login: login)
    }

    /// The logins among `logins` that are locked, with the time each lock ends, in one query.
    func lockedUntil(logins: [String]) async throws -> [String: Date] {
        guard !logins.isEmpty else { return [:] }
        let keys = Dictionary(logins.map { (Self.loginKey($0), $0) }, uniquingKeysWith: { a, _ in a })
        let rows = try await sql.raw("SELECT key, failures, blocked_until FROM sign_in_throttles WHERE key IN (\(binds: Array(keys.keys)))").all()
        var out: [String: Date] = [:]
        for row in rows {
            guard try row.decode(column: "failures", as: Int.self) >= policy.loginFailures else { continue }
            let until = try row.decode(column: "blocked_until", as: Int64.self)
            if until > seconds, let login = keys[try row.decode(column: "key", as: String.self)] {
                out[login] = Date(timeIntervalSince1970: TimeInterval(until))
            }
        }
        return out
    }
}
