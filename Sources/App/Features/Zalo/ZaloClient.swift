import AsyncHTTPClient
import Crypto
import FluentKit
import Foundation
import NIOCore
import NIOFoundationCompat
import SQLKit

/// What became of a call to Zalo, as the delivery worker needs it.
enum ZaloOutcome: Equatable, Sendable {
    /// Accepted: Zalo's message id, and the template quota when the answer carried it.
    case sent(messageID: String, quota: ZaloQuota?)
    /// Try again later (rate limit, daily quota, Zalo down, the night-time ban): not before `notBefore` when known.
    case retryLater(code: Int, notBefore: Date?)
    /// Never deliverable this way (invalid phone, the user refused, not a follower): the reason is shown on the account.
    case stop(code: Int)
    /// Outside the 7-day window of consultation messages: send a template message instead.
    case fallback(code: Int)
}

/// The template quota of the OA, as each answer reports it (it changes with the OA's quality rating).
struct ZaloQuota: Equatable, Sendable {
    var daily: Int
    var remaining: Int
}

/// Zalo's Open API for one province's OA (docs/zalo.md and ../shared/design/ZALO.md): tokens that rotate, consultation
/// messages to a follower, template messages to a phone, a message's status. Errors come back as HTTP 200 with a
/// non-zero `error`, mapped here once (`classify`). A token refused as invalid or expired is refreshed once and the
/// call tried again.
struct ZaloClient: Sendable {
    let settings: ZaloSettings
    let tokens: ZaloTokenStore
    let http: HTTPClient
    let now: @Sendable () -> Date

    enum Failure: Error, Equatable {
        /// The province has no OA configured.
        case notConfigured(String)
        /// The refresh token was refused: the province must grant access again on Zalo's consent page.
        case refreshRefused(code: Int)
    }

    /// Codes meaning the access token is no longer good: refresh once, then try again.
    static let tokenCodes: Set<Int> = [-216, -220, -124]

    /// What a non-zero `error` means for delivery.
    static func classify(_ code: Int, at date: Date) -> ZaloOutcome {
        switch code {
        case -230: .fallback(code: code)
        case -133, -234: .retryLater(code: code, notBefore: nextMorning(after: date))
        case -32, -144, -115, -137: .retryLater(code: code, notBefore: nil)
        default: .stop(code: code)
        }
    }

    /// 06:00 Vietnam time after `date`: when template messages may be sent again (none between 22:00 and 06:00).
    static func nextMorning(after date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let six = calendar.date(bySettingHour: 6, minute: 0, second: 0, of: date)!
        return six > date ? six : calendar.date(byAdding: .day, value: 1, to: six)!
    }

    /// Whether template messages may be sent at `date` (06:00 to 22:00 Vietnam time).
    static func isDaytime(_ date: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let hour = calendar.component(.hour, from: date)
        return (6..<22).contains(hour)
    }

    // MARK: messages

    /// A consultation message to a follower (at most 2,000 characters).
    func sendText(province: String, userID: String, text: String) async throws -> ZaloOutcome {
        let body: [String: Any] = ["recipient": ["user_id": userID], "message": ["text": String(text.prefix(2000))]]
        return try await send(province: province, url: settings.endpoints.openAPI + "/v3.0/oa/message/cs", body: body)
    }

    /// A template message to a phone (`84…`), tracked by our outbox id. Not tried at night: Zalo refuses it then.
    func sendTemplate(province: String, phone: String, templateID: String, data: [String: String], trackingID: String) async throws -> ZaloOutcome {
        guard Self.isDaytime(now()) else { return .retryLater(code: -133, notBefore: Self.nextMorning(after: now())) }
        let body: [String: Any] = ["phone": phone, "template_id": templateID, "template_data": data, "tracking_id": String(trackingID.prefix(48))]
        return try await send(province: province, url: settings.endpoints.business + "/message/template", body: body)
    }

