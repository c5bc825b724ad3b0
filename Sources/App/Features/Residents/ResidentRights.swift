import Fluent
import Foundation
import LanToaCore
import Vapor

/// Residents' rights under Law 91/2025/QH15 on personal data protection: to see what is recorded about them, to
/// have it corrected, and to have it erased. Erasure keeps the resident's row, stripped of everything that
/// identifies them, so that the support counts (and every figure built on them) do not change.
struct ResidentRights {
    let scope: Scope
    let clock: AppClock
    let protector: PersonalDataProtector

    struct Export: Content {
        var id: UUID
        var fullName: String
        var gender: Gender
        var birthYear: Int
        var cccd: String
        var phone: String
        var hasSmartphone: Bool
        var household: String?
        var consentOn: String
        var consentBy: String
        var supports: [Support]

        struct Support: Content {
            var on: String
            var service: String
            var outcome: SupportOutcome
            var channel: SupportChannel
        }
    }

    /// Everything recorded about a resident, the CCCD number in full: for the resident, on request, through the commune.
    func export(id: UUID?) async throws -> Export {
        try scope.authorize(.manageUnitsAndTeams)
        try scope.authorize(.readPersonalData)
        let r = try await scope.find(Resident.self, id, what: "resident")
        let cccd = r.cccdSealed.isEmpty ? "" : try protector.open(r.cccdSealed, for: r.id!)
        let household = try await r.householdID.asyncMap { try await Household.find($0, on: scope.db)?.address }
        let supports = try await SupportActivity.query(on: scope.db).filter(\.$residentID == r.id!).sort(\.$happenedOn).all()
        try await AuditLog.record(on: scope.db, actor: scope.actor, at: clock.now(), action: .export, entity: "resident", entityID: r.id,
                                  unitPath: r.unitPath, summary: "Cung cấp thông tin cho chủ thể dữ liệu", before: Nothing?.none, after: Nothing?.none)
        return Export(id: r.id!, fullName: r.fullName, gender: r.gender, birthYear: r.birthYear, cccd: cccd, phone: r.phone,
                      hasSmartphone: r.hasSmartphone, household: household, consentOn: r.consentOn, consentBy: r.consentBy,
                      supports: supports.map { Export.Support(on: $0.happenedOn, service: $0.serviceCode, outcome: $0.outcome, channel: $0.channel) })
    }

    /// Corrects a resident's record; fields left out stay as they are.
    func correct(id: UUID?, _ p: ResidentPayload) async throws -> Resident {
        try scope.authorize(.recordSupport)
        let r = try await scope.find(Resident.self, id, what: "resident")
        guard r.erasedAt == nil else { throw AppError.invalid("id", "error.erased") }
        try scope.authorize(.recordSupport, at: r.unitPath)
        var problems: [FieldProblem] = []
        let before = Snapshot.resident(r)
        let was = (path: r.unitPath, birthYear: r.birthYear)
        if let name = p.fullName.map(TeamImport.normaliseName) {
            if name.isEmpty || name.count > 120 { problems.append(FieldProblem("fullName", "error.required")) } else { r.fullName = name }
        }
        if let raw = p.gender {
            if let g = Gender(rawValue: raw) ?? Gender(text: raw) { r.gender = g } else { problems.append(FieldProblem("gender", "error.choice", "male, female, other")) }
        }
        if let year = p.birthYear {
            if (clock.today().year - 120...clock.today().year).contains(year) { r.birthYear = year } else { problems.append(FieldProblem("birthYear", "error.resident_birth_year")) }
        }
        if let raw = p.phone {
            if raw.trimmingWhitespace().isEmpty { r.phone = "" } else if let phone = try? PhoneNumber(parsing: raw) { r.phone = phone.digits } else {
                problems.append(FieldProblem("phone", "error.phone", raw))
            }
        }
        if let smartphone = p.hasSmartphone { r.hasSmartphone = smartphone }
        if let raw = p.cccd {
            if raw.trimmingWhitespace().isEmpty {
                (r.cccdSealed, r.cccdHash, r.cccdMasked) = ("", "", "")
            } else {
                do {
                    let cccd = try CitizenID(parsing: raw, gender: r.gender, birthYear: r.birthYear)
                    (r.cccdSealed, r.cccdHash, r.cccdMasked) = (try protector.seal(cccd.digits, for: r.id!), protector.lookupHash(cccd.digits), cccd.masked)
                } catch let problem as CitizenID.Problem {
                    problems.append(FieldProblem("cccd", "error.cccd.\(problem)"))
                }
            }
        }
        guard problems.isEmpty else { throw AppError.invalid(problems) }
        if !r.cccdHash.isEmpty, let holder = try await CitizenIDRegistry(scope: scope).holders(of: [r.cccdHash], excluding: r.id)[r.cccdHash] {
            throw AppError.conflict(CitizenIDRegistry.problem(holder))
        }
        let resident = r
        try await scope.db.writeTransaction { db in
            try await resident.save(on: db)
            try await Rollups.residentMoved(resident, from: was, on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .update, entity: "resident", entityID: resident.id,
                                      unitPath: resident.unitPath, summary: "Đính chính thông tin", before: before, after: Snapshot.resident(resident))
        }
        return r
    }

