import Foundation
import SQLKit
import Testing
import Vapor
@testable import App
import ZaloFake

@Suite("The Zalo client against a local fake of Zalo's servers")
struct ZaloClientTests {
    static func settings(_ fake: FakeZalo) throws -> ZaloSettings {
        try ZaloSettings.load(Data("""
            {"endpoints": {"oauth": "\(fake.baseURL)", "openAPI": "\(fake.baseURL)", "business": "\(fake.baseURL)/"},
             "provinces": {"20": {"appId": "fake-app", "appSecret": "fake-app-secret", "oaId": "oa-20", "oaSecret": "oa-secret",
                                  "refreshToken": "first-refresh",
                                  "templates": {"report_reminder": {"id": "355330", "parameters": ["name", "report", "deadline"]}}}}}
            """.utf8))
    }

    /// 10:00 in Vietnam on the test day, and 23:00.
    static let morning = ISO8601DateFormatter().date(from: "2026-11-30T03:00:00Z")!
    static let night = ISO8601DateFormatter().date(from: "2026-11-30T16:00:00Z")!

    static func client(_ t: TestApp, _ fake: FakeZalo, at date: Date = morning, gate: ZaloRefreshGate = ZaloRefreshGate()) throws -> ZaloClient {
        let now: @Sendable () -> Date = { date }
        return ZaloClient(settings: try settings(fake), tokens: ZaloTokenStore(db: t.app.db, protector: t.app.protector, now: now),
                          gate: gate, http: t.client, logger: t.app.logger, now: now)
    }

