import AsyncHTTPClient
import Crypto
import FluentKit
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit

/// What became of a call to Zalo, as the delivery worker needs it.
enum ZaloOutcome: Equatable, Sendable {
    /// Accepted: Zalo's message id, and the template quota when the answer carried it.
    case sent(messageID: String, quota: ZaloQuota?)
    /// Try again later (Zalo down or unreachable, rate limit, daily quota, the night): not before `notBefore` when known.
    case retryLater(code: Int, notBefore: Date?)
    /// This recipient cannot be reached this way (invalid phone, the user refused, not a follower): the reason is shown
    /// on the account.
    case stop(code: Int)
    /// Outside the 7-day window of consultation messages: send a template message instead.
    case fallback(code: Int)
    /// The province's OA or template is wrong (template not approved, OA not permitted, a token still refused after a
    /// refresh, an unknown code): the province's channel pauses and an operator is told; the recipient is not blamed.
    case misconfigured(code: Int)
}

/// The template quota of the OA, as each answer reports it (it changes with the OA's quality rating).
struct ZaloQuota: Equatable, Sendable {
    var daily: Int
    var remaining: Int
}

/// Zalo's Open API for the provinces' OAs (docs/zalo.md and ../shared/design/ZALO.md): tokens that rotate, consultation
/// messages to a follower, template messages to a phone. Errors come back as HTTP 200 with a non-zero `error`, mapped
/// here once (`classify`). A token Zalo refuses as invalid or expired is refreshed once and the call tried again.
struct ZaloClient: Sendable {
    let settings: ZaloSettings
    let tokens: ZaloTokenStore
    let gate: ZaloRefreshGate
    let http: HTTPClient
    let logger: Logger
    let now: @Sendable () -> Date

    enum Failure: Error, Equatable {
        /// The province has no OA configured.
        case notConfigured(String)
        /// Zalo refused the refresh token: the province must grant access again on Zalo's consent page.
        case refreshRefused(code: Int)
        /// The token service could not be reached or answered with a temporary error: try again later.
        case tokenServiceUnavailable(code: Int)
        /// A tracking id longer than Zalo keeps (48 characters): it would be cut, and two could collide.
        case trackingIDTooLong
    }

    /// Codes meaning the access token is no longer good: refresh once, then try again.
    static let tokenCodes: Set<Int> = [-216, -220, -124]
    /// Codes about the recipient: they stop this recipient only.
    static let recipientCodes: Set<Int> = [-108, -114, -118, -119, -139, -141, -213]

    /// What a non-zero `error` means for delivery.
    static func classify(_ code: Int, at date: Date) -> ZaloOutcome {
        switch code {
        case -230: .fallback(code: code)
        case -133, -234: .retryLater(code: code, notBefore: nextMorning(after: date))
        case -144: .retryLater(code: code, notBefore: nextMidnight(after: date))
        case -32, -115, -137: .retryLater(code: code, notBefore: nil)
        case _ where recipientCodes.contains(code): .stop(code: code)
        default: .misconfigured(code: code)
        }
    }

