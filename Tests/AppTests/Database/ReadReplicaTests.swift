import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
@testable import App

/// Against a real PostgreSQL standby fed by streaming replication from the suite's server (`.ci/run` starts it with
/// `Tools/pg-standby.sh`). `LANTOA_TEST_POSTGRES_STANDBY_URL` names it; `LANTOA_TEST_POSTGRES_STANDBY_CTL` (that script)
/// stops and starts it. Serialized: the tests pause its replay and stop it.
@Suite("Read replica: dashboards read from a real standby, a writer reads its own writes, a stopped standby is left alone", .serialized)
struct ReadReplicaTests {
    static let environment = ProcessInfo.processInfo.environment
    static var enabled: Bool {
        Engine.available.contains(.postgres) && !(environment["LANTOA_TEST_POSTGRES_STANDBY_URL"] ?? "").isEmpty
            && !(environment["LANTOA_TEST_POSTGRES_STANDBY_CTL"] ?? "").isEmpty
    }

    /// The standby's URL for the same database as the primary's `storage`.
    static func standby(database storage: AppConfig.Storage) -> String {
        guard case let .postgres(url) = storage else { fatalError("PostgreSQL only") }
        var components = URLComponents(string: environment["LANTOA_TEST_POSTGRES_STANDBY_URL"]!)!
        components.path = URLComponents(string: url)!.path
        return components.string!
    }

    /// Runs SQL on the standby's maintenance database (replay control is server-wide).
    static func onStandby(_ statement: String) async throws -> String? {
        let box = NIOLockedValueBox<String?>(nil)
        var components = URLComponents(string: environment["LANTOA_TEST_POSTGRES_STANDBY_URL"]!)!
        components.path = "/postgres"
        try await TestDatabases.connect(components.string!) { db in
            let row = try await (db as! any SQLDatabase).raw(SQLQueryString(statement)).first()
            box.withLockedValue { $0 = try? row?.decode(column: "v", as: String.self) }
        }
        return box.withLockedValue { $0 }
    }

    /// Stops or starts the standby server.
    static func standbyServer(_ action: String) async throws {
        try await ReportExportTests.run("/bin/bash", [environment["LANTOA_TEST_POSTGRES_STANDBY_CTL"]!, action])
    }

    /// Waits until the app's probe has seen the replica answer, with everything the primary had written so far replayed;
    /// `probing` runs the probe itself (the app's periodic probe is not running).
    static func caughtUp(_ t: TestApp, probing: Bool = false) async throws {
        let replica = try #require(t.app.readReplica)
        let written = try #require(try await ReadReplica.primaryPosition(t.app.db))
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if probing { await replica.probe(t.app) }
            if replica.isUp, replica.position.replayed >= written { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the replica did not catch up within 120 s")
    }

    static func done(_ t: TestApp, unit: String, token: String) async throws -> Double {
        try DashboardTests.indicator(try await DashboardTests.dashboard(t, unit: unit, token: token), "vneid_level2.done").actual
    }

    static func routed(_ t: TestApp, _ database: String) async throws -> Double {
        MetricsTests.sample(try await t.send(.GET, "/metrics").text, "lantoa_db_routed_reads_total{database=\"\(database)\"}")
    }

    /// Log lines, kept for the test to read.
    final class Lines: LogHandler, @unchecked Sendable {
        let lines = NIOLockedValueBox<[String]>([])
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.withLockedValue { $0.append("\(event.level) \(event.message)") }
        }
    }

