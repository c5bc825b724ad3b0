import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
@testable import App
import ZaloFake

@Suite("Delivery of the outbox to Zalo: once each, through failures, the night and a killed worker")
struct OutboxDeliveryTests {
    /// `count` leader accounts of province A that chose Zalo and linked their Zalo user ids (`zalo-user-1`…), each
    /// with a deadline reminder waiting in the outbox, as the reminder job writes them.
    static func leadersWithReminders(_ t: TestApp, count: Int) async throws -> [UUID] {
        var ids: [UUID] = []
        for i in 1...count {
            let user = User()
            user.login = "to-truong-\(i)"
            user.passwordHash = "-"
            user.displayName = "Tổ trưởng \(i)"
            user.role = .leader
            user.unitPath = "/zalo-test/"
            user.disabled = false
            user.mustChangePassword = false
            try await user.create(on: t.app.db)
            let link = ZaloLink()
            link.id = user.id
            link.province = Fixtures.provinceA
            link.enabled = true
            link.zaloUserID = "zalo-user-\(i)"
            link.followed = true
            try await link.create(on: t.app.db)
            let message = OutboxMessage()
            message.recipientID = user.id!
            message.unitPath = user.unitPath
            message.kind = "report_reminder"
            message.dedupeKey = "reminder to_thang 2026-11 \(i)"
            message.message = "Nhắc báo cáo tháng 11/2026 của tổ: hạn nộp 03/12/2026 (tổ \(i))."
            message.status = "pending"
            try await message.create(on: t.app.db)
            ids.append(user.id!)
        }
        return ids
    }

    static func settings(_ fake: FakeZalo) throws -> ZaloSettings {
        try ZaloSettings.load(Data(configJSON(fake).utf8))
    }

    static func configJSON(_ fake: FakeZalo) -> String {
        """
        {"endpoints": {"oauth": "\(fake.baseURL)", "openAPI": "\(fake.baseURL)", "business": "\(fake.baseURL)"},
         "provinces": {"\(Fixtures.provinceA)": {"appId": "fake-app", "appSecret": "fake-app-secret", "oaId": "oa-01",
                                 "oaSecret": "oa-secret", "refreshToken": "first-refresh",
                                 "templates": {"notice": {"id": "355331", "parameters": ["name", "message"]}}}}}
        """
    }

    static func worker(_ t: TestApp, _ fake: FakeZalo, clock: AppClock? = nil) throws -> OutboxWorker {
        let clock = clock ?? t.app.clock
        let client = ZaloClient(settings: try settings(fake), tokens: ZaloTokenStore(db: t.app.db, protector: t.app.protector, now: clock.now),
                                gate: ZaloRefreshGate(), http: t.client, logger: t.app.logger, now: clock.now)
        var options = OutboxWorker.Options()
        options.retryBase = 0.01
        options.retryCap = 0.05
        options.idle = .milliseconds(20)
        return OutboxWorker(db: t.app.db, client: client, clock: clock, logger: t.app.logger, options: options)
    }

