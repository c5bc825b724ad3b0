import Crypto
import Fluent
import Foundation
import Vapor

/// What Zalo posts to `POST /zalo/webhook/{province}` (../shared/design/ZALO.md): ids are strings, `timestamp` is in
/// milliseconds (a string or a number).
struct ZaloWebhookEvent: Sendable {
    var appID: String
    var eventName: String
    var timestamp: String
    var senderID: String?
    var followerID: String?
    var text: String?
    var messageID: String?
    var trackingID: String?
    var deliveryTime: Date?

    /// Zalo's `msg_id`, or for an event without one (follow, unfollow) the event's own identity.
    var key: String {
        if let messageID, !messageID.isEmpty { return "\(eventName):\(messageID)" }
        return "\(eventName):\(followerID ?? senderID ?? ""):\(timestamp)"
    }

    /// The user the event is about.
    var userID: String? { followerID ?? senderID }

    init?(_ body: Data) {
        guard let root = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let event = root["event_name"] as? String,
              let stamp = root["timestamp"].map({ "\($0)" }), Int64(stamp) != nil else { return nil }
        func id(_ object: Any?) -> String? { (object as? [String: Any])?["id"].map { "\($0)" } }
        appID = root["app_id"].map { "\($0)" } ?? ""
        eventName = event
        timestamp = stamp
        senderID = id(root["sender"])
        followerID = id(root["follower"])
        let message = root["message"] as? [String: Any]
        text = message?["text"] as? String
        messageID = message?["msg_id"].map { "\($0)" }
        trackingID = message?["tracking_id"].map { "\($0)" }
        deliveryTime = (message?["delivery_time"]).flatMap { ZaloClient.number($0) }.map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }
}

/// The webhook of a province's OA: the signature and age checked, each event handled once (by Zalo's `msg_id`) in one
/// transaction with its record, and answered at once. What it makes Lan Tỏa say back goes through the outbox, so the
/// answer to Zalo never waits for a call to Zalo.
enum ZaloWebhook {
    /// `mac=` + hex SHA-256 of `first + body + timestamp + secret`, as the province's settings say to compute it.
    static func signature(body: Data, timestamp: String, province oa: ZaloSettings.Province) -> String {
        var hasher = SHA256()
        hasher.update(data: Data((oa.webhook.first == .appID ? oa.appID : oa.oaID).utf8))
        hasher.update(data: body)
        hasher.update(data: Data(timestamp.utf8))
        hasher.update(data: Data((oa.webhook.secret == .oa ? oa.oaSecret : oa.appSecret).utf8))
        return "mac=" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    struct Answer: Content {
        /// `handled`, `duplicate` (already handled: a retry of Zalo's) or `ignored` (an event Lan Tỏa does not use).
        var status: String
    }

    static func receive(_ req: Request) async throws -> Answer {
        let code = req.parameters.get("province") ?? ""
        guard let settings = req.application.lantoaConfig.zalo, let oa = settings.provinces[code] else {
            throw AppError.notFound(what: "province")
        }
        let buffer = try await req.body.collect(max: 256 * 1024).get()
        let body = buffer.map { Data(buffer: $0) } ?? Data()
        guard let event = ZaloWebhookEvent(body) else { throw AppError.invalid("body", "error.zalo_event") }
        let given = req.headers.first(name: "X-ZEvent-Signature") ?? ""
        let expected = signature(body: body, timestamp: event.timestamp, province: oa)
        guard Data(given.utf8).count == Data(expected.utf8).count, zip(Data(given.utf8), Data(expected.utf8)).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0,
              event.appID == oa.appID else {
            req.logger.warning("Zalo webhook with a wrong signature refused", metadata: ["province": "\(code)"])
            throw AppError.unauthorized
        }
        let sent = Date(timeIntervalSince1970: Double(Int64(event.timestamp)!) / 1000)
        let now = req.application.clock.now()
        guard sent > now.addingTimeInterval(-oa.webhook.maxAge), sent < now.addingTimeInterval(300) else {
            req.logger.warning("Zalo webhook too old or from the future refused", metadata: ["province": "\(code)"])
            throw AppError.unauthorized
        }
        let inbound = ZaloInbound(province: code, settings: settings, clock: req.application.clock, logger: req.logger)
        return Answer(status: try await inbound.receive(event, on: req.db))
    }
}