    private func send(province: String, url: String, body: [String: Any]) async throws -> ZaloOutcome {
        let payload = try JSONSerialization.data(withJSONObject: body)
        var refreshed = false
        while true {
            let token = try await accessToken(province, forceRefresh: false)
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "access_token", value: token)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: payload))
            let answer: [String: Any]
            do {
                let response = try await http.execute(request, timeout: .seconds(15))
                let bytes = try await response.body.collect(upTo: 1 << 20)
                guard response.status == .ok else { return .retryLater(code: Int(response.status.code), notBefore: nil) }
                answer = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]) ?? [:]
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
                || error == .remoteConnectionClosed {
                // No answer: the message may or may not have been taken; the worker reconciles by its tracking id.
                return .retryLater(code: 0, notBefore: nil)
            }
            let code = Self.number(answer["error"]) ?? -1
            if code == 0 {
                let data = answer["data"] as? [String: Any] ?? [:]
                let quota = (data["quota"] as? [String: Any]).flatMap { q -> ZaloQuota? in
                    guard let daily = Self.number(q["dailyQuota"]), let remaining = Self.number(q["remainingQuota"]) else { return nil }
                    return ZaloQuota(daily: daily, remaining: remaining)
                }
                return .sent(messageID: (data["msg_id"] ?? data["message_id"]).map { "\($0)" } ?? "", quota: quota)
            }
            if Self.tokenCodes.contains(code), !refreshed {
                refreshed = true
                _ = try await accessToken(province, forceRefresh: true)
                continue
            }
            return Self.classify(code, at: now())
        }
    }

    /// Zalo writes numbers as numbers or as strings ("90000", "500").
    static func number(_ value: Any?) -> Int? {
        if let n = value as? Int { return n }
        if let s = value as? String { return Int(s) }
        if let d = value as? Double { return Int(d) }
        return nil
    }

    // MARK: tokens

    /// The province's access token: the stored one while it lasts, else a new one from its refresh token.
    func accessToken(_ province: String, forceRefresh: Bool) async throws -> String {
        guard let oa = settings.provinces[province] else { throw Failure.notConfigured(province) }
        let seen = try await tokens.current(province)
        if !forceRefresh, let seen, seen.expiresAt > now().addingTimeInterval(60) { return seen.accessToken }
        return try await tokens.rotate(province, unlessChangedFrom: forceRefresh ? seen?.accessToken : nil) { refreshToken in
            var request = HTTPClientRequest(url: settings.endpoints.oauth + "/v4/oa/access_token")
            request.method = .POST
            request.headers.add(name: "secret_key", value: oa.appSecret)
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let form = [("app_id", oa.appID), ("grant_type", "refresh_token"), ("refresh_token", refreshToken ?? oa.refreshToken)]
                .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: form))
            let response = try await http.execute(request, timeout: .seconds(15))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let answer = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]) ?? [:]
            guard let access = answer["access_token"] as? String, let refresh = answer["refresh_token"] as? String,
                  let seconds = Self.number(answer["expires_in"]) else {
                throw Failure.refreshRefused(code: Self.number(answer["error"]) ?? Int(response.status.code))
            }
            return ZaloTokenStore.Tokens(accessToken: access, refreshToken: refresh, expiresAt: now().addingTimeInterval(TimeInterval(seconds)))
        }
    }
}

/// The provinces' tokens in the database, sealed with the data key. A refresh token is single-use: the new pair is
/// stored in the transaction that used the old one, and two refreshes at once are one (the second finds the first's).
struct ZaloTokenStore: Sendable {
    let db: any Database
    let protector: PersonalDataProtector
    let now: @Sendable () -> Date

    struct Tokens: Sendable {
        var accessToken: String
        var refreshToken: String
        var expiresAt: Date
    }

    /// The owner a province's tokens are sealed for: a sealed value copied to another province does not open.
    static func owner(_ province: String) -> UUID {
        let hash = Array(SHA256.hash(data: Data("zalo tokens \(province)".utf8)))
        return UUID(uuid: (hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7],
                           hash[8], hash[9], hash[10], hash[11], hash[12], hash[13], hash[14], hash[15]))
    }

    func current(_ province: String) async throws -> Tokens? {
        try await read(province, on: db as! any SQLDatabase)
    }

    private func read(_ province: String, on db: any SQLDatabase) async throws -> Tokens? {
        guard let row = try await db.raw("""
            SELECT access_token, refresh_token, expires_at FROM zalo_tokens WHERE province = \(bind: province)\(unsafeRaw: db.engine == .postgres ? " FOR UPDATE" : "")
            """).first() else { return nil }
        let owner = Self.owner(province)
        return Tokens(accessToken: try protector.open(try row.decode(column: "access_token", as: String.self), for: owner),
                      refreshToken: try protector.open(try row.decode(column: "refresh_token", as: String.self), for: owner),
                      expiresAt: ISO8601DateFormatter().date(from: try row.decode(column: "expires_at", as: String.self)) ?? .distantPast)
    }

    /// Exchanges the stored refresh token (or the configured first one, `nil`) for a new pair and stores it, in one
    /// transaction holding the province's row. When another refresh already replaced `stale`, its token is used.
    func rotate(_ province: String, unlessChangedFrom stale: String?,
                _ exchange: @escaping @Sendable (String?) async throws -> Tokens) async throws -> String {
        try await db.transaction { transaction in
            let tx = transaction as! any SQLDatabase
            try await tx.writeFirst("zalo_tokens", column: "province")
            let stored = try await read(province, on: tx)
            if let stored, stored.accessToken != stale, stored.expiresAt > now().addingTimeInterval(60) { return stored.accessToken }
            let fresh = try await exchange(stored?.refreshToken)
            let owner = Self.owner(province)
            let values: [any SQLExpression] = [SQLBind(province), SQLBind(try protector.seal(fresh.accessToken, for: owner)),
                                               SQLBind(try protector.seal(fresh.refreshToken, for: owner)),
                                               SQLBind(ISO8601DateFormatter().string(from: fresh.expiresAt)),
                                               SQLBind(ISO8601DateFormatter().string(from: now()))]
            try await tx.insert(into: "zalo_tokens").columns("province", "access_token", "refresh_token", "expires_at", "updated_at").values(values)
                .onConflict(with: ["province"]) { $0.set(excludedValueOf: "access_token").set(excludedValueOf: "refresh_token")
                    .set(excludedValueOf: "expires_at").set(excludedValueOf: "updated_at") }.run()
            return fresh.accessToken
        }
    }
}
