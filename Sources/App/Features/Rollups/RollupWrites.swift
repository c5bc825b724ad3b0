import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import SQLKit

extension Rollups {
    /// New residents: counted, and counted as eligible for each age from the year they reach it.
    static func residentsCreated(_ residents: [Resident], on db: any Database) async throws {
        try await count(residents, 1, on: db)
    }

    /// Residents no longer counted (merged into the record of the same person): the exact opposite of `residentsCreated`.
    static func residentsRemoved(_ residents: [Resident], on db: any Database) async throws {
        try await count(residents, -1, on: db)
    }

    private static func count(_ residents: [Resident], _ sign: Int64, on db: any Database) async throws {
        guard !residents.isEmpty else { return }
        let ages = try await eligibilityAges(on: db)
        let chains = try await chains(for: Set(residents.map(\.unitPath)), on: db)
        var deltas = Deltas()
        for r in residents {
            let units = chains[r.unitPath]!
            let recorded = localDate(r.createdAt)
            deltas.add(units, "residents", on: recorded, sign)
            for age in ages { deltas.add(units, eligibleKey(age), on: eligibleFrom(birthYear: r.birthYear, age: age, recorded: recorded), sign) }
        }
        try await deltas.apply(on: db)
    }

    /// A resident's birth year or hamlet corrected: the figures move with them.
    static func residentMoved(_ r: Resident, from old: (path: String, birthYear: Int), on db: any Database) async throws {
        guard old.path != r.unitPath || old.birthYear != r.birthYear else { return }
        let ages = try await eligibilityAges(on: db)
        let chains = try await chains(for: Set([r.unitPath, old.path]), on: db)
        let recorded = localDate(r.createdAt)
        var deltas = Deltas()
        deltas.add(chains[old.path]!, "residents", on: recorded, -1)
        deltas.add(chains[r.unitPath]!, "residents", on: recorded, 1)
        for age in ages {
            deltas.add(chains[old.path]!, eligibleKey(age), on: eligibleFrom(birthYear: old.birthYear, age: age, recorded: recorded), -1)
            deltas.add(chains[r.unitPath]!, eligibleKey(age), on: eligibleFrom(birthYear: r.birthYear, age: age, recorded: recorded), 1)
        }
        try await deltas.apply(on: db)
    }

    /// Counts every resident as eligible at `age` (a service with a new minimum age joined the catalogue).
    static func countEligible(age: Int, on db: any Database) async throws {
        let cohorts = try await RollupBuilder.residentCohorts(on: db)
        let chains = try await chains(for: Set(cohorts.map(\.path)), on: db)
        var deltas = Deltas()
        for c in cohorts {
            deltas.add(chains[c.path]!, eligibleKey(age), on: eligibleFrom(birthYear: c.birthYear, age: age, recorded: c.recorded), c.count)
        }
        try await deltas.apply(on: db)
    }

    static func householdsCreated(_ households: [Household], on db: any Database) async throws {
        guard !households.isEmpty else { return }
        let chains = try await chains(for: Set(households.map(\.unitPath)), on: db)
        var deltas = Deltas()
        for h in households { deltas.add(chains[h.unitPath]!, "households", on: localDate(h.createdAt), 1) }
        try await deltas.apply(on: db)
    }

    /// A team founded (+1) or dissolved (-1) on `date`.
    static func team(at path: String, on date: LocalDate, _ change: Int64, on db: any Database) async throws {
        var deltas = Deltas()
        deltas.add(try await chains(for: [path], on: db)[path]!, "teams", on: date, change)
        try await deltas.apply(on: db)
    }

    /// A membership opened on `from` and, when it has ended, closed after `to`.
    static func membership(at path: String, from: LocalDate?, to: LocalDate?, _ sign: Int64, on db: any Database) async throws {
        var deltas = Deltas()
        let units = try await chains(for: [path], on: db)[path]!
        if let from { deltas.add(units, "members", on: from, sign) }
        if let to, to != .distantFuture { deltas.add(units, "members", on: to.nextDay, -sign) }
        try await deltas.apply(on: db)
    }

