import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Writing support activities: the rows, the first-done statuses and the rollups, in the caller's transaction.
extension SupportLogService {
    /// Writes activities (ignoring ids already present, should a retry race another), keeps the first date each
    /// service was done per resident or household, and updates the rollups, all in the caller's transaction.
    static func insert(_ activities: [SupportActivity], on db: any Database) async throws {
        guard !activities.isEmpty else { return }
        let sql = db as! any SQLDatabase
        let inserted = try await insertRows(activities, ignoringTaken: true, on: sql)
        let acts = activities.filter { inserted.contains($0.id!) }
        guard !acts.isEmpty else { return }
        let superseded = acts.contains { $0.supersedesID != nil }
            ? try await SupportActivity.query(on: db).filter(\.$id ~~ acts.compactMap(\.supersedesID)).all() : []
        // The first-done dates this batch may move, as they were before it.
        var touched = Set<Rollups.StatusKey>()
        for a in acts + superseded where a.outcome == .done {
            if let subject = a.residentID ?? a.householdID { touched.insert(.init(subject: subject, service: a.serviceCode)) }
        }
        // On PostgreSQL, batches of the same hamlets wait for each other from here to their commit: what is read next
        // (first-done dates, households first visited) decides what counts for the first time, and two batches
        // reading it at once would both count the same first time. SQLite has one writer at a time already.
        if sql.engine == .postgres {
            let keys = Set((acts + superseded).map { Rollups.lockKey($0.hamletID) }).sorted()
            try await sql.raw("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(\(bind: keys)) AS k ORDER BY 1) AS locks").run()
        }
        let before = try await Rollups.statuses(touched, on: db)
        // The earliest done date per resident (or household) and service in this batch, then one upsert per chunk
        // that keeps the earlier of the stored and the new date.
        var earliest: [String: (subject: UUID, service: String, path: String, on: String)] = [:]
        for a in acts where a.outcome == .done {
            guard let subject = a.residentID ?? a.householdID else { continue }
            let key = "\(subject)|\(a.serviceCode)"
            if let known = earliest[key], known.on <= a.happenedOn { continue }
            earliest[key] = (subject, a.serviceCode, a.unitPath, a.happenedOn)
        }
        for chunk in Array(earliest.values).chunked(300) {
            var insert = sql.insert(into: ServiceStatus.schema).columns("id", "subject_id", "service_code", "unit_path", "first_done_on")
            for s in chunk {
                insert = insert.values([SQLBind(UUID()), SQLBind(s.subject), SQLBind(s.service), SQLBind(s.path), SQLBind(s.on)] as [any SQLExpression])
            }
            try await insert.onConflict(with: ["subject_id", "service_code"]) { update in
                update.set(excludedValueOf: "first_done_on")
                    .where(SQLColumn("first_done_on", table: "excluded"), .lessThan, SQLColumn("first_done_on", table: ServiceStatus.schema))
            }.run()
        }
        // A correction supersedes an earlier entry: the statuses it touched are recomputed from what still counts.
        for old in superseded {
            guard let subject = old.residentID ?? old.householdID else { continue }
            try await recomputeStatus(subject: subject, service: old.serviceCode, on: db)
        }
        try await Rollups.activitiesInserted(acts, touched: touched, statusBefore: before, on: db)
    }

    /// Writes activity rows as multi-row INSERTs of 300; with `ignoringTaken`, ids already present are skipped (on the
    /// primary key, which a partitioned support log extends with the day: `SupportLogPartitions`).
    /// Returns the ids written.
    @discardableResult
    static func insertRows(_ activities: [SupportActivity], ignoringTaken: Bool, on sql: any SQLDatabase) async throws -> Set<UUID> {
        var written = Set<UUID>()
        for chunk in activities.chunked(300) {
            var insert = sql.insert(into: SupportActivity.schema)
                .columns("id", "received_at", "hamlet_id", "unit_path", "team_id", "recorded_by", "resident_id", "household_id",
                         "anonymous_count", "service_code", "outcome", "reason", "channel", "happened_on", "supersedes_id")
            for a in chunk {
                insert = insert.values([
                    SQLBind(a.id!), SQLBind(a.receivedAt), SQLBind(a.hamletID), SQLBind(a.unitPath), SQLBind(a.teamID), SQLBind(a.recordedBy),
                    SQLBind(a.residentID), SQLBind(a.householdID), SQLBind(a.anonymousCount), SQLBind(a.serviceCode),
                    SQLBind(a.outcome.rawValue), SQLBind(a.reason), SQLBind(a.channel.rawValue), SQLBind(a.happenedOn), SQLBind(a.supersedesID),
                ] as [any SQLExpression])
            }
            if ignoringTaken {
                for row in try await insert.ignoringConflicts().returning("id").all() {
                    written.insert(try row.decode(column: "id", as: UUID.self))
                }
            } else {
                try await insert.run()
                written.formUnion(chunk.map { $0.id! })
            }
        }
        return written
    }

    static func recomputeStatus(subject: UUID, service: String, on db: any Database) async throws {
        let all = try await SupportActivity.query(on: db).group(.or) { $0.filter(\.$residentID == subject).filter(\.$householdID == subject) }
            .filter(\.$serviceCode == service).all()
        // Superseded by any entry, the subject's own corrections or another record's (a merge moves supports away).
        let supersededIDs = all.isEmpty ? Set<UUID>() : Set(try await SupportActivity.query(on: db).filter(\.$supersedesID ~~ all.map(\.id!))
            .all(\.$supersedesID).compactMap { $0 })
        let firstDone = all.filter { $0.outcome == .done && !supersededIDs.contains($0.id!) }.map(\.happenedOn).min()
        try await ServiceStatus.query(on: db).filter(\.$subjectID == subject).filter(\.$serviceCode == service).delete()
        if let firstDone, let any = all.first {
            let status = ServiceStatus()
            status.subjectID = subject
            status.serviceCode = service
            status.unitPath = any.unitPath
            status.firstDoneOn = firstDone
            try await status.create(on: db)
        }
    }
}
