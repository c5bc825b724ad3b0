import Fluent
import Foundation
import LanToaCore
import SQLKit
import Vapor

/// An account's Zalo channel as its page and the API show it.
struct ZaloChannelResponse: Content, Equatable {
    /// Whether the account's province has a Zalo OA configured in Lan Tỏa.
    var available: Bool
    /// The province's two-digit code, when the account has a province.
    var province: String?
    /// The OA's id, for the account to find and follow it.
    var oaID: String?
    /// Whether the account chose to be told on Zalo.
    var enabled: Bool
    /// Whether a Zalo user has been linked (by sending the code to the OA).
    var linked: Bool
    var followed: Bool
    /// The code to send to the OA while no Zalo user is linked, for 30 minutes after Zalo was turned on (turning it on
    /// again gives a new one).
    var linkCode: String?
    /// Why delivery stopped, when Zalo said the account cannot be reached.
    var stopped: String?
}

struct ZaloChannelRequest: Content {
    var enabled: Bool?
}

/// Each account's choice of Zalo and its link (docs/zalo.md, "An account's Zalo").
struct ZaloLinks {
    let db: any Database
    let settings: ZaloSettings?
    let clock: AppClock

    /// The letters of link codes: no 0/O, 1/I/L, easy to read aloud and to type on a phone.
    static let codeAlphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    /// How long a link code works after it is shown.
    static let codeLifetime: TimeInterval = 30 * 60

    /// The link code in a text people send: `LT-7KQ9M2XA`, `lt 7kq9m2xa` or `LT7KQ9M2XA`, alone in the message.
    static func code(in text: String) -> String? {
        let compact = text.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        guard compact.count == 10, compact.hasPrefix("LT"), compact.dropFirst(2).allSatisfy({ codeAlphabet.contains($0) }) else { return nil }
        return "LT-" + compact.dropFirst(2)
    }

    /// The two-digit code of the account's province (none for the ministry's accounts).
    func province(of user: User) async throws -> String? {
        let path = EarlyWarnings.provincePath(user.unitPath)
        guard path != "/" else { return nil }
        return try await Unit.query(on: db).filter(\.$path == path).first()?.code
    }

    func status(of user: User) async throws -> ZaloChannelResponse {
        let province = try await province(of: user)
        let oa = province.flatMap { settings?.provinces[$0] }
        let link = try await ZaloLink.find(user.id, on: db)
        return ZaloChannelResponse(available: oa != nil, province: province, oaID: oa?.oaID, enabled: oa != nil && link?.enabled == true,
                                   linked: link?.zaloUserID != nil, followed: link?.followed == true,
                                   linkCode: link?.zaloUserID == nil && (link?.linkCodeExpiresAt ?? .distantPast) > clock.now() ? link?.linkCode : nil,
                                   stopped: link?.stopCode.map(ZaloLink.reason))
    }

    /// Turns the channel on (with a fresh link code while no Zalo user is linked; a stop is lifted) or off.
    func choose(_ user: User, _ request: ZaloChannelRequest) async throws -> ZaloChannelResponse {
        guard let enabled = request.enabled else { throw AppError.invalid("enabled", "error.required") }
        guard let province = try await province(of: user), settings?.provinces[province] != nil else {
            throw AppError.conflict(FieldProblem("enabled", "error.zalo_unavailable"))
        }
        let link = try await ZaloLink.find(user.id, on: db) ?? {
            let l = ZaloLink()
            l.id = user.id
            l.followed = false
            return l
        }()
        link.province = province
        link.enabled = enabled
        if enabled {
            link.stopCode = nil
            link.stoppedAt = nil
            if link.zaloUserID == nil {
                link.linkCode = try await freshCode()
                link.linkCodeExpiresAt = clock.now().addingTimeInterval(Self.codeLifetime)
            }
        }
        try await link.save(on: db)
        return try await status(of: user)
    }

    /// A code nobody holds: `LT-` and eight letters or digits (31⁸, about 850 billion), random from the system's
    /// generator, working for 30 minutes: not guessable by sending codes to the OA.
    private func freshCode() async throws -> String {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let code = "LT-" + String((0..<8).map { _ in Self.codeAlphabet.randomElement(using: &generator)! })
            if try await ZaloLink.query(on: db).filter(\.$linkCode == code).count() == 0 { return code }
        }
        throw AppError.conflict(FieldProblem("enabled", "error.taken"))
    }
}

/// A province's Zalo channel on its settings page (`/zalo`) and in the API.
struct ZaloProvinceResponse: Content, Equatable {
    var province: String
    var name: String
    /// Whether Lan Tỏa has the province's OA in its configuration; without it the channel is skipped.
    var configured: Bool
    var oaID: String?
    /// The template message kinds configured, with their template ids.
    var templates: [String: String]
    /// The address to give Zalo as the OA's webhook (a path when no `siteURL` is configured).
    var webhook: String
    /// Accounts that chose Zalo, and of them those linked to a Zalo user.
    var accountsEnabled: Int
    var accountsLinked: Int
    /// The province's outbox messages of the last 7 days by delivery status (`sent`, `pending`, `sending`, `failed`…).
    var lastWeek: [String: Int]
}

extension ZaloLinks {
    func provinces(for scope: Scope) async throws -> [ZaloProvinceResponse] {
        guard [Role.admin, .province].contains(scope.actor.role) else { throw AppError.forbidden }
        let units = try await scope.query(Unit.self).filter(\.$tier == .province).filter(\.$validTo == LocalDate.distantFuture.iso).sort(\.$code).all()
        let shown = scope.actor.role == .admin ? units.filter { settings?.provinces[$0.code] != nil } : units.filter { $0.path == scope.actor.scopePath }
        let sql = db as! any SQLDatabase
        var out: [ZaloProvinceResponse] = []
        for unit in shown {
            let oa = settings?.provinces[unit.code]
            let links = try await ZaloLink.query(on: db).filter(\.$province == unit.code).filter(\.$enabled == true).all()
            var lastWeek: [String: Int] = [:]
            for row in try await sql.raw("""
                SELECT o.status AS status, COUNT(*) AS n FROM outbox o JOIN zalo_links l ON l.user_id = o.recipient_id
                WHERE l.province = \(bind: unit.code) AND o.created_at >= \(bind: clock.now().addingTimeInterval(-7 * 86_400)) GROUP BY o.status
                """).all() {
                lastWeek[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
            out.append(ZaloProvinceResponse(province: unit.code, name: unit.name, configured: oa != nil, oaID: oa?.oaID,
                                            templates: (oa?.templates ?? [:]).mapValues(\.id),
                                            webhook: "\(settings?.siteURL ?? "")/zalo/webhook/\(unit.code)",
                                            accountsEnabled: links.count, accountsLinked: links.filter { $0.zaloUserID != nil }.count,
                                            lastWeek: lastWeek))
        }
        return out
    }
}