    private static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = AppClock.vietnam
        return calendar
    }

    /// 06:00 Vietnam time after `date`: when template messages may be sent again (none between 22:00 and 06:00).
    static func nextMorning(after date: Date) -> Date {
        let six = calendar.date(bySettingHour: 6, minute: 0, second: 0, of: date) ?? date
        return six > date ? six : six.addingTimeInterval(24 * 3600)
    }

    /// The next midnight in Vietnam, when the daily quota starts again.
    static func nextMidnight(after date: Date) -> Date {
        calendar.startOfDay(for: date).addingTimeInterval(24 * 3600)
    }

    /// Whether template messages may be sent at `date` (06:00 to 22:00 Vietnam time).
    static func isDaytime(_ date: Date) -> Bool {
        (6..<22).contains(calendar.component(.hour, from: date))
    }

    /// A Vietnamese mobile number as Zalo wants it (`84987654321`), from the form Lan Tỏa keeps (`0987654321`).
    static func zaloPhone(_ phone: String) -> String? {
        let digits = phone.filter(\.isNumber)
        guard digits.allSatisfy(\.isASCII) else { return nil }
        if digits.count == 10, digits.hasPrefix("0") { return "84" + digits.dropFirst() }
        if digits.count == 11, digits.hasPrefix("84") { return digits }
        return nil
    }

    /// At most 2,000 characters as Zalo counts them: code points of the composed form.
    static func fitted(_ text: String) -> String {
        let composed = text.precomposedStringWithCanonicalMapping
        guard composed.unicodeScalars.count > 2000 else { return composed }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: composed.unicodeScalars.prefix(1999))
        return String(scalars) + "…"
    }

    // MARK: messages

    /// A consultation message to a follower. It carries no tracking id: a call left without an answer is checked
    /// afterwards in the conversation (`recentMessages`).
    func sendText(province: String, userID: String, text: String) async throws -> ZaloOutcome {
        let body: [String: Any] = ["recipient": ["user_id": userID], "message": ["text": Self.fitted(text)]]
        return try await send(province: province, url: settings.endpoints.openAPI + "/v3.0/oa/message/cs", body: body)
    }

    /// A template message to a phone (`0…` or `84…`), tracked by our outbox id. Not tried at night: Zalo refuses it then.
    func sendTemplate(province: String, phone: String, templateID: String, data: [String: String], trackingID: String) async throws -> ZaloOutcome {
        guard trackingID.count <= 48 else { throw Failure.trackingIDTooLong }
        guard let number = Self.zaloPhone(phone) else { return .stop(code: -108) }
        guard Self.isDaytime(now()) else { return .retryLater(code: -133, notBefore: Self.nextMorning(after: now())) }
        let body: [String: Any] = ["phone": number, "template_id": templateID, "template_data": data, "tracking_id": trackingID]
        return try await send(province: province, url: settings.endpoints.business + "/message/template", body: body)
    }

    /// A message of a conversation between the OA and a user, as `GET /v2.0/oa/conversation` lists it.
    struct ConversationMessage: Equatable, Sendable {
        var messageID: String
        /// Sent by the OA (`src` 0), not by the user.
        var fromOA: Bool
        var text: String
        var time: Date
    }

    /// The latest messages between the province's OA and a user, newest first: how an attempt left in doubt is checked
    /// (was our text sent after the attempt began?) before it is tried again. Nil when Zalo could not say.
    func recentMessages(province: String, userID: String, offset: Int = 0) async throws -> [ConversationMessage]? {
        let query = try JSONSerialization.data(withJSONObject: ["user_id": userID, "offset": offset, "count": 10], options: [.sortedKeys])
        let encoded = String(decoding: query, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        guard case let .answer(answer) = try await call(province: province, method: .GET,
                                                        url: settings.endpoints.openAPI + "/v2.0/oa/conversation?data=" + encoded, payload: nil),
              Self.number(answer["error"]) == 0 else { return nil }
        let list = answer["data"] as? [[String: Any]] ?? []
        return list.map { m in
            ConversationMessage(messageID: (m["message_id"] ?? m["msg_id"]).map { "\($0)" } ?? "", fromOA: Self.number(m["src"]) == 0,
                                text: m["message"] as? String ?? "",
                                time: Date(timeIntervalSince1970: Double(Self.number(m["time"]) ?? 0) / 1000))
        }
    }

    private enum Called {
        case answer([String: Any])
        case outcome(ZaloOutcome)
    }

    private func send(province: String, url: String, body: [String: Any]) async throws -> ZaloOutcome {
        switch try await call(province: province, method: .POST, url: url, payload: try JSONSerialization.data(withJSONObject: body)) {
        case let .outcome(outcome): return outcome
        case let .answer(answer):
            let code = Self.number(answer["error"]) ?? 0
            guard code == 0 else { return Self.classify(code, at: now()) }
            let data = answer["data"] as? [String: Any] ?? [:]
            let quota = (data["quota"] as? [String: Any]).flatMap { q -> ZaloQuota? in
                guard let daily = Self.number(q["dailyQuota"]), let remaining = Self.number(q["remainingQuota"]) else { return nil }
                return ZaloQuota(daily: daily, remaining: remaining)
            }
            return .sent(messageID: (data["msg_id"] ?? data["message_id"]).map { "\($0)" } ?? "", quota: quota)
        }
    }

    /// One call with the province's access token, refreshed once when Zalo refuses it: Zalo's envelope, or what the
    /// transport's failure means.
    private func call(province: String, method: HTTPMethod, url: String, payload: Data?) async throws -> Called {
        var refused: String?
        while true {
            let token: String
            do { token = try await accessToken(province, refused: refused) } catch Failure.tokenServiceUnavailable(let code) {
                return .outcome(.retryLater(code: code, notBefore: nil))
            }
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "access_token", value: token)
            if let payload {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(data: payload))
            }
            do {
                let response = try await http.execute(request, timeout: .seconds(15))
                let bytes = try await response.body.collect(upTo: 1 << 20)
                switch response.status.code {
                case 200: break
                case 429, 500...599: return .outcome(.retryLater(code: Int(response.status.code), notBefore: nil))
                default: return .outcome(.misconfigured(code: Int(response.status.code)))
                }
                guard let parsed = try? JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any], let code = Self.number(parsed["error"]) else {
                    // Not Zalo's envelope (a proxy's page): nothing known was done.
                    return .outcome(.retryLater(code: 0, notBefore: nil))
                }
                if code != 0, Self.tokenCodes.contains(code) {
                    guard refused == nil else { return .outcome(.misconfigured(code: code)) }
                    refused = token
                    continue
                }
                return .answer(parsed)
            } catch {
                // No answer (refused connection, timeout, cut): the worker checks what was sent before trying again.
                return .outcome(.retryLater(code: 0, notBefore: nil))
            }
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

    /// The province's access token: the stored one while it lasts (and is not the one Zalo just `refused`), else a new
    /// one. Refreshes of a province run one at a time; one that finds a newer token than the refused one uses it.
    func accessToken(_ province: String, refused: String?) async throws -> String {
        guard let oa = settings.provinces[province] else { throw Failure.notConfigured(province) }
        if let seen = try await tokens.current(province), seen.accessToken != refused, seen.expiresAt > now().addingTimeInterval(60) {
            return seen.accessToken
        }
        let (tokens, http, settings, now, logger) = (tokens, http, settings, now, logger)
        return try await gate.run(province) {
            let stored = try await tokens.current(province)
            if let stored, stored.accessToken != refused, stored.expiresAt > now().addingTimeInterval(60) { return stored.accessToken }
            // The HTTP call is made outside any transaction; the new pair is stored at once after it.
            let fresh = try await Self.exchange(stored?.refreshToken ?? oa.refreshToken, for: oa, settings: settings, http: http, now: now)
            do {
                try await tokens.store(province, fresh)
            } catch {
                // Zalo has already rotated the refresh token: losing it means a new grant. Said loudly, without the token.
                logger.critical("Zalo tokens could not be stored: the province may have to grant access again",
                                metadata: ["province": "\(province)", "error": "\(type(of: error))"])
                throw error
            }
            return fresh.accessToken
        }
    }

    /// Trades a refresh token for a new pair (`POST /v4/oa/access_token`, form-encoded, `secret_key` header).
    private static func exchange(_ refreshToken: String, for oa: ZaloSettings.Province, settings: ZaloSettings, http: HTTPClient,
                                 now: @Sendable () -> Date) async throws -> ZaloTokenStore.Tokens {
        var request = HTTPClientRequest(url: settings.endpoints.oauth + "/v4/oa/access_token")
        request.method = .POST
        request.headers.add(name: "secret_key", value: oa.appSecret)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = [("app_id", oa.appID), ("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let status: Int
        let answer: [String: Any]?
        do {
            let response = try await http.execute(request, timeout: .seconds(15))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            status = Int(response.status.code)
            answer = try? JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]
        } catch {
            throw Failure.tokenServiceUnavailable(code: 0)
        }
        guard status == 200, let answer else { throw Failure.tokenServiceUnavailable(code: status) }
        if let access = answer["access_token"] as? String, let refresh = answer["refresh_token"] as? String, let seconds = number(answer["expires_in"]) {
            return ZaloTokenStore.Tokens(accessToken: access, refreshToken: refresh, expiresAt: now().addingTimeInterval(TimeInterval(seconds)))
        }
        let code = number(answer["error"]) ?? 0
        // A rate limit is temporary; any other refusal of the grant needs the province to grant access again.
        if code == -32 || code == 0 { throw Failure.tokenServiceUnavailable(code: code) }
        throw Failure.refreshRefused(code: code)
    }
}

