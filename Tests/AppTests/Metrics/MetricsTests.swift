@testable import App
import Fluent
import Foundation
import Testing
import Vapor

@Suite("Operational metrics: /metrics in the Prometheus format, for this machine or the configured token")
struct MetricsTests {
    static let token = "metrics-token-for-the-tests-0123456789"

    /// The value of one sample (`name{labels}`) in a scrape, 0 when absent.
    static func sample(_ text: String, _ series: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? .nan
        }
        return 0
    }

    /// Serialized: Vapor's request counts are the process's, so the other engine's refusals would count here too.
    @Test("Requests by route, sync items by status and the outbox's depth; refused off this machine without the token",
          .serialized, arguments: Engine.available)
    func scrape(engine: Engine) async throws {
        try await TestApp.run(engine, config: { $0.behindProxy = true; $0.metricsToken = Self.token }) { t in
            // Through the proxy from elsewhere: refused without the token, answered with it.
            let away = [("X-Forwarded-For", "203.0.113.9")]
            let before = try await t.send(.GET, "/metrics", token: Self.token, headers: away)
            #expect(before.status == .ok)
            #expect(before.headers.first(name: .contentType)?.hasPrefix("text/plain; version=0.0.4") == true)
            let refused = "http_requests_total{method=\"GET\",path=\"/metrics\",status=\"403\"}"
            #expect(try await t.send(.GET, "/metrics", headers: away).status == .forbidden)
            #expect(try await t.send(.GET, "/metrics", token: "not-the-token-not-the-token-0000", headers: away).status == .forbidden)
            // This machine needs no token. Vapor counts a request once its answer is ready, so the two refusals are in.
            let local = try await t.send(.GET, "/metrics")
            #expect(local.status == .ok)
            #expect(Self.sample(local.text, refused) == Self.sample(before.text, refused) + 2)
            #expect(local.text.contains("# TYPE http_request_duration_seconds histogram"))
            let post = try await t.send(.POST, "/metrics")
            #expect(post.status == .methodNotAllowed)
            #expect(post.headers.first(name: .allow) == "GET, HEAD")

            // A batch of 8 new items, then the same again: 8 duplicates.
            let v = try await OutreachTests.village(t)
            var batch = OutreachTests.Batch()
            batch.activities = [.init(id: UUID(), resident: v.residents[0], service: "safe_internet", outcome: "done"),
                                .init(id: UUID(), resident: v.residents[1], service: "no_such_service", outcome: "done")]
            _ = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch)
            let synced = try await t.send(.GET, "/metrics").text
            #expect(Self.sample(synced, "lantoa_sync_items_total{kind=\"household\",status=\"created\"}") == 3)
            #expect(Self.sample(synced, "lantoa_sync_items_total{kind=\"resident\",status=\"created\"}") == 5)
            #expect(Self.sample(synced, "lantoa_sync_items_total{kind=\"activity\",status=\"created\"}") == 1)
            #expect(Self.sample(synced, "lantoa_sync_items_total{kind=\"activity\",status=\"rejected\"}") == 1)

            // The outbox's depth is read at each scrape; a status emptied reads 0.
            let account = try #require(try await User.query(on: t.app.db).first())
            for i in 0..<3 {
                let m = OutboxMessage()
                m.recipientID = account.id!
                m.unitPath = "/"
                m.kind = "test"
                m.dedupeKey = "metrics-\(i)"
                m.message = "Tin nhắn \(i)"
                m.status = "pending"
                try await m.create(on: t.app.db)
            }
            #expect(Self.sample(try await t.send(.GET, "/metrics").text, "lantoa_outbox_messages{status=\"pending\"}") == 3)
            try await OutboxMessage.query(on: t.app.db).set(\.$status, to: "sent").update()
            let sent = try await t.send(.GET, "/metrics").text
            #expect(Self.sample(sent, "lantoa_outbox_messages{status=\"pending\"}") == 0 && sent.contains("lantoa_outbox_messages{status=\"pending\"} 0"))
            #expect(Self.sample(sent, "lantoa_outbox_messages{status=\"sent\"}") == 3)
        }
    }
}

extension MetricsTests {
    @Test("The wait for a database connection is sampled on each event loop's pool: a pool whose connections are all held makes its sample wait",
          arguments: Engine.available)
    func poolWaits(engine: Engine) async throws {
        // Without the periodic jobs, the samples are only those this test takes.
        try await TestApp.run(engine, config: { $0.periodicJobs = false }) { t in
            let app = t.app
            let loops = Array(app.eventLoopGroup.makeIterator())
            let first = try #require(app.databases.database(logger: app.logger, on: loops[0]))
            // Every connection of the first loop's pool, held until `release`.
            let release = loops[0].makePromise(of: Void.self)
            var held: [EventLoopFuture<Void>] = []
            for _ in 0..<connectionsPerEventLoop(app.lantoaConfig, loops: loops.count) {
                let had = loops[0].makePromise(of: Void.self)
                held.append(PoolWaitProbe.withPooledConnection(first, on: loops[0]) {
                    had.succeed(())
                    return release.futureResult
                })
                try await had.futureResult.get()
            }
            async let sampled: Void = PoolWaitProbe.sample(app)
            try await Task.sleep(for: .seconds(1))
            release.succeed(())
            await sampled
            for future in held { try await future.get() }

            // One sample per event loop; the first loop's waited for the held connections, the others did not.
            let text = try await t.send(.GET, "/metrics").text
            let series = "lantoa_db_pool_wait_seconds"
            #expect(text.contains("# TYPE \(series) histogram"))
            #expect(Self.sample(text, "\(series)_count{database=\"primary\"}") == Double(loops.count))
            #expect(Self.sample(text, "\(series)_bucket{database=\"primary\",le=\"0.5\"}") == Double(loops.count - 1))
            #expect(Self.sample(text, "\(series)_bucket{database=\"primary\",le=\"+Inf\"}") == Double(loops.count))
            #expect(Self.sample(text, "\(series)_count{database=\"replica\"}") == 0)
        }
    }
}
