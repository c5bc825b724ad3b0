import Fluent
import Foundation
import LanToaCore

/// Imports households and residents of a commune or hamlet from `.xlsx`/`.csv`: every row checked, nothing written
/// unless the whole file is valid.
struct ResidentImportService {
    let scope: Scope
    let clock: AppClock
    let protector: PersonalDataProtector
    let reader: TableReader

    struct Outcome: Sendable {
        var households: Int
        var residents: Int
    }

    func importFile(_ data: Data, unitCode: String) async throws -> Outcome {
        try scope.authorize(.recordSupport)
        let today = clock.today()
        let units = UnitService(scope: scope, clock: clock)
        let unit = try await units.find(code: unitCode, asOf: today)
        guard unit.tier == .commune || unit.tier == .hamlet else { throw AppError.invalid("code", "error.sweep_tier") }
        try scope.authorize(.recordSupport, at: unit.path)
        let table = try await reader.read(data)
        let checked = ResidentImport.check(table, today: today)
        let rows = checked.rows
        let hamlets = unit.tier == .hamlet ? [unit] : try await units.children(of: unit, asOf: today)
        func hamlet(_ text: String) -> Unit? {
            let folded = TextFolding.fold(text)
            return hamlets.first { $0.code == text || TextFolding.fold($0.name) == folded || TextFolding.fold($0.shortName) == folded }
        }
        var problems = checked.problems
        for row in rows where hamlet(row.hamlet) == nil {
            problems.append(.init(row: row.row, column: ResidentImport.Column.hamlet.header, key: "unknown_hamlet", args: [row.hamlet]))
        }
        // One person, one record, judged row by row as the sync judges items (repeats within the file are the
        // reader's `duplicate_cccd`).
        let hashes = rows.compactMap { r in r.cccd.map { (protector.lookupHash($0.digits), r.row) } }
        let holders = try await CitizenIDRegistry(scope: scope).holders(of: hashes.map(\.0))
        for (hash, row) in hashes {
            switch holders[hash] {
            case let .inScope(_, name)?: problems.append(.init(row: row, column: ResidentImport.Column.cccd.header, key: "cccd_taken", args: [name]))
            case .elsewhere?: problems.append(.init(row: row, column: ResidentImport.Column.cccd.header, key: "cccd_elsewhere"))
            case nil: break
            }
        }
        guard problems.isEmpty else { throw AppError.importRejected(problems.sorted { $0.row < $1.row }) }

        // Households: one per hamlet and address, reusing those already recorded.
        let hamletIDs = Array(Set(rows.compactMap { hamlet($0.hamlet)?.id }))
        let existing = try await Household.query(on: scope.db).filter(\.$hamletID ~~ hamletIDs).all()
        var households: [String: Household] = [:]
        for h in existing { households["\(h.hamletID)|\(TextFolding.fold(h.address))"] = h }
        var newHouseholds: [Household] = []
        var residents: [Resident] = []
        for row in rows {
            let unit = hamlet(row.hamlet)!
            let key = "\(unit.id!)|\(TextFolding.fold(row.address))"
            if households[key] == nil {
                let h = Household()
                h.id = UUID()
                h.hamletID = unit.id!
                h.unitPath = unit.path
                h.address = row.address
                h.headName = row.headName.isEmpty ? row.fullName : row.headName
                h.phone = ""
                h.createdBy = scope.actor.login
                households[key] = h
                newHouseholds.append(h)
            }
            let r = Resident()
            r.id = UUID()
            r.householdID = households[key]!.id
            r.hamletID = unit.id!
            r.unitPath = unit.path
            r.fullName = row.fullName
            r.gender = row.gender
            r.birthYear = row.birthYear
            if let cccd = row.cccd {
                (r.cccdSealed, r.cccdHash, r.cccdMasked) = (try protector.seal(cccd.digits, for: r.id!), protector.lookupHash(cccd.digits), cccd.masked)
            } else {
                (r.cccdSealed, r.cccdHash, r.cccdMasked) = ("", "", "")
            }
            r.phone = row.phone?.digits ?? ""
            r.hasSmartphone = row.hasSmartphone
            r.consentOn = row.consentOn.iso
            r.consentBy = scope.actor.login
            residents.append(r)
        }
        let (hs, rs, actor, now) = (newHouseholds, residents, scope.actor, clock.now())
        try await scope.db.writeTransaction { db in
            for chunk in hs.chunked(200) { try await chunk.create(on: db) }
            for chunk in rs.chunked(200) { try await chunk.create(on: db) }
            try await Rollups.householdsCreated(Array(hs), on: db)
            try await Rollups.residentsCreated(Array(rs), on: db)
            // Each row is in the trail as the sync records it, then the file as a whole.
            var rows = try rs.map { r in
                try AuditLog.entry(actor: actor, at: now, action: .create, entity: "resident", entityID: r.id, unitPath: r.unitPath,
                                   summary: Snapshot.resident(r).fullName, before: Nothing?.none, after: Snapshot.resident(r))
            }
            rows += try hs.map { h in
                try AuditLog.entry(actor: actor, at: now, action: .create, entity: "household", entityID: h.id, unitPath: h.unitPath,
                                   summary: "", before: Nothing?.none, after: Nothing?.none)
            }
            for chunk in rows.chunked(200) { try await chunk.create(on: db) }
            try await AuditLog.record(on: db, actor: actor, at: now, action: .importFile, entity: "resident_import", entityID: nil,
                                      unitPath: unit.path, summary: "\(unit.name): \(hs.count) hộ, \(rs.count) người",
                                      before: Nothing?.none, after: Nothing?.none)
        }
        return Outcome(households: newHouseholds.count, residents: residents.count)
    }
}
