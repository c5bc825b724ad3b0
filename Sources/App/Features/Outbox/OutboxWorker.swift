import FluentKit
import Foundation
import LanToaCore
import Logging
import NIOConcurrencyHelpers
import SQLKit

/// Carries the outbox's messages to Zalo for the accounts that chose it, exactly once as far as Zalo lets it be known
/// (docs/zalo.md, "Delivery"):
/// - a pass claims due messages with a lease (several workers never take the same message);
/// - a new message is routed: to the account's linked Zalo user (`cs`), else to its phone as a template message
///   (`template`), else it stays in the notification list only (`inbox`);
/// - an attempt is marked (`sending`) and committed before Zalo is called, and Zalo's message id recorded after;
/// - a message found `sending` with its lease run out was left in doubt by a crash: it is checked against what Zalo
///   has (the conversation, or the template's delivery receipt) before it is sent again;
/// - a refusal is retried with exponential backoff up to a cap, waits for the morning at night, stops for a recipient
///   Zalo cannot reach, and pauses a province whose OA is misconfigured.
final class OutboxWorker: Sendable {
    struct Options: Sendable {
        /// Messages claimed by one pass.
        var batch = 32
        /// Calls to Zalo under way at once.
        var parallel = 8
        /// How long a claimed message is the worker's, renewed when its attempt begins: longer than the slowest attempt
        /// (a token refresh and a call, again after a refused token, then the template fall-back: 15 s timeouts each).
        var lease: TimeInterval = 300
        /// The wait between passes when nothing was due.
        var idle: Duration = .seconds(1)
        /// The first retry's delay, doubled at each attempt up to `retryCap`.
        var retryBase: TimeInterval = 30
        var retryCap: TimeInterval = 3600
        /// Attempts after which a message is `failed`.
        var maxAttempts = 10
        /// How long a province whose OA Zalo refuses is left alone.
        var pause: TimeInterval = 900
        /// How long a template message left in doubt waits for its delivery receipt before it is sent again.
        var doubtWait: TimeInterval = 900
    }

    let db: any Database
    let client: ZaloClient?
    let clock: AppClock
    let logger: Logger
    let options: Options
    /// This worker's name on the leases it takes.
    let owner: String
    private let paused = NIOLockedValueBox([String: Date]())
    /// The worker's writes run one at a time: on SQLite a write waiting for the lock holds one of the few threads
    /// every database call needs (the blocking pool, `configure`), and eight of them waiting at once starved the
    /// request that held the lock (a webhook's transaction) until it timed out. Reads never wait, and calls to Zalo
    /// still run side by side.
    private let writes = WriteGate()