    @Test("Dashboards read from the standby: paused replay hides a new support from others, the writer sees it at once, the lag is on /metrics",
          .enabled(if: enabled))
    func dashboardsReadTheStandby() async throws {
        try await TestApp.run(.postgres, config: { $0.readReplicaURL = Self.standby(database: $0.storage) }) { t in
            try await t.app.asyncBoot()   // the periodic jobs, the replica's probe among them, as when serving
            let v = try await OutreachTests.village(t)
            let viewer = try await t.account("thanh-tra", role: .viewer, scope: Fixtures.provinceA)
            try await Self.caughtUp(t)
            let (onReplica, onPrimary) = (try await Self.routed(t, "replica"), try await Self.routed(t, "primary"))
            let before = try await Self.done(t, unit: v.hamlet, token: viewer)
            #expect(try await Self.routed(t, "replica") == onReplica + 1)
            #expect(try await Self.routed(t, "primary") == onPrimary)

            _ = try await Self.onStandby("SELECT pg_wal_replay_pause()::text AS v")
            do {
                // Paused for real before the write, so that what follows cannot be a race the standby happened to lose.
                var state = ""
                for _ in 0..<600 where state != "paused" {
                    state = try await Self.onStandby("SELECT pg_get_wal_replay_pause_state() AS v") ?? ""
                    if state != "paused" { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(state == "paused")
                var batch = OutreachTests.Batch()
                batch.activities = [.init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done")]
                #expect(try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).decode(SyncResponse.self).created == 1)

                // Another account reads the replica, which has not replayed the support.
                #expect(try await Self.done(t, unit: v.hamlet, token: viewer) == before)
                // The writer reads the primary: its support is there in the next request (its sweep list too).
                #expect(try await Self.done(t, unit: v.hamlet, token: v.leader) == before + 1)
                let sweep = try await t.send(.GET, "/api/v1/sweep?unit=\(v.hamlet)&service=vneid_level2", token: v.leader)
                #expect(try sweep.decode(SweepResponse.self).done == 1)
                // The lag is on /metrics: the replica answers, behind the primary.
                let metrics = try await t.send(.GET, "/metrics").text
                #expect(MetricsTests.sample(metrics, "lantoa_db_replica_up") == 1)
                #expect(MetricsTests.sample(metrics, "lantoa_db_replica_lag_bytes") > 0)
                // In seconds once the standby has received the support's WAL (it streams on while replay is paused).
                var seconds = 0.0
                for _ in 0..<300 where seconds == 0 {
                    seconds = MetricsTests.sample(try await t.send(.GET, "/metrics").text, "lantoa_db_replica_lag_seconds")
                    if seconds == 0 { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(seconds > 0)
            } catch {
                _ = try? await Self.onStandby("SELECT pg_wal_replay_resume()::text AS v")
                throw error
            }
            _ = try await Self.onStandby("SELECT pg_wal_replay_resume()::text AS v")
            try await Self.caughtUp(t)
            #expect(try await Self.done(t, unit: v.hamlet, token: viewer) == before + 1)
        }
    }

    @Test("With the standby stopped, dashboards, rankings, the review, campaigns and sweep lists answer from the primary with a log line; it is used again once back",
          .enabled(if: enabled))
    func stoppedStandby() async throws {
        try await TestApp.run(.postgres, config: { $0.readReplicaURL = Self.standby(database: $0.storage) }) { t in
            let replica = try #require(t.app.readReplica)
            let lines = Lines()
            replica.logger = Logger(label: "test") { _ in lines }
            // Not booted: no periodic probe may notice the stop before a read does, so that the read's own fall-back
            // is what answers; the test probes when it waits.
            let v = try await OutreachTests.village(t)
            let viewer = try await t.account("thanh-tra", role: .viewer, scope: Fixtures.provinceA)
            var batch = OutreachTests.Batch()
            batch.activities = [.init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done")]
            #expect(try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).decode(SyncResponse.self).created == 1)
            // A campaign of the commune, whose progress is a dashboard too.
            let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceA)
            struct Campaign: Encodable {
                var name = "Chiến dịch VNeID mức 2"
                var start = "2026-01-01"
                var end = "2026-12-31"
                var owner = Fixtures.provinceA
                var units = [Fixtures.communeA]
                var targets = [["indicator": "vneid_level2.done", "value": 10] as [String: AnyEncodable]]
            }
            let campaign = try await t.send(.POST, "/api/v1/campaigns", token: province, json: Campaign()).decode(CampaignResponse.self).id
            // Signed in first: a sign-in is a write, and the commune's reads would wait for the replica to replay it.
            let commune = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            try await Self.caughtUp(t, probing: true)
            #expect(try await Self.done(t, unit: v.hamlet, token: viewer) == 1)
            let onReplica = try await Self.routed(t, "replica")
            func sweepReads() async throws -> Int {
                try await AuditEntry.query(on: t.app.db).filter(\.$entity == "sweep").filter(\.$action == "read").count()
            }
            #expect(try await sweepReads() == 0)

            try await Self.standbyServer("stop")
            do {
                // The sweep page reads the replica, which fails: the page is answered from the primary, and the read of
                // personal data is recorded once.
                let page = try await commune.send(.GET, "/units/\(Fixtures.communeA)/sweep?service=vneid_level2")
                #expect(page.status == .ok && page.text.contains("Nguyễn Thị Hạnh"))
                #expect(try await sweepReads() == 1)
                #expect(MetricsTests.sample(try await t.send(.GET, "/metrics").text, "lantoa_db_replica_fallbacks_total") == 1)
                // Then everything reads the primary, without trying the replica.
                #expect(try await Self.done(t, unit: Fixtures.communeA, token: viewer) == 1)
                #expect(try await t.send(.GET, "/api/v1/rankings?unit=\(Fixtures.provinceA)&indicator=vneid_level2.done", token: viewer).status == .ok)
                #expect(try await t.send(.GET, "/api/v1/review?unit=\(Fixtures.provinceA)&indicator=vneid_level2.done", token: viewer).status == .ok)
                let progress = try await t.send(.GET, "/api/v1/campaigns/\(campaign)", token: viewer).decode(CampaignResponse.self)
                #expect(progress.progress?.first?.actual == 1)
                let sweep = try await t.send(.GET, "/api/v1/sweep?unit=\(v.hamlet)&service=vneid_level2", token: v.commune)
                #expect(try sweep.decode(SweepResponse.self).done == 1)
                // The pages too.
                let session = try await WebSession.signIn(t, login: "thanh-tra", password: "mat-khau-123")
                #expect(try await session.send(.GET, "/dashboard?unit=\(v.hamlet)").status == .ok)
                #expect(try await session.send(.GET, "/rankings?unit=\(Fixtures.provinceA)").status == .ok)
                #expect(try await session.send(.GET, "/reports").status == .ok)
                let metrics = try await t.send(.GET, "/metrics").text
                #expect(MetricsTests.sample(metrics, "lantoa_db_replica_up") == 0)
                #expect(MetricsTests.sample(metrics, "lantoa_db_replica_fallbacks_total") == 1)
                #expect(!metrics.split(separator: "\n").contains { $0.hasPrefix("lantoa_db_replica_lag_bytes ") })
                #expect(MetricsTests.sample(metrics, "lantoa_db_routed_reads_total{database=\"replica\"}") == onReplica)
                #expect(lines.lines.withLockedValue { $0 }.contains { $0.hasPrefix("warning Read replica unavailable") })
            } catch {
                try? await Self.standbyServer("start")
                throw error
            }
            try await Self.standbyServer("start")
            try await Self.caughtUp(t, probing: true)
            #expect(lines.lines.withLockedValue { $0 }.contains { $0.hasPrefix("notice Read replica answering") })
            #expect(try await Self.done(t, unit: v.hamlet, token: viewer) == 1)
            #expect(try await Self.routed(t, "replica") == onReplica + 1)
        }
    }
}