    /// A team's compliance with the composition rules changed (counted while the team is active).
    static func compliance(at path: String, was: Bool, now: Bool, on db: any Database) async throws {
        guard was != now else { return }
        var deltas = Deltas()
        deltas.addCurrent(try await chains(for: [path], on: db)[path]!, "teams_compliant", now ? 1 : -1)
        try await deltas.apply(on: db)
    }

    /// New support activities (already inserted): supports done, each superseded entry taken back, the first-done
    /// dates that moved (`before` → current `service_status`), households first visited, teams' last activity.
    static func activitiesInserted(_ acts: [SupportActivity], touched: Set<StatusKey>, statusBefore: [StatusKey: StatusValue],
                                   on db: any Database) async throws {
        guard !acts.isEmpty else { return }
        let sql = db as! any SQLDatabase
        let actIDs = Set(acts.map { $0.id! })
        let targets = Set(acts.compactMap(\.supersedesID))
        // Who supersedes whom, among the new activities and the ones they correct.
        var supersededBy: [UUID: [UUID]] = [:]
        for chunk in Array(actIDs.union(targets)).chunked(500) {
            for row in try await sql.select().column("id").column("supersedes_id").from(SupportActivity.schema)
                .where("supersedes_id", .in, SQLBind.group(Array(chunk))).all() {
                supersededBy[try row.decode(column: "supersedes_id", as: UUID.self), default: []].append(try row.decode(column: "id", as: UUID.self))
            }
        }
        let corrected = targets.subtracting(actIDs).isEmpty ? [] :
            try await SupportActivity.query(on: db).filter(\.$id ~~ Array(targets.subtracting(actIDs))).all()
        let statusAfter = try await statuses(touched, on: db)
        var paths = Set(acts.map(\.unitPath)).union(corrected.map(\.unitPath))
        paths.formUnion(statusBefore.values.map(\.path))
        paths.formUnion(statusAfter.values.map(\.path))

        // Households visited: directly, or through a resident's household.
        let residentIDs = Array(Set(acts.compactMap(\.residentID)))
        var householdOf: [UUID: UUID] = [:]
        for chunk in residentIDs.chunked(500) {
            for row in try await sql.select().column("id").column("household_id").from(Resident.schema)
                .where("id", .in, SQLBind.group(Array(chunk))).where("household_id", .isNot, SQLLiteral.null).all() {
                householdOf[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "household_id", as: UUID.self)
            }
        }
        var visit: [UUID: String] = [:]
        for a in acts {
            guard let h = a.householdID ?? a.residentID.flatMap({ householdOf[$0] }) else { continue }
            if let known = visit[h], known <= a.happenedOn { continue }
            visit[h] = a.happenedOn
        }
        var visitChanges: [(path: String, old: String?, new: String)] = []
        var known: [UUID: (path: String, first: String)] = [:]
        for chunk in Array(visit.keys).chunked(500) {
            for row in try await sql.select().column("household_id").column("unit_path").column("first_on").from("household_visits")
                .where("household_id", .in, SQLBind.group(Array(chunk))).all() {
                known[try row.decode(column: "household_id", as: UUID.self)] = (try row.decode(column: "unit_path", as: String.self),
                                                                                 try row.decode(column: "first_on", as: String.self))
            }
        }
        var newVisits: [(UUID, String)] = []
        for (id, on) in visit where known[id].map({ on < $0.first }) ?? true { newVisits.append((id, on)) }
        if !newVisits.isEmpty {
            // Paths of households seen for the first time.
            var pathOf: [UUID: String] = [:]
            for chunk in newVisits.filter({ known[$0.0] == nil }).map(\.0).chunked(500) {
                for h in try await Household.query(on: db).filter(\.$id ~~ Array(chunk)).all() { pathOf[h.id!] = h.unitPath }
            }
            newVisits.sort { $0.0.uuidString < $1.0.uuidString }
            for chunk in newVisits.chunked(300) {
                var insert = sql.insert(into: "household_visits").columns("household_id", "unit_path", "first_on")
                for (id, on) in chunk {
                    guard let path = known[id]?.path ?? pathOf[id] else { continue }
                    insert = insert.values([SQLBind(id), SQLBind(path), SQLBind(on)] as [any SQLExpression])
                    visitChanges.append((path, known[id]?.first, on))
                }
                try await insert.onConflict(with: ["household_id"]) { $0.set(excludedValueOf: "first_on") }.run()
            }
        }
        paths.formUnion(visitChanges.map(\.path))
        let chains = try await chains(for: paths, on: db)

        var deltas = Deltas()
        func weight(_ a: SupportActivity) -> Int64 { Int64(a.anonymousCount > 0 ? a.anonymousCount : 1) }
        for a in acts where a.outcome == .done && supersededBy[a.id!] == nil {
            deltas.add(chains[a.unitPath]!, doneKey(a.serviceCode), on: LocalDate(a.happenedOn)!, weight(a))
        }
        for x in corrected where x.outcome == .done {
            // It counted until now unless an earlier correction had already taken it back.
            if (supersededBy[x.id!] ?? []).allSatisfy({ actIDs.contains($0) }) {
                deltas.add(chains[x.unitPath]!, doneKey(x.serviceCode), on: LocalDate(x.happenedOn)!, -weight(x))
            }
        }
        for key in Set(statusBefore.keys).union(statusAfter.keys) {
            let (old, new) = (statusBefore[key], statusAfter[key])
            guard old?.firstDone != new?.firstDone else { continue }
            if let old { deltas.add(chains[old.path]!, firstKey(key.service), on: LocalDate(old.firstDone)!, -1) }
            if let new { deltas.add(chains[new.path]!, firstKey(key.service), on: LocalDate(new.firstDone)!, 1) }
        }
        for change in visitChanges {
            if let old = change.old { deltas.add(chains[change.path]!, "households_visited", on: LocalDate(old)!, -1) }
            deltas.add(chains[change.path]!, "households_visited", on: LocalDate(change.new)!, 1)
        }
        try await deltas.apply(on: db)

        // The teams' latest support, for the list of teams gone quiet.
        var latest: [UUID: String] = [:]
        for a in acts { if let t = a.teamID, latest[t].map({ $0 < a.happenedOn }) ?? true { latest[t] = a.happenedOn } }
        if !latest.isEmpty {
            var insert = sql.insert(into: "team_activity").columns("team_id", "last_on")
            for (team, on) in latest.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
                insert = insert.values([SQLBind(team), SQLBind(on)] as [any SQLExpression])
            }
            try await insert.onConflict(with: ["team_id"]) { update in
                update.set(excludedValueOf: "last_on")
                    .where(SQLColumn("last_on", table: "excluded"), .greaterThan, SQLColumn("last_on", table: "team_activity"))
            }.run()
        }
    }

    struct StatusKey: Hashable {
        var subject: UUID
        var service: String
    }

    struct StatusValue {
        var path: String
        var firstDone: String
    }

    /// The stored first-done dates of `keys`.
    /// The first-done statuses of these subjects: what sync reads before each batch (held to its index by QueryPlanTests).
    static func statusSelect(_ subjects: [UUID], on sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().column("subject_id").column("service_code").column("unit_path").column("first_done_on")
            .from(ServiceStatus.schema).where("subject_id", .in, SQLBind.group(subjects))
    }

    static func statuses(_ keys: Set<StatusKey>, on db: any Database) async throws -> [StatusKey: StatusValue] {
        var found: [StatusKey: StatusValue] = [:]
        let subjects = Array(Set(keys.map(\.subject)))
        for chunk in subjects.chunked(500) {
            for row in try await statusSelect(Array(chunk), on: db as! any SQLDatabase).all() {
                let key = StatusKey(subject: try row.decode(column: "subject_id", as: UUID.self),
                                    service: try row.decode(column: "service_code", as: String.self))
                guard keys.contains(key) else { continue }
                found[key] = StatusValue(path: try row.decode(column: "unit_path", as: String.self),
                                         firstDone: try row.decode(column: "first_done_on", as: String.self))
            }
        }
        return found
    }
}