    static func statuses(_ t: TestApp) async throws -> [String: Int] {
        let rows = try await (t.app.db as! any SQLDatabase).raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").all()
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode(column: "status", as: String.self), try $0.decode(column: "n", as: Int.self)) })
    }

    /// Passes until nothing is pending or in doubt (at most `limit` passes, waiting for retries that are due soon).
    static func drain(_ t: TestApp, _ worker: OutboxWorker, limit: Int = 400) async throws {
        for _ in 0..<limit {
            let s = try await statuses(t)
            if (s["pending"] ?? 0) + (s["sending"] ?? 0) == 0 { return }
            if try await worker.pass() == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    @Test("A deadline reminder reaches 100 leaders once each; with 30 % of Zalo's answers 503 or -32 it still reaches each exactly once",
          arguments: Engine.available)
    func onceEachThroughFailures(engine: Engine) async throws {
        let fake = try await FakeZalo.start()
        do {
            try await TestApp.run(engine) { t in
                _ = try await Self.leadersWithReminders(t, count: 100)
                fake.state.withLockedValue { $0.failuresInTen = 3; $0.now = t.app.clock.now }
                try await Self.drain(t, try Self.worker(t, fake))
                let sent = fake.sent
                #expect(sent.count == 100)
                #expect(Set(sent.map(\.recipient)) == Set((1...100).map { "zalo-user-\($0)" }))
                #expect(sent.allSatisfy { $0.endpoint == "cs" && $0.text.hasPrefix("Nhắc báo cáo tháng 11/2026") })
                // Failures were met: every call was a message taken once, or a failure before taking one; and some
                // answers failed after Zalo had taken the message (found in the conversation, not sent again).
                let (calls, before, after) = fake.state.withLockedValue { ($0.calls, $0.failedBeforeTaking, $0.failedAfterTaking) }
                #expect(calls == 100 + before && before > 0 && after > 0, "\(calls) calls, \(before) failed before taking, \(after) after")
                #expect(try await Self.statuses(t) == ["sent": 100])
                // Each message keeps Zalo's id for the message it became.
                let ids = try await OutboxMessage.query(on: t.app.db).all().compactMap(\.providerID)
                #expect(Set(ids) == Set(sent.map(\.messageID)))
                #expect(fake.refreshes == 1)
            }
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    @Test("A message due at 23:00 waits for 06:00; an account without Zalo keeps it in the app only; a recipient Zalo refuses is stopped with the reason",
          arguments: Engine.available)
    func nightInboxAndStop(engine: Engine) async throws {
        let fake = try await FakeZalo.start()
        do {
            try await TestApp.run(engine) { t in
                let leaders = try await Self.leadersWithReminders(t, count: 3)
                // The third account has not chosen Zalo.
                let third = try #require(try await ZaloLink.find(leaders[2], on: t.app.db))
                third.enabled = false
                try await third.save(on: t.app.db)
                let instant = NIOLockedValueBox(ISO8601DateFormatter().date(from: "2026-11-22T16:00:00Z")!)  // 23:00 in Vietnam
                let clock = AppClock(now: { instant.withLockedValue { $0 } }, timeZone: AppClock.vietnam)
                let worker = try Self.worker(t, fake, clock: clock)
                #expect(try await worker.pass() == 3)
                #expect(fake.sent.isEmpty)
                let morning = ISO8601DateFormatter().date(from: "2026-11-22T23:00:00Z")!  // 06:00 on the 23rd
                let waiting = try await OutboxMessage.query(on: t.app.db).filter(\.$status == "pending").all()
                #expect(waiting.count == 2 && waiting.allSatisfy { $0.dueAt == morning })
                #expect(try await Self.statuses(t)["inbox"] == 1)
                // 05:59: still nothing due.
                instant.withLockedValue { $0 = morning.addingTimeInterval(-60) }
                #expect(try await worker.pass() == 0)
                // 06:00: sent; Zalo refuses the second recipient (-213, not a follower): stopped, with the reason kept.
                instant.withLockedValue { $0 = morning }
                fake.fail(.code(-213))
                #expect(try await worker.pass() == 2)
                let statuses = try await Self.statuses(t)
                #expect(statuses == ["sent": 1, "stopped": 1, "inbox": 1])
                let stopped = try await OutboxMessage.query(on: t.app.db).filter(\.$status == "stopped").first()
                let link = try #require(try await ZaloLink.find(stopped?.recipientID, on: t.app.db))
                #expect(link.stopCode == -213 && ZaloLink.reason(-213) == "Chưa quan tâm Zalo OA của tỉnh")
                #expect(fake.sent.count == 1)
            }
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    @Test("Template messages go to the phone, tracked by the outbox id; -230 falls back to them; one left in doubt waits for its receipt and is not sent twice",
          arguments: Engine.available)
    func templatesAndReceipts(engine: Engine) async throws {
        let fake = try await FakeZalo.start()
        do {
            let settings = try Self.settings(fake)
            try await TestApp.run(engine, config: { $0.zalo = settings }) { t in
                let ids = try await Self.leadersWithReminders(t, count: 2)
                for (i, id) in ids.enumerated() {
                    let member = Member()
                    member.fullName = "Tổ trưởng \(i + 1)"
                    member.phone = "098765432\(i)"
                    member.gender = .female
                    member.birthYear = 1980
                    member.affiliationCodes = ""
                    member.unitPath = "/zalo-test/"
                    member.demo = false
                    member.auditKey = "k\(i)"
                    try await member.create(on: t.app.db)
                    let user = try #require(try await User.find(id, on: t.app.db))
                    user.memberID = member.id
                    try await user.save(on: t.app.db)
                }
                // The first has not linked a Zalo user; the second has, but wrote to the OA more than 7 days ago (-230).
                let first = try #require(try await ZaloLink.find(ids[0], on: t.app.db))
                first.zaloUserID = nil
                first.followed = false
                try await first.save(on: t.app.db)
                fake.state.withLockedValue { $0.outsideWindow = ["zalo-user-2"] }
                var options = try Self.worker(t, fake).options
                options.doubtWait = 600
                let worker = OutboxWorker(db: t.app.db, client: t.app.zaloClient, clock: t.app.clock, logger: t.app.logger, options: options)
                try await Self.drain(t, worker)
                let messages = try await OutboxMessage.query(on: t.app.db).sort(\.$dedupeKey).all()
                #expect(messages.map(\.status) == ["sent", "sent"] && messages.map(\.route) == ["template", "template"])
                let templates = fake.sent.filter { $0.endpoint == "template" }
                #expect(Set(templates.map(\.recipient)) == ["84987654320", "84987654321"])
                #expect(Set(templates.compactMap(\.trackingID)) == Set(messages.map { $0.id!.uuidString.lowercased() }))
                #expect(templates.contains { $0.text == "message=\(messages[0].message);name=Tổ trưởng 1" })

                // An attempt left in doubt (marked, never answered): not sent again while its receipt may still come...
                func inDoubt(_ key: String) async throws -> OutboxMessage {
                    let m = OutboxMessage()
                    m.recipientID = ids[0]
                    m.unitPath = "/zalo-test/"
                    m.kind = "report_reminder"
                    m.dedupeKey = key
                    m.message = "Nhắc lại: \(key)"
                    m.status = "sending"
                    m.route = "template"
                    m.attemptedAt = t.app.clock.now()
                    m.attempts = 1
                    try await m.create(on: t.app.db)
                    return m
                }
                let received = try await inDoubt("nhac-1")
                let silent = try await inDoubt("nhac-2")
                #expect(try await worker.pass() == 2)
                #expect(fake.sent.count == 2)
                // ...and the receipt Zalo sends for the first settles it as sent.
                let (status, _) = try await fake.webhook(t.baseURL + "/zalo/webhook/\(Fixtures.provinceA)", event: "user_received_message",
                                                         from: "zalo-user-1", messageID: "zns-77", trackingID: received.id!.uuidString.lowercased(),
                                                         at: t.app.clock.now(), client: t.client)
                #expect(status == .ok)
                // Ten minutes pass (the attempts moved back in time; the wait they were given is over).
                try await (t.app.db as! any SQLDatabase).update(OutboxMessage.schema).set("due_at", to: SQLLiteral.null)
                    .set("attempted_at", to: SQLBind(t.app.clock.now().addingTimeInterval(-601)))
                    .where("id", .in, SQLBind.group([received.id!, silent.id!])).run()
                try await Self.drain(t, worker)
                let settled = try #require(try await OutboxMessage.find(received.id, on: t.app.db))
                #expect(settled.status == "sent" && settled.providerID == "zns-77" && settled.deliveredAt != nil)
                // The other had no receipt in the wait: it was most likely never taken, and is sent once more.
                #expect(try await OutboxMessage.find(silent.id, on: t.app.db)?.status == "sent")
                #expect(fake.sent.count == 3 && fake.sent.last?.trackingID == silent.id!.uuidString.lowercased())
            }
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    @Test("`lantoa outbox work` killed with SIGKILL in the middle and started again sends no message twice and loses none",
          arguments: Engine.available)
    func killedWorker(engine: Engine) async throws {
        let fake = try await FakeZalo.start()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("zalo-\(UUID()).json")
        try Data(Self.configJSON(fake).utf8).write(to: config)
        defer { try? FileManager.default.removeItem(at: config) }
        do {
            try await TestApp.run(engine) { t in
                _ = try await Self.leadersWithReminders(t, count: 100)
                // Each answer comes 300 ms after the message is taken: a kill leaves messages Zalo has but the worker
                // never heard about.
                fake.state.withLockedValue { $0.delay = .milliseconds(300); $0.now = t.app.clock.now }
                let database: String
                switch t.app.lantoaConfig.storage {
                case let .sqlite(path): database = "sqlite://" + path
                case let .postgres(url): database = url
                }
                let environment = ["DATABASE_URL": database, "LANTOA_ZALO_CONFIG": config.path, "LANTOA_TODAY": testToday.iso,
                                   "LANTOA_OUTBOX_LEASE_SECONDS": "2", "PATH": "/usr/bin:/bin"]
                let first = try LantoaProcess.start(["outbox", "work", "--dev"], environment: environment)
                for _ in 0..<600 where fake.sent.count < 30 { try await Task.sleep(for: .milliseconds(50)) }
                kill(first.processIdentifier, SIGKILL)
                first.waitUntilExit()
                let atKill = fake.sent.count
                #expect(atKill >= 30 && atKill < 100)
                // Attempts were under way: marked before Zalo was called, not yet recorded.
                let inDoubt = try await OutboxMessage.query(on: t.app.db).filter(\.$status == "sending").all().map(\.recipientID)
                let doubtful = try await ZaloLink.query(on: t.app.db).filter(\.$id ~~ inDoubt).all().compactMap(\.zaloUserID)
                #expect(!doubtful.isEmpty)
                // Some of them Zalo had taken: sent again, they would arrive twice.
                #expect(!Set(doubtful).isDisjoint(with: fake.sent.map(\.recipient)))

                let second = try LantoaProcess.start(["outbox", "work", "--dev"], environment: environment)
                for _ in 0..<1200 {
                    if try await Self.statuses(t)["sent"] == 100 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                second.terminate()
                second.waitUntilExit()
                #expect(try await Self.statuses(t) == ["sent": 100])
                let sent = fake.sent
                #expect(sent.count == 100, "\(sent.count) messages taken by Zalo")
                #expect(Set(sent.map(\.recipient)).count == 100)
                let ids = try await OutboxMessage.query(on: t.app.db).all().compactMap(\.providerID)
                #expect(Set(ids) == Set(sent.map(\.messageID)))
            }
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }
}
