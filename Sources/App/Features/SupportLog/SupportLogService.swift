import Fluent
import Foundation
import LanToaCore
import SQLKit
import Vapor

/// Households, residents, the support log and the sweep lists (rà từng người) of door-to-door outreach.
struct SupportLogService {
    let scope: Scope
    let clock: AppClock
    let protector: PersonalDataProtector

    static let maximumBatch = 1000
    /// People counted at one meeting without names (a hamlet hall holds a few hundred).
    static let maximumAnonymousCount = 500
    /// The programme began in 2022: no support is dated before.
    static let earliestSupport = LocalDate(year: 2022, month: 1, day: 1)!

    // MARK: sync

    /// Applies a batch from a phone: each item is created, recognised as already received (`duplicate`), or rejected
    /// with its reasons; what is created is written in one transaction before the answer.
    func sync(_ batch: SyncRequest, describe: (FieldProblem) -> String) async throws -> SyncResponse {
        do {
            return try await syncOnce(batch, describe: describe)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another request wrote one of these ids or numbers between the checks and the insert (two retries of one
            // batch at once): read again, and the items it took are answered `duplicate` or rejected by name.
            return try await syncOnce(batch, describe: describe)
        }
    }

    private func syncOnce(_ batch: SyncRequest, describe: (FieldProblem) -> String) async throws -> SyncResponse {
        let households = batch.households ?? []
        let residents = batch.residents ?? []
        let activities = batch.activities ?? []
        guard households.count + residents.count + activities.count <= Self.maximumBatch else {
            throw AppError.invalid("items", "error.batch_too_large", String(Self.maximumBatch))
        }
        try scope.authorize(.recordSupport)
        let today = clock.today()
        var results: [SyncItemResult] = []
        func reject(_ kind: String, _ id: UUID?, _ problems: [FieldProblem]) {
            results.append(SyncItemResult(kind: kind, id: id, status: "rejected",
                                          errors: problems.map { SyncFieldError(field: $0.field, code: $0.key, args: $0.args, message: describe($0)) }))
        }

        // Hamlets named in the batch, as the actor sees them.
        let codes = Set(households.compactMap(\.hamlet) + residents.compactMap(\.hamlet) + activities.compactMap(\.hamlet))
        var hamlets: [String: Unit] = [:]
        var outside = Set<String>()
        if !codes.isEmpty {
            // Looked up beyond the scope only to answer "outside your area" (403) rather than "unknown".
            for unit in try await Unit.query(on: scope.db).filter(\.$code ~~ Array(codes)).filter(\.$tier == .hamlet)
                .filter(\.$validFrom <= today.iso).filter(\.$validTo >= today.iso).all() {
                if scope.contains(path: unit.path) { hamlets[unit.code] = unit } else { outside.insert(unit.code) }
            }
        }
        func hamletProblem(_ code: String?) -> (String, String) {
            guard let code else { return ("error.required", "") }
            return outside.contains(code) ? ("error.outside_scope", code) : ("error.unknown_unit", code)
        }
        // Ids already received.
        let existingHouseholds = try await existing(Household.self, households.compactMap(\.id))
        let existingResidents = try await existing(Resident.self, residents.compactMap(\.id))
        let existingActivities = try await existing(SupportActivity.self, activities.compactMap(\.id))

        var newHouseholds: [Household] = []
        var householdHamlet: [UUID: (UUID, String)] = [:]
        var seen = Set<UUID>()
        for p in households {
            if let id = p.id, existingHouseholds.contains(id) || seen.contains(id) {
                results.append(SyncItemResult(kind: "household", id: id, status: "duplicate", errors: nil))
                continue
            }
            switch household(p, hamlets: hamlets, hamletProblem: hamletProblem) {
            case let .invalid(problems): reject("household", p.id, problems)
            case let .valid(h):
                seen.insert(h.id!)
                newHouseholds.append(h)
                householdHamlet[h.id!] = (h.hamletID, h.unitPath)
                results.append(SyncItemResult(kind: "household", id: h.id, status: "created", errors: nil))
            }
        }
        // Households referred to by residents and activities that are already stored (in scope).
        let referred = Set(residents.compactMap(\.household) + activities.compactMap(\.household)).subtracting(householdHamlet.keys)
        if !referred.isEmpty {
            for h in try await scope.query(Household.self).filter(\.$id ~~ Array(referred)).all() {
                householdHamlet[h.id!] = (h.hamletID, h.unitPath)
                if !hamlets.values.contains(where: { $0.id == h.hamletID }), let unit = try await Unit.find(h.hamletID, on: scope.db) {
                    hamlets[unit.code] = unit
                }
            }
        }

        var newResidents: [Resident] = []
        var residentInfo: [UUID: (hamlet: UUID, path: String, birthYear: Int, household: UUID?, mergedInto: UUID?)] = [:]
        // One person, one record: numbers already recorded anywhere, and numbers repeated within the batch.
        let holders = try await CitizenIDRegistry(scope: scope).holders(of: residents.compactMap { p in
            p.cccd.flatMap { try? CitizenID(parsing: $0) }.map { protector.lookupHash($0.digits) }
        })
        var numbersInBatch = Set<String>()
        for p in residents {
            if let id = p.id, existingResidents.contains(id) || seen.contains(id) {
                results.append(SyncItemResult(kind: "resident", id: id, status: "duplicate", errors: nil))
                continue
            }
            switch resident(p, hamlets: hamlets, households: householdHamlet, hamletProblem: hamletProblem) {
            case let .invalid(problems): reject("resident", p.id, problems)
            case let .valid(r):
                if !r.cccdHash.isEmpty {
                    if let holder = holders[r.cccdHash] {
                        reject("resident", r.id, [CitizenIDRegistry.problem(holder)])
                        continue
                    }
                    guard numbersInBatch.insert(r.cccdHash).inserted else {
                        reject("resident", r.id, [FieldProblem("cccd", "error.cccd_repeated")])
                        continue
                    }
                }
                seen.insert(r.id!)
                newResidents.append(r)
                residentInfo[r.id!] = (r.hamletID, r.unitPath, r.birthYear, r.householdID, nil)
                results.append(SyncItemResult(kind: "resident", id: r.id, status: "created", errors: nil))
            }
        }
        let referredResidents = Set(activities.compactMap(\.resident)).subtracting(residentInfo.keys)
        if !referredResidents.isEmpty {
            for r in try await scope.query(Resident.self).filter(\.$id ~~ Array(referredResidents)).all() {
                residentInfo[r.id!] = (r.hamletID, r.unitPath, r.birthYear, r.householdID, r.mergedInto)
            }
        }
        // Entries to correct, found through the scope: another area's entries do not exist for this account.
        let correctedIDs = Array(Set(activities.compactMap(\.supersedes)))
        var corrected: [UUID: SupportActivity] = [:]
        for chunk in correctedIDs.chunked(500) {
            for a in try await scope.query(SupportActivity.self).filter(\.$id ~~ chunk).all() { corrected[a.id!] = a }
        }

        let catalogue = Dictionary(try await services().map { ($0.code, $0.service) }, uniquingKeysWith: { a, _ in a })
        var newActivities: [SupportActivity] = []
        let now = clock.now()
        for p in activities {
            if let id = p.id, existingActivities.contains(id) || seen.contains(id) {
                results.append(SyncItemResult(kind: "activity", id: id, status: "duplicate", errors: nil))
                continue
            }
            var problems = Problems()
            if p.id == nil { problems.add("id", "error.required") }
            let service = p.service.flatMap { catalogue[$0] }
            if service == nil { problems.add("service", p.service == nil ? "error.required" : "error.unknown_service", p.service ?? "") }
            let outcome = p.outcome.flatMap(SupportOutcome.init(rawValue:))
            if outcome == nil { problems.add("outcome", "error.choice", SupportOutcome.allCases.map(\.rawValue).joined(separator: ", ")) }
            var reason = ""
            if outcome == .guided {
                if let r = p.reason.flatMap(UnfinishedReason.init(rawValue:)) { reason = r.rawValue } else {
                    problems.add("reason", "error.choice", UnfinishedReason.allCases.map(\.rawValue).joined(separator: ", "))
                }
            }
            let channel = p.channel.map { SupportChannel(rawValue: $0) } ?? .doorToDoor
            if channel == nil { problems.add("channel", "error.choice", SupportChannel.allCases.map(\.rawValue).joined(separator: ", ")) }
            var on = today
            if let raw = p.on, !raw.isEmpty {
                if let d = LocalDate(raw) { on = d } else { problems.add("on", "error.date") }
                if on > today { problems.add("on", "error.future_date") }
                if on < Self.earliestSupport { problems.add("on", "error.date_before", Self.earliestSupport.vietnamese) }
            }
            // Whom: a resident, a household, or an anonymous count at a meeting in a hamlet.
            var hamletID: UUID?
            var path: String?
            if let r = p.resident {
                if let info = residentInfo[r], info.mergedInto != nil {
                    problems.add("resident", "error.resident_merged")
                } else if let info = residentInfo[r] {
                    (hamletID, path) = (info.hamlet, info.path)
                    if let service, service.unit == .person, !service.isEligible(birthYear: info.birthYear, in: on.year) {
                        problems.add("resident", "error.not_eligible", String(service.minimumAge))
                    }
                } else { problems.add("resident", "error.unknown_resident") }
            } else if let h = p.household {
                if let info = householdHamlet[h] { (hamletID, path) = (info.0, info.1) } else { problems.add("household", "error.unknown_household") }
            } else if let count = p.anonymousCount {
                if !(1...Self.maximumAnonymousCount).contains(count) {
                    problems.add("anonymousCount", "error.range", "1", String(Self.maximumAnonymousCount))
                } else if let code = p.hamlet, let unit = hamlets[code] { (hamletID, path) = (unit.id, unit.path) } else {
                    let (key, arg) = hamletProblem(p.hamlet)
                    problems.add("hamlet", key, arg)
                }
            } else {
                problems.add("resident", "error.whom")
            }
            // A correction replaces an entry of the same person (or household) and service, within the account's area.
            if let target = p.supersedes {
                let subject = p.resident ?? p.household
                if let old = corrected[target] ?? newActivities.first(where: { $0.id == target }) {
                    if old.residentID ?? old.householdID != subject || subject == nil || old.serviceCode != service?.code {
                        problems.add("supersedes", "error.supersedes_mismatch")
                    }
                } else {
                    problems.add("supersedes", "error.supersedes_unknown")
                }
            }
            guard problems.list.isEmpty, let id = p.id, let service, let outcome, let channel, let hamletID, let path else {
                reject("activity", p.id, problems.list)
                continue
            }
            seen.insert(id)
            let a = SupportActivity()
            a.id = id
            a.receivedAt = now
            a.hamletID = hamletID
            a.unitPath = path
            a.teamID = nil
            a.recordedBy = scope.actor.userID
            a.residentID = p.resident
            a.householdID = p.resident == nil ? p.household : nil
            a.anonymousCount = p.resident == nil && p.household == nil ? (p.anonymousCount ?? 0) : 0
            a.serviceCode = service.code
            a.outcome = outcome
            a.reason = reason
            a.channel = channel
            a.happenedOn = on.iso
            a.supersedesID = p.supersedes
            newActivities.append(a)
            results.append(SyncItemResult(kind: "activity", id: id, status: "created", errors: nil))
        }

        // Each support is credited to the hamlet's active team, and cannot predate the team's founding decision.
        let activityHamlets = Array(Set(newActivities.map(\.hamletID)))
        if !activityHamlets.isEmpty {
            let teams = try await Team.query(on: scope.db).filter(\.$unitID ~~ activityHamlets).filter(\.$status == .active).all()
            let teamByHamlet = Dictionary(teams.map { ($0.unitID, $0) }, uniquingKeysWith: { a, _ in a })
            var early = Set<UUID>()
            for a in newActivities {
                guard let team = teamByHamlet[a.hamletID] else { continue }
                a.teamID = team.id
                if a.happenedOn < team.decisionDate { early.insert(a.id!) }
            }
            if !early.isEmpty {
                newActivities.removeAll { early.contains($0.id!) }
                let founded = teams.first.flatMap { LocalDate($0.decisionDate) }?.vietnamese ?? ""
                results = results.map { result in
                    guard result.kind == "activity", let id = result.id, early.contains(id) else { return result }
                    let problem = FieldProblem("on", "error.before_team", founded)
                    return SyncItemResult(kind: "activity", id: id, status: "rejected",
                                          errors: [SyncFieldError(field: "on", code: problem.key, args: problem.args, message: describe(problem))])
                }
            }
        }
        let actor = scope.actor
        let (hs, rs, acts) = (newHouseholds, newResidents, newActivities)
        try await scope.db.writeTransaction { db in
            for chunk in hs.chunked(200) { try await chunk.create(on: db) }
            for chunk in rs.chunked(200) { try await chunk.create(on: db) }
            try await Rollups.householdsCreated(Array(hs), on: db)
            try await Rollups.residentsCreated(Array(rs), on: db)
            for r in rs {
                try await AuditLog.record(on: db, actor: actor, at: now, action: .create, entity: "resident", entityID: r.id,
                                          unitPath: r.unitPath, summary: Snapshot.resident(r).fullName, before: Nothing?.none,
                                          after: Snapshot.resident(r))
            }
            for h in hs {
                try await AuditLog.record(on: db, actor: actor, at: now, action: .create, entity: "household", entityID: h.id,
                                          unitPath: h.unitPath, summary: "", before: Nothing?.none, after: Nothing?.none)
            }
            // Supports themselves are the append-only support log (who recorded each, and when it arrived); a
            // correction is also an audited change of the entry it replaces.
            for a in acts {
                guard let old = a.supersedesID else { continue }
                try await AuditLog.record(on: db, actor: actor, at: now, action: .update, entity: "activity", entityID: old,
                                          unitPath: a.unitPath, summary: "\(a.serviceCode): \(a.outcome.rawValue)", before: Nothing?.none,
                                          after: ["supersededBy": a.id!.uuidString.lowercased()])
            }
            try await Self.insert(acts, on: db)
        }
        let created = results.filter { $0.status == "created" }.count
        let duplicates = results.filter { $0.status == "duplicate" }.count
        return SyncResponse(results: results, created: created, duplicates: duplicates, rejected: results.count - created - duplicates)
    }

    private func existing<M: ScopedModel>(_ type: M.Type, _ ids: [UUID]) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        // Unscoped on purpose: an id taken anywhere is taken (ids are the phone's, and never reused).
        var found = Set<UUID>()
        for chunk in ids.chunked(500) {
            found.formUnion(try await M.query(on: scope.db).filter(\._$id ~~ Array(chunk)).all(\._$id))
        }
        return found
    }
}

extension Request {
    /// The support log as the signed-in account sees it.
    var supportLog: SupportLogService {
        get throws { SupportLogService(scope: try scope, clock: clock, protector: application.protector) }
    }
}