/// Refreshes run one at a time per province in this process: a single-use refresh token is never sent twice.
/// (Several server processes would each need a lease on the province's row; Lan Tỏa runs one today.)
actor ZaloRefreshGate {
    private var running: [String: (id: Int, task: Task<String, any Error>)] = [:]
    private var started = 0

    func run(_ province: String, _ work: @escaping @Sendable () async throws -> String) async throws -> String {
        // Wait for the refresh in progress; whoever sees it finished first clears it (no waiter spins on a finished one).
        while let current = running[province] {
            _ = try? await current.task.value
            if running[province]?.id == current.id { running[province] = nil }
        }
        started += 1
        let id = started
        let task = Task { try await work() }
        running[province] = (id, task)
        defer { if running[province]?.id == id { running[province] = nil } }
        return try await task.value
    }
}

/// The provinces' tokens in the database, sealed with the data key (the owner a province's tokens are sealed for is
/// derived from its code, so a sealed value copied to another province does not open).
struct ZaloTokenStore: Sendable {
    let db: any Database
    let protector: PersonalDataProtector
    let now: @Sendable () -> Date

    struct Tokens: Sendable, CustomStringConvertible {
        var accessToken: String
        var refreshToken: String
        var expiresAt: Date

        var description: String { "Zalo tokens until \(expiresAt)" }
    }