    /// Merges `id` into `into`, two records of the same person, by the commune: every support still counting moves to
    /// the record that stays as a correction superseding it (the support log stays append-only), the merged record stops
    /// being counted and gives up its personal data (its CCCD number goes to the record that stays if that has none),
    /// and the figures end as a rebuild would make them.
    func merge(id: UUID?, into targetID: UUID?) async throws -> Resident {
        try scope.authorize(.manageUnitsAndTeams)
        try scope.authorize(.readPersonalData)
        guard let targetID else { throw AppError.invalid("into", "error.required") }
        let from = try await scope.find(Resident.self, id, what: "resident")
        let into = try await scope.find(Resident.self, targetID, what: "resident")
        try scope.authorize(.manageUnitsAndTeams, at: from.unitPath)
        try scope.authorize(.manageUnitsAndTeams, at: into.unitPath)
        guard from.id != into.id else { throw AppError.invalid("into", "error.merge_same") }
        guard from.mergedInto == nil else { throw AppError.invalid("id", "error.resident_merged") }
        guard into.mergedInto == nil else { throw AppError.invalid("into", "error.resident_merged") }
        let now = clock.now()
        let all = try await SupportActivity.query(on: scope.db).filter(\.$residentID == from.id!).all()
        let superseded = all.isEmpty ? Set<UUID>() : Set(try await SupportActivity.query(on: scope.db)
            .filter(\.$supersedesID ~~ all.map(\.id!)).all(\.$supersedesID).compactMap { $0 })
        let moved = all.filter { !superseded.contains($0.id!) }.map { old in
            let a = SupportActivity()
            a.id = UUID()
            a.receivedAt = now
            (a.hamletID, a.unitPath, a.teamID) = (old.hamletID, old.unitPath, old.teamID)
            a.recordedBy = scope.actor.userID
            a.residentID = into.id
            a.householdID = nil
            a.anonymousCount = 0
            (a.serviceCode, a.outcome, a.reason, a.channel, a.happenedOn) = (old.serviceCode, old.outcome, old.reason, old.channel, old.happenedOn)
            a.supersedesID = old.id
            return a
        }
        let before = Snapshot.resident(from)
        // The number is sealed for its record: it is opened and sealed again for the record that keeps it.
        let number = (sealed: from.cccdSealed.isEmpty ? "" : try protector.seal(try protector.open(from.cccdSealed, for: from.id!), for: into.id!),
                      hash: from.cccdHash, masked: from.cccdMasked)
        from.mergedInto = into.id
        from.fullName = "—"
        (from.cccdSealed, from.cccdHash, from.cccdMasked) = ("", "", "")
        from.phone = ""
        from.erasedAt = now
        let (merged, kept) = (from, into)
        try await scope.db.writeTransaction { db in
            try await merged.save(on: db)
            if kept.cccdHash.isEmpty, !number.hash.isEmpty {
                (kept.cccdSealed, kept.cccdHash, kept.cccdMasked) = (number.sealed, number.hash, number.masked)
                try await kept.save(on: db)
            }
            try await Rollups.residentsRemoved([merged], on: db)
            try await SupportLogService.insert(moved, on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: now, action: .update, entity: "resident", entityID: merged.id,
                                      unitPath: merged.unitPath, summary: "Gộp hồ sơ trùng vào \(kept.id!.uuidString.lowercased())",
                                      before: before, after: ["mergedInto": kept.id!.uuidString.lowercased(), "supportsMoved": String(moved.count)])
        }
        return kept
    }

    /// Erases a resident's personal data on request (the commune decides); supports stay, attached to an anonymous row.
    func erase(id: UUID?) async throws -> Resident {
        let r = try await scope.find(Resident.self, id, what: "resident")
        try scope.authorize(.manageUnitsAndTeams, at: r.unitPath)
        guard r.erasedAt == nil else { return r }
        // The household keeps the resident's name as its head (an import fills it so) and maybe the phone: those go too.
        let household = try await r.householdID.asyncMap { try await Household.find($0, on: scope.db) } ?? nil
        if let household {
            if TextFolding.fold(household.headName) == TextFolding.fold(r.fullName) { household.headName = "—" }
            if !r.phone.isEmpty, household.phone == r.phone { household.phone = "" }
        }
        r.fullName = "—"
        (r.cccdSealed, r.cccdHash, r.cccdMasked) = ("", "", "")
        r.phone = ""
        r.erasedAt = clock.now()
        let resident = r
        try await scope.db.writeTransaction { db in
            try await resident.save(on: db)
            try await household?.save(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .erase, entity: "resident", entityID: resident.id,
                                      unitPath: resident.unitPath, summary: "Xoá dữ liệu cá nhân theo yêu cầu", before: Nothing?.none, after: Nothing?.none)
        }
        return r
    }

    /// Re-seals every CCCD number with the current key (after `LANTOA_DATA_KEY` changed and the old key moved to
    /// `LANTOA_DATA_KEY_PREVIOUS`), and renews the look-up hashes. Returns how many were re-sealed.
    static func rotateKey(on db: any Database, protector: PersonalDataProtector, progress: (Int, Int) -> Void) async throws -> Int {
        let stale = try await Resident.query(on: db).filter(\.$cccdSealed != "").all().filter { !protector.isCurrent($0.cccdSealed) }
        var done = 0
        for chunk in stale.chunked(500) {
            try await db.writeTransaction { db in
                for r in chunk {
                    let digits = try protector.open(r.cccdSealed, for: r.id!)
                    r.cccdSealed = try protector.seal(digits, for: r.id!)
                    r.cccdHash = protector.lookupHash(digits)
                    try await r.save(on: db)
                }
            }
            done += chunk.count
            progress(done, stale.count)
        }
        try await AuditLog.record(on: db, actor: .system, at: Date(), action: .rekey, entity: "data_key", entityID: nil, unitPath: "/",
                                  summary: "\(protector.keyID): \(done)", before: Nothing?.none, after: Nothing?.none)
        return done
    }
}
