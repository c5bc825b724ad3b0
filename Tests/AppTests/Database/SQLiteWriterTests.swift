import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLiteNIO
import Testing
import Vapor
@testable import App

@Suite("SQLite writers")
struct SQLiteWriterTests {
    struct Target: Encodable { var unit: String; var indicator: String; var period: String; var value: Double }

    /// A background job (audit sealing, the outbox worker) holding the write lock when a request that reads before it
    /// writes reaches its transaction: the request waits for the lock and succeeds. Before every writing transaction
    /// took the lock first, SQLite refused it at once and the request answered 503 (`PUT /targets` in the contract run).
    @Test("A request that reads before it writes waits for a write lock held elsewhere, then succeeds")
    func waitsForTheLock() async throws {
        var file = ""
        try await TestApp.run(.sqlite, config: { if case let .sqlite(path) = $0.storage { file = path } }) { t in
            let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceA)
            let target = Target(unit: Fixtures.communeA, indicator: "vneid_level2.done", period: "2027", value: 80)

            // Another connection, outside the application's pool, takes the write lock and keeps it.
            let other = try await SQLiteConnection.open(storage: .file(path: file), threadPool: .singleton,
                                                        logger: Logger(label: "other"), on: MultiThreadedEventLoopGroup.singleton.any())
            _ = try await other.query("BEGIN IMMEDIATE")
            let answered = NIOLockedValueBox(false)
            let request = Task {
                let reply = try await t.send(.PUT, "/api/v1/targets", token: province, json: target)
                answered.withLockedValue { $0 = true }
                return reply
            }
            // The request reads the existing target, then must write: it is still waiting while the lock is held.
            try await Task.sleep(for: .seconds(1.5))
            let answeredWhileLocked = answered.withLockedValue { $0 }
            _ = try await other.query("COMMIT")
            try await other.close()
            let reply = try await request.value
            #expect(!answeredWhileLocked)
            #expect(reply.status == .ok, "\(reply.text)")

            let stored = try await TargetRecord.query(on: t.app.db).filter(\.$indicatorCode == "vneid_level2.done")
                .filter(\.$period == "2027").all()
            #expect(stored.map(\.value) == [80])
        }
    }
}