    static func owner(_ province: String) -> UUID {
        let hash = Array(SHA256.hash(data: Data("zalo tokens \(province)".utf8)))
        return UUID(uuid: (hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7],
                           hash[8], hash[9], hash[10], hash[11], hash[12], hash[13], hash[14], hash[15]))
    }

    func current(_ province: String) async throws -> Tokens? {
        guard let row = try await (db as! any SQLDatabase).raw("""
            SELECT access_token, refresh_token, expires_at FROM zalo_tokens WHERE province = \(bind: province)
            """).first() else { return nil }
        let owner = Self.owner(province)
        return Tokens(accessToken: try protector.open(try row.decode(column: "access_token", as: String.self), for: owner),
                      refreshToken: try protector.open(try row.decode(column: "refresh_token", as: String.self), for: owner),
                      expiresAt: ISO8601DateFormatter().date(from: try row.decode(column: "expires_at", as: String.self)) ?? .distantPast)
    }

    /// Seals every province's tokens again with the current key (`lantoa rotate-data-key`); returns how many rows
    /// changed. Tokens sealed with the previous key open while it is configured.
    static func reseal(on db: any Database, protector: PersonalDataProtector) async throws -> Int {
        let sql = db as! any SQLDatabase
        var changed = 0
        for row in try await sql.raw("SELECT province, access_token, refresh_token FROM zalo_tokens").all() {
            let province = try row.decode(column: "province", as: String.self)
            let access = try row.decode(column: "access_token", as: String.self)
            let refresh = try row.decode(column: "refresh_token", as: String.self)
            guard !protector.isCurrent(access) || !protector.isCurrent(refresh) else { continue }
            let owner = owner(province)
            try await sql.update("zalo_tokens")
                .set("access_token", to: SQLBind(try protector.seal(try protector.open(access, for: owner), for: owner)))
                .set("refresh_token", to: SQLBind(try protector.seal(try protector.open(refresh, for: owner), for: owner)))
                .where("province", .equal, SQLBind(province)).run()
            changed += 1
        }
        return changed
    }

    /// Stores a new pair in one short statement, tried three times: the refresh token it replaces is already spent.
    func store(_ province: String, _ fresh: Tokens) async throws {
        let owner = Self.owner(province)
        let values: [any SQLExpression] = [SQLBind(province), SQLBind(try protector.seal(fresh.accessToken, for: owner)),
                                           SQLBind(try protector.seal(fresh.refreshToken, for: owner)),
                                           SQLBind(ISO8601DateFormatter().string(from: fresh.expiresAt)),
                                           SQLBind(ISO8601DateFormatter().string(from: now()))]
        var attempt = 0
        while true {
            do {
                try await (db as! any SQLDatabase).insert(into: "zalo_tokens")
                    .columns("province", "access_token", "refresh_token", "expires_at", "updated_at").values(values)
                    .onConflict(with: ["province"]) { $0.set(excludedValueOf: "access_token").set(excludedValueOf: "refresh_token")
                        .set(excludedValueOf: "expires_at").set(excludedValueOf: "updated_at") }.run()
                return
            } catch {
                attempt += 1
                guard attempt < 3 else { throw error }
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }
}
