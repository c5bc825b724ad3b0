import Fluent
import Foundation
import LanToaCore
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("The support log partitioned by month on PostgreSQL")
struct SupportLogPartitionTests {
    /// Every row of the support log, as text, in id order.
    static func rows(_ sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("""
            SELECT id::text || ' ' || happened_on || ' ' || service_code || ' ' || outcome || ' ' || unit_path AS row FROM support_activities ORDER BY id
            """).all().map { try $0.decode(column: "row", as: String.self) }
    }

    /// The partition each support is stored in, by id.
    static func partitions(_ sql: any SQLDatabase) async throws -> [UUID: String] {
        var found: [UUID: String] = [:]
        for row in try await sql.raw("SELECT id, tableoid::regclass::text AS part FROM support_activities").all() {
            found[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "part", as: String.self)
        }
        return found
    }

    /// Index names of a table (a partition's are named by PostgreSQL after its parent's).
    static func indexes(_ table: String, _ sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("SELECT indexdef FROM pg_indexes WHERE tablename = \(bind: table) ORDER BY 1").all()
            .map { try $0.decode(column: "indexdef", as: String.self) }
    }

    @Test("Supports land in their month's partition (a day older than the partitions in the default one, until a migration with it); a resent batch is answered duplicate; the log stays append-only; revert and migrate again keep every row; the daily job adds missing months",
          .enabled(if: Engine.available.contains(.postgres), "needs LANTOA_TEST_POSTGRES_URL"))
    func partitionedByMonth() async throws {
        try await TestApp.run(.postgres) { t in
            let sql = t.app.db as! any SQLDatabase
            #expect(try await SupportLogPartitions.isPartitioned(sql))
            let current = SupportLogPartitions.Month(AppClock.system.today())
            let months = try await SupportLogPartitions.months(sql)
            // The migration ran on an empty log: a year back and a year ahead of the month it ran in.
            #expect(months == SupportLogPartitions.Month.range(from: current.adding(months: -12), to: current.adding(months: 12)).map(\.text))

            let v = try await OutreachTests.village(t)
            var batch = OutreachTests.Batch()
            let days = ["2026-11-20", "2026-10-03", "2022-03-01"]
            batch.activities = days.map { .init(id: UUID(), resident: v.residents[0], service: "safe_internet", outcome: "done", on: $0) }
            let first = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).decode(SyncResponse.self)
            #expect(first.created == 3)
            let again = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).decode(SyncResponse.self)
            #expect(again.created == 0 && again.duplicates == 3)
            // A retry that raced past the check meets the primary key (id, day) and writes nothing.
            let stored = try await SupportActivity.query(on: t.app.db).all()
            #expect(try await SupportLogService.insertRows(stored, ignoringTaken: true, on: sql).isEmpty)
            #expect(try await SupportActivity.query(on: t.app.db).count() == 3)

            let ids = batch.activities.map(\.id)
            let expected = [ids[0]: "support_activities_2026_11", ids[1]: "support_activities_2026_10", ids[2]: "support_activities_default"]
            #expect(try await Self.partitions(sql) == expected)
            // A month's range reads that month's partition only.
            let plan = try await sql.raw("""
                EXPLAIN SELECT COUNT(*) FROM support_activities WHERE happened_on >= \(bind: "2026-11-01") AND happened_on < \(bind: "2026-12-01")
                """).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: "\n")
            #expect(plan.contains("support_activities_2026_11") && !plan.contains("support_activities_2026_10")
                    && !plan.contains("support_activities_default"), "\(plan)")
            // Append-only, through the table and on a partition.
            for statement in ["UPDATE support_activities SET reason = 'x'", "DELETE FROM support_activities_2026_11",
                              "UPDATE support_activities_default SET reason = 'x'", "TRUNCATE support_activities"] {
                await #expect(throws: (any Error).self, "\(statement)") { try await sql.raw(SQLQueryString(statement)).run() }
            }
            // Each partition carries the table's indexes, also after a bulk load sets them aside and builds them again.
            let parentIndexes = try await Self.indexes("support_activities", sql)
            let partitionIndexes = try await Self.indexes("support_activities_2026_11", sql)
            #expect(parentIndexes.count == 5 && partitionIndexes.count == parentIndexes.count)
            var deferred = DeferredIndexes(db: t.app.db)
            try await deferred.drop(on: ["support_activities"])
            #expect(try await Self.indexes("support_activities_2026_11", sql).count == 1)
            try await deferred.restore()
            #expect(try await Self.indexes("support_activities", sql) == parentIndexes)
            #expect(try await Self.indexes("support_activities_2026_11", sql) == partitionIndexes)

            // Revert to one table and migrate again: the same rows, in the same partitions, with the same indexes.
            let before = try await Self.rows(sql)
            #expect(before.count == 3)
            try await PartitionSupportLog().revert(on: t.app.db)
            #expect(try await !SupportLogPartitions.isPartitioned(sql))
            #expect(try await Self.rows(sql) == before)
            let key = try await sql.raw("""
                SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'support_activities'::regclass AND contype = 'p'
                """).first(decodingColumn: "def", as: String.self)
            #expect(key == "PRIMARY KEY (id)")
            await #expect(throws: (any Error).self) { try await sql.raw("DELETE FROM support_activities").run() }
            try await PartitionSupportLog().prepare(on: t.app.db)
            #expect(try await Self.rows(sql) == before)
            // Migrated with its rows, the log has months from its oldest support's: that one has a partition now.
            var moved = expected
            moved[ids[2]] = "support_activities_2022_03"
            #expect(try await Self.partitions(sql) == moved)
            #expect(try await Self.indexes("support_activities", sql) == parentIndexes)
            #expect(try await SupportLogPartitions.months(sql).first == "2022-03")
            await #expect(throws: (any Error).self) { try await sql.raw("UPDATE support_activities SET reason = 'x'").run() }

            // The daily job: a missing month ahead is created; a month whose days already sit in the default partition
            // is named, its rows left where they are.
            let served = SupportLogPartitions.Month(t.app.clock.today())
            let (ahead, later) = (served.adding(months: 3), served.adding(months: 12))
            try await sql.raw("DROP TABLE \(ident: SupportLogPartitions.name(month: ahead.text))").run()
            try await sql.raw("DROP TABLE \(ident: SupportLogPartitions.name(month: later.text))").run()
            let stray = SupportActivity()
            stray.id = UUID(); stray.receivedAt = Date(); stray.hamletID = stored[0].hamletID; stray.unitPath = stored[0].unitPath
            stray.anonymousCount = 0; stray.serviceCode = "safe_internet"; stray.outcome = .done; stray.reason = ""
            stray.channel = stored[0].channel; stray.happenedOn = later.firstDay
            try await SupportLogService.insertRows([stray], ignoringTaken: false, on: sql)
            let kept = try await SupportLogPartitions.keep(t.app)
            #expect(kept.created == [ahead.text] && kept.blocked == [later.text])
            #expect(try await Self.partitions(sql)[stray.id!] == "support_activities_default")
            #expect(try await SupportLogPartitions.extend(today: AppClock.system.today(), on: t.app.db).created.isEmpty)
        }
    }
}