    init(db: any Database, client: ZaloClient?, clock: AppClock, logger: Logger, options: Options = Options()) {
        self.db = db
        self.client = client
        self.clock = clock
        self.logger = logger
        self.options = options
        self.owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    /// Passes until the task is cancelled; a pass that fails is logged and tried again after the idle wait.
    func run() async {
        while !Task.isCancelled {
            var handled = 0
            do { handled = try await pass() } catch {
                logger.warning("Outbox delivery pass failed; it is tried again", metadata: ["error": "\(type(of: error))"])
            }
            if handled < options.batch { try? await Task.sleep(for: options.idle) }
        }
    }

    /// One pass: claims up to a batch of due messages and handles them, a few at a time; returns how many it claimed.
    @discardableResult
    func pass() async throws -> Int {
        let claimed = try await claim()
        await withTaskGroup(of: Void.self) { group in
            var next = claimed.makeIterator()
            for _ in 0..<options.parallel {
                guard let message = next.next() else { break }
                group.addTask { await self.handle(message) }
            }
            while await group.next() != nil {
                if let message = next.next() { group.addTask { await self.handle(message) } }
            }
        }
        return claimed.count
    }

    /// Takes the due messages nobody holds: pending ones, and attempts whose lease ran out (in doubt).
    func claim() async throws -> [OutboxMessage] {
        let sql = db as! any SQLDatabase
        let now = clock.now()
        let claimable: SQLQueryString = """
            SELECT id FROM outbox WHERE status IN ('pending', 'sending') AND (due_at IS NULL OR due_at <= \(bind: now))
            AND (lease_until IS NULL OR lease_until < \(bind: now))
            """
        // A read first: an idle worker never takes SQLite's write lock, which every request that writes waits for.
        guard try await sql.raw(claimable + " LIMIT 1").first() != nil else { return [] }
        let skipLocked: SQLQueryString = sql.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let rows = try await writes.run { try await sql.raw("""
            UPDATE outbox SET lease_owner = \(bind: owner), lease_until = \(bind: now.addingTimeInterval(options.lease))
            WHERE id IN (
            """ + claimable + " ORDER BY created_at LIMIT \(bind: options.batch)" + skipLocked + ") RETURNING id").all() }
        let ids = try rows.map { try $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return [] }
        return try await OutboxMessage.query(on: db).filter(\.$id ~~ ids).sort(\.$createdAt).all()
    }

    private func handle(_ message: OutboxMessage) async {
        do { try await deliver(message) } catch {
            logger.warning("Outbox message not delivered this time", metadata: ["message": "\(message.id!)", "error": "\(type(of: error))"])
            // Once its attempt is marked, Zalo may have taken it: it stays in doubt, checked before any new attempt.
            let marked = message.status == "sending"
            if !marked, message.attempts >= options.maxAttempts {
                try? await finish(message, status: "failed", providerID: nil, code: nil)
            } else {
                try? await release(message, status: marked ? "sending" : "pending", dueAt: clock.now().addingTimeInterval(backoff(max(message.attempts, 1))))
            }
        }
    }

    private func deliver(_ message: OutboxMessage) async throws {
        let now = clock.now()
        guard let client, let link = try await ZaloLink.find(message.recipientID, on: db), link.enabled, link.stopCode == nil,
              let oa = client.settings.provinces[link.province] else {
            // Nothing outside Lan Tỏa: the message stays in the account's notification list.
            return try await release(message, status: message.status == "sending" ? "failed" : "inbox", dueAt: nil)
        }
        if message.status == "sending", try await settledInDoubt(message, link: link, client: client) { return }
        guard ZaloClient.isDaytime(now) else { return try await release(message, status: "pending", dueAt: ZaloClient.nextMorning(after: now)) }
        if let until = paused.withLockedValue({ $0[link.province] }), until > now {
            return try await release(message, status: "pending", dueAt: until)
        }
        let phone = try await phone(of: message.recipientID)
        let template = oa.templates[message.kind] ?? oa.templates["notice"]
        let canTemplate = phone != nil && template != nil
        var route: String
        if link.zaloUserID != nil && link.followed { route = "cs" } else if canTemplate { route = "template" } else {
            return try await release(message, status: "inbox", dueAt: nil)
        }
        guard try await mark(message, route: route, counting: true) else { return }
        var outcome = try await send(message, route: route, link: link, phone: phone, template: template, client: client)
        if case .fallback = outcome, route == "cs", canTemplate {
            route = "template"
            guard try await mark(message, route: route, counting: false) else { return }
            outcome = try await send(message, route: route, link: link, phone: phone, template: template, client: client)
        }
        try await record(message, outcome, link: link)
    }

    private func send(_ message: OutboxMessage, route: String, link: ZaloLink, phone: String?, template: ZaloSettings.Template?,
                      client: ZaloClient) async throws -> ZaloOutcome {
        do {
            return try await call(message, route: route, link: link, phone: phone, template: template, client: client)
        } catch let failure as ZaloClient.Failure {
            switch failure {
            // The province must grant access again, or its settings are wrong: nothing was sent.
            case let .refreshRefused(code): return .misconfigured(code: code)
            case .notConfigured, .trackingIDTooLong: return .misconfigured(code: 0)
            case let .tokenServiceUnavailable(code): return .retryLater(code: code, notBefore: nil)
            }
        }
    }

    private func call(_ message: OutboxMessage, route: String, link: ZaloLink, phone: String?, template: ZaloSettings.Template?,
                      client: ZaloClient) async throws -> ZaloOutcome {
        if route == "cs", let user = link.zaloUserID {
            return try await client.sendText(province: link.province, userID: user, text: message.message)
        }
        guard let phone, let template else { return .stop(code: -108) }
        let recipient = try await User.find(message.recipientID, on: db)
        return try await client.sendTemplate(province: link.province, phone: phone, templateID: template.id,
                                             data: Self.templateData(template, message: message, name: recipient?.displayName ?? "",
                                                                     today: clock.today()),
                                             trackingID: message.id!.uuidString.lowercased())
    }

    /// The template's parameters from the message: `name` is the account's name, `date` today's date, any other the
    /// message's text (cut to 200 characters, the longest a ZNS text parameter is commonly approved for).
    static func templateData(_ template: ZaloSettings.Template, message: OutboxMessage, name: String, today: LocalDate) -> [String: String] {
        var data: [String: String] = [:]
        for parameter in template.parameters {
            switch parameter {
            case "name": data[parameter] = name
            case "date": data[parameter] = String(format: "%02d/%02d/%04d", today.day, today.month, today.year)
            default: data[parameter] = message.message.count > 200 ? String(message.message.prefix(199)) + "…" : message.message
            }
        }
        return data
    }

    /// An attempt left in doubt by a crash: true when Zalo shows it was sent (now recorded) or when it must wait longer
    /// to know; false when it was not sent and may be tried again.
    private func settledInDoubt(_ message: OutboxMessage, link: ZaloLink, client: ZaloClient) async throws -> Bool {
        let now = clock.now()
        let began = message.attemptedAt ?? .distantPast
        switch message.route {
        case "cs":
            guard let user = link.zaloUserID else { return false }
            // The OA's messages to the user since the attempt began (with two minutes for clocks apart), newest first,
            // page by page, less those already recorded for other messages: one with the same text is this one.
            let text = ZaloClient.fitted(message.message)
            var offset = 0
            while offset < 50 {
                guard let page = try await client.recentMessages(province: link.province, userID: user, offset: offset) else {
                    // Zalo cannot say now: never guess, ask again later (counted, so that it ends).
                    guard message.attempts < options.maxAttempts else {
                        try await finish(message, status: "failed", providerID: nil, code: nil)
                        return true
                    }
                    try await writes.run { try await (db as! any SQLDatabase).raw("UPDATE outbox SET attempts = attempts + 1 WHERE id = \(bind: message.id!)").run() }
                    try await release(message, status: "sending", dueAt: now.addingTimeInterval(backoff(message.attempts + 1)))
                    return true
                }
                let candidates = page.filter { $0.fromOA && $0.text == text && $0.time >= began.addingTimeInterval(-120) }
                if !candidates.isEmpty {
                    let taken = Set(try await OutboxMessage.query(on: db).filter(\.$providerID ~~ candidates.map(\.messageID)).all().compactMap(\.providerID))
                    if let found = candidates.first(where: { !taken.contains($0.messageID) }) {
                        try await finish(message, status: "sent", providerID: found.messageID, code: nil)
                        logger.info("Outbox message in doubt found sent", metadata: ["message": "\(message.id!)"])
                        return true
                    }
                }
                guard page.count == 10, let oldest = page.last, oldest.time >= began.addingTimeInterval(-120) else { return false }
                offset += 10
            }
            return false
        case "template":
            if message.deliveredAt != nil {
                try await finish(message, status: "sent", providerID: message.providerID, code: nil)
                return true
            }
            let wait = began.addingTimeInterval(options.doubtWait)
            if now < wait {
                try await release(message, status: "sending", dueAt: wait)
                return true
            }
            // No receipt in the wait: most likely never accepted (docs/zalo.md says the risk).
            return false
        default:
            return false
        }
    }

    private func record(_ message: OutboxMessage, _ outcome: ZaloOutcome, link: ZaloLink) async throws {
        let now = clock.now()
        switch outcome {
        case let .sent(messageID, _):
            try await finish(message, status: "sent", providerID: messageID, code: nil)
        case let .retryLater(code, notBefore):
            let attempts = message.attempts
            guard attempts < options.maxAttempts else { return try await finish(message, status: "failed", providerID: nil, code: code) }
            let backoff = now.addingTimeInterval(backoff(attempts))
            // No answer, or a server error that does not say whether the message was taken: in doubt, checked first.
            let unknown = code == 0 || (500...599).contains(code)
            try await release(message, status: unknown ? "sending" : "pending", dueAt: max(notBefore ?? backoff, backoff), code: code)
        case let .stop(code):
            try await finish(message, status: "stopped", providerID: nil, code: code)
            link.stopCode = code
            link.stoppedAt = now
            try await writes.run { try await link.save(on: db) }
        case let .fallback(code):
            // Outside the 7-day window with no phone or template to fall back on: this message cannot go.
            try await finish(message, status: "stopped", providerID: nil, code: code)
        case let .misconfigured(code):
            let until = now.addingTimeInterval(options.pause)
            paused.withLockedValue { $0[link.province] = until }
            logger.critical("Zalo refuses the province's OA or template: its messages wait", metadata: ["province": "\(link.province)", "code": "\(code)"])
            try await release(message, status: "pending", dueAt: until, code: code)
        }
    }

    /// The delay before attempt `attempts + 1`.
    func backoff(_ attempts: Int) -> TimeInterval {
        min(options.retryCap, options.retryBase * pow(2, Double(max(attempts - 1, 0))))
    }

    // MARK: writes, each one statement guarded by this worker's lease

    /// Marks the attempt before Zalo is called; false when the lease was lost (another worker has the message).
    private func mark(_ message: OutboxMessage, route: String, counting: Bool) async throws -> Bool {
        let now = clock.now()
        let sql = db as! any SQLDatabase
        // The lease is renewed for the attempt; a message whose receipt came in meanwhile is not sent again.
        let rows = try await writes.run { try await sql.raw("""
            UPDATE outbox SET status = 'sending', route = \(bind: route), attempted_at = \(bind: now),
            attempts = attempts + \(bind: counting ? 1 : 0), lease_until = \(bind: now.addingTimeInterval(options.lease))
            WHERE id = \(bind: message.id!) AND lease_owner = \(bind: owner) AND delivered_at IS NULL RETURNING id
            """).all() }
        guard !rows.isEmpty else {
            logger.warning("Outbox message left before its attempt: its lease was lost or its receipt came", metadata: ["message": "\(message.id!)"])
            return false
        }
        message.status = "sending"
        if counting {
            message.attemptedAt = now
            message.attempts += 1
        }
        return true
    }

    /// Records the end of a message, tried three times (Zalo has answered: losing the record would send it again).
    private func finish(_ message: OutboxMessage, status: String, providerID: String?, code: Int?) async throws {
        var attempt = 0
        while true {
            do {
                let rows = try await writes.run { try await (db as! any SQLDatabase).raw("""
                    UPDATE outbox SET status = \(bind: status), provider_id = COALESCE(\(bind: providerID), provider_id),
                    sent_at = \(bind: status == "sent" ? clock.now() : nil), last_code = \(bind: code), lease_owner = NULL, lease_until = NULL
                    WHERE id = \(bind: message.id!) AND lease_owner = \(bind: owner) RETURNING id
                    """).all() }
                if rows.isEmpty { logger.error("Outbox message's lease lost before its end was recorded", metadata: ["message": "\(message.id!)", "status": "\(status)"]) }
                return
            } catch {
                attempt += 1
                guard attempt < 3 else { throw error }
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    private func release(_ message: OutboxMessage, status: String, dueAt: Date?, code: Int? = nil) async throws {
        let rows = try await writes.run { try await (db as! any SQLDatabase).raw("""
            UPDATE outbox SET status = \(bind: status), due_at = \(bind: dueAt), last_code = COALESCE(\(bind: code), last_code),
            lease_owner = NULL, lease_until = NULL WHERE id = \(bind: message.id!) AND lease_owner = \(bind: owner) RETURNING id
            """).all() }
        if rows.isEmpty { logger.error("Outbox message's lease lost before it was released", metadata: ["message": "\(message.id!)", "status": "\(status)"]) }
    }

    /// The phone of the member behind the account, if any (leaders and members have one; officials may not).
    private func phone(of account: UUID) async throws -> String? {
        guard let user = try await User.find(account, on: db), let memberID = user.memberID,
              let member = try await Member.find(memberID, on: db), !member.phone.isEmpty else { return nil }
        return member.phone
    }
}

/// Runs the bodies given to it one at a time, in the order they came.
actor WriteGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