    @Test("The settings file is checked field by field, and never prints a secret")
    func settingsAreChecked() throws {
        for (text, field) in [("[]", "(file)"), ("{}", "provinces"), ("{\"provinces\": {\"Lang Son\": {}}}", "provinces.Lang Son"),
                              ("{\"provinces\": {\"20\": {\"appId\": \"a\"}}}", "provinces.20.appSecret"),
                              ("{\"endpoints\": {\"oauth\": \"ftp://x\"}, \"provinces\": {}}", "endpoints.oauth")] {
            #expect { try ZaloSettings.load(Data(text.utf8)) } throws: { ($0 as? ZaloSettings.Invalid)?.field == field }
        }
        let s = try ZaloSettings.load(Data("""
            {"provinces": {"20": {"appId": "a", "appSecret": "bi-mat-app", "oaId": "o", "oaSecret": "bi-mat-oa", "refreshToken": "r"}}}
            """.utf8))
        #expect(s.endpoints.oauth == "https://oauth.zaloapp.com" && s.provinces["20"]?.appSecret == "bi-mat-app")
        #expect("\(s)" == "Zalo for provinces 20" && !"\(s)".contains("bi-mat"))

        // Read at boot from the file `LANTOA_ZALO_CONFIG` names; a bad one stops the start, naming the variable and field.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zalo-\(UUID()).json")
        try Data("{\"provinces\": {\"20\": {\"appId\": \"a\"}}}".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect { try AppConfig.fromEnvironment(.development, variables: ["LANTOA_ZALO_CONFIG": file.path], development: true) } throws: {
            "\($0)".contains("LANTOA_ZALO_CONFIG") && "\($0)".contains("provinces.20.appSecret")
        }
        #expect(try AppConfig.fromEnvironment(.development, variables: [:], development: true).zalo == nil)
    }

    @Test("The first call trades the configured refresh token; the rotated pair is stored sealed; an expired token is refreshed once and the call retried",
          arguments: Engine.available)
    func tokensRotate(engine: Engine) async throws {
        let fake = try await FakeZalo.start()
        do {
            try await TestApp.run(engine) { t in
                let zalo = try Self.client(t, fake)
                #expect(try await zalo.sendText(province: "20", userID: "u-1", text: "Nhắc báo cáo tháng 11") == .sent(messageID: "msg-1", quota: nil))
                #expect(fake.refreshes == 1)
                // Stored sealed for the province: it opens for province 20 only.
                let row = try #require(try await (t.app.db as! any SQLDatabase).raw("SELECT access_token, refresh_token FROM zalo_tokens").first())
                let sealedRefresh = try row.decode(column: "refresh_token", as: String.self)
                #expect(try t.app.protector.open(sealedRefresh, for: ZaloTokenStore.owner("20")) == "refresh-1")
                #expect(throws: (any Error).self) { try t.app.protector.open(sealedRefresh, for: ZaloTokenStore.owner("01")) }
                #expect(try t.app.protector.open(try row.decode(column: "access_token", as: String.self), for: ZaloTokenStore.owner("20")) == "access-1")
                #expect(try await zalo.tokens.current("20")?.refreshToken == fake.currentRefreshToken)

                // The stored token serves the next call; once Zalo says it expired (-220), one refresh, the same call again.
                #expect(try await zalo.sendText(province: "20", userID: "u-2", text: "Hai") == .sent(messageID: "msg-2", quota: nil))
                #expect(fake.refreshes == 1)
                fake.expireTokens()
                #expect(try await zalo.sendText(province: "20", userID: "u-3", text: "Ba") == .sent(messageID: "msg-3", quota: nil))
                #expect(fake.refreshes == 2 && fake.currentRefreshToken == "refresh-2")
                #expect(try await zalo.tokens.current("20")?.refreshToken == "refresh-2")
                #expect(fake.sent.map(\.recipient) == ["u-1", "u-2", "u-3"])

                // Five sends at once find the token expired: one refresh serves them all, and each is sent once.
                fake.expireTokens()
                try await withThrowingTaskGroup(of: ZaloOutcome.self) { group in
                    for i in 0..<5 { group.addTask { try await zalo.sendText(province: "20", userID: "cung-luc-\(i)", text: "Cùng lúc") } }
                    for try await outcome in group { guard case .sent = outcome else { throw TestFailure("not sent: \(outcome)") } }
                }
                #expect(fake.refreshes == 3)
                #expect(fake.sent.filter { $0.recipient.hasPrefix("cung-luc-") }.count == 5)

                // A refresh token Zalo no longer takes (a grant withdrawn): the province must grant access again.
                fake.state.withLockedValue { $0.refreshToken = "withdrawn"; $0.accessTokens = [] }
                await #expect(throws: ZaloClient.Failure.refreshRefused(code: -14014)) { try await zalo.sendText(province: "20", userID: "u", text: "x") }

                // A province without an OA has no channel.
                await #expect(throws: ZaloClient.Failure.notConfigured("01")) { try await zalo.sendText(province: "01", userID: "u", text: "x") }
            }
        } catch {
            try? await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    @Test("Zalo's answers become retry, stop or fall back; the quota is read from the answer; no template message at night")
    func answersAreMapped() async throws {
        let fake = try await FakeZalo.start()
        do {
            try await TestApp.run(.sqlite) { t in
                let zalo = try Self.client(t, fake)
                fake.fail(.status(.badGateway), .code(-32), .code(-230), .code(-108), .code(-139), .code(-144), .code(-131), .status(.notFound))
                #expect(try await zalo.sendText(province: "20", userID: "u", text: "x") == .retryLater(code: 502, notBefore: nil))
                #expect(try await zalo.sendText(province: "20", userID: "u", text: "x") == .retryLater(code: -32, notBefore: nil))
                #expect(try await zalo.sendText(province: "20", userID: "u", text: "x") == .fallback(code: -230))
                let data = ["name": "Hoàng Thị Lan", "report": "Báo cáo tháng 11", "deadline": "05/12/2026"]
                #expect(try await zalo.sendTemplate(province: "20", phone: "84987654321", templateID: "355330", data: data, trackingID: "a") == .stop(code: -108))
                #expect(try await zalo.sendTemplate(province: "20", phone: "84987654321", templateID: "355330", data: data, trackingID: "b") == .stop(code: -139))
                // The daily limit waits for midnight in Vietnam (17:00 UTC).
                #expect(try await zalo.sendTemplate(province: "20", phone: "84987654321", templateID: "355330", data: data, trackingID: "c")
                    == .retryLater(code: -144, notBefore: ISO8601DateFormatter().date(from: "2026-11-30T17:00:00Z")!))
                // A template not approved, or a wrong address, is the province's configuration, not the recipient.
                #expect(try await zalo.sendTemplate(province: "20", phone: "84987654321", templateID: "355330", data: data, trackingID: "d") == .misconfigured(code: -131))
                #expect(try await zalo.sendTemplate(province: "20", phone: "84987654321", templateID: "355330", data: data, trackingID: "e") == .misconfigured(code: 404))
                // The phone as Lan Tỏa keeps it (0…) goes as 84…; a number that is not a mobile is never sent.
                let tracking = UUID().uuidString.lowercased()
                #expect(try await zalo.sendTemplate(province: "20", phone: "0987654321", templateID: "355330", data: data, trackingID: tracking)
                    == .sent(messageID: "msg-1", quota: ZaloQuota(daily: 500, remaining: 499)))
                #expect(fake.sent.map(\.trackingID) == [tracking] && fake.sent[0].recipient == "84987654321")
                #expect(fake.sent[0].text == "deadline=05/12/2026;name=Hoàng Thị Lan;report=Báo cáo tháng 11")
                #expect(try await zalo.sendTemplate(province: "20", phone: "1900 1234", templateID: "355330", data: data, trackingID: "f") == .stop(code: -108))
                await #expect(throws: ZaloClient.Failure.trackingIDTooLong) {
                    try await zalo.sendTemplate(province: "20", phone: "0987654321", templateID: "355330", data: data, trackingID: String(repeating: "x", count: 49))
                }
                #expect(fake.sent.count == 1)

                // At 23:00 a template message waits for 06:00 without calling Zalo; -133 from Zalo means the same.
                let late = try Self.client(t, fake, at: Self.night)
                let six = ISO8601DateFormatter().date(from: "2026-11-30T23:00:00Z")!
                #expect(try await late.sendTemplate(province: "20", phone: "84987654321", templateID: "355330", data: data, trackingID: "g")
                    == .retryLater(code: -133, notBefore: six))
                #expect(fake.sent.count == 1)
                #expect(ZaloClient.classify(-133, at: Self.morning) == .retryLater(code: -133, notBefore: ISO8601DateFormatter().date(from: "2026-11-30T23:00:00Z")!))
            }
        } catch {
            try? await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    @Test("A rotation of the data key re-seals the stored Zalo tokens: they open with the new key alone")
    func tokensFollowKeyRotation() async throws {
        let old = Data(repeating: 3, count: 32)
        let new = Data(repeating: 9, count: 32)
        try await TestApp.run(.sqlite, config: { $0.dataKey = old }) { t in
            try await Bootstrap.prepareForServing(t.app)
            let now: @Sendable () -> Date = { Self.morning }
            try await ZaloTokenStore(db: t.app.db, protector: t.app.protector, now: now)
                .store("20", .init(accessToken: "access-9", refreshToken: "refresh-9", expiresAt: Self.morning))
            t.app.lantoaConfig.dataKey = new
            t.app.lantoaConfig.previousDataKey = old
            try await CommandTests().run(RotateDataKeyCommand(), [], on: t.app)
            let onlyNew = ZaloTokenStore(db: t.app.db, protector: PersonalDataProtector(key: new), now: now)
            #expect(try await onlyNew.current("20")?.refreshToken == "refresh-9")
            #expect(try await onlyNew.current("20")?.accessToken == "access-9")
            #expect(try await ZaloTokenStore.reseal(on: t.app.db, protector: PersonalDataProtector(key: new)) == 0)
        }
    }
}
