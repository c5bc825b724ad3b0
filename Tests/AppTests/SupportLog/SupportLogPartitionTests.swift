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

    /// A support as an import would write it, for a day the sync refuses.
    static func activity(like model: SupportActivity, on day: String) -> SupportActivity {
        let a = SupportActivity()
        a.id = UUID(); a.receivedAt = Date(); a.hamletID = model.hamletID; a.unitPath = model.unitPath
        a.anonymousCount = 0; a.serviceCode = "safe_internet"; a.outcome = .done; a.reason = ""
        a.channel = model.channel; a.happenedOn = day
        return a
    }

    @Test("Supports land in their month's partition (a day before 2022 in the default one); a resent batch is answered duplicate; the log stays append-only; revert and migrate again keep every row; the daily job adds missing months",
          .enabled(if: Engine.available.contains(.postgres), "needs LANTOA_TEST_POSTGRES_URL"))
    func partitionedByMonth() async throws {
        try await TestApp.run(.postgres) { t in
            let sql = t.app.db as! any SQLDatabase
            #expect(try await SupportLogPartitions.isPartitioned(sql))
            let current = SupportLogPartitions.Month(AppClock.system.today())
            let months = try await SupportLogPartitions.months(sql)
            // Every month from the first a support may have (January 2022) to a year after the migration's.
            #expect(months == SupportLogPartitions.Month.range(from: .init(year: 2022, month: 1), to: current.adding(months: 12)).map(\.text))

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

            // A day before any partition (no phone sends one: the sync refuses days before 2022) goes to the default one.
            let old = Self.activity(like: stored[0], on: "2021-06-01")
            try await SupportLogService.insertRows([old], ignoringTaken: false, on: sql)
            let ids = batch.activities.map(\.id)
            let expected = [ids[0]: "support_activities_2026_11", ids[1]: "support_activities_2026_10", ids[2]: "support_activities_2022_03",
                            old.id!: "support_activities_default"]
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
            #expect(before.count == 4)
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
            #expect(try await Self.partitions(sql) == expected)
            #expect(try await Self.indexes("support_activities", sql) == parentIndexes)
            #expect(try await SupportLogPartitions.months(sql) == months)
            await #expect(throws: (any Error).self) { try await sql.raw("UPDATE support_activities SET reason = 'x'").run() }

            // The daily job: a missing month ahead is created; a month whose days already sit in the default partition
            // is named, its rows left where they are.
            let served = SupportLogPartitions.Month(t.app.clock.today())
            let (ahead, later) = (served.adding(months: 3), served.adding(months: 12))
            try await sql.raw("DROP TABLE \(ident: SupportLogPartitions.name(month: ahead.text))").run()
            try await sql.raw("DROP TABLE \(ident: SupportLogPartitions.name(month: later.text))").run()
            let stray = Self.activity(like: stored[0], on: later.firstDay)
            try await SupportLogService.insertRows([stray], ignoringTaken: false, on: sql)
            let kept = try await SupportLogPartitions.keep(t.app)
            #expect(kept.created == [ahead.text] && kept.blocked == [later.text])
            #expect(try await Self.partitions(sql)[stray.id!] == "support_activities_default")
            #expect(try await SupportLogPartitions.extend(today: AppClock.system.today(), on: t.app.db).created.isEmpty)
        }
    }
}
