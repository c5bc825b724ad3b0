import Fluent
import Foundation
import LanToaCore

/// Reading administrative units as of a date, their lineage, and creating hamlets.
struct UnitService {
    let scope: Scope
    let clock: AppClock

    struct Filter {
        var tier: Tier?
        var parentCode: String?
        var query: String?
        var asOf: LocalDate
        var limit: Int = 100
        var offset: Int = 0
    }

    /// The unit with `code` valid on `asOf`, if the actor may see it.
    func find(code: String, asOf: LocalDate) async throws -> Unit {
        guard let unit = try await scope.query(Unit.self)
            .filter(\.$code == code)
            .filter(\.$validFrom <= asOf.iso)
            .filter(\.$validTo >= asOf.iso)
            .first()
        else { throw AppError.notFound(what: "unit") }
        return unit
    }

    func find(id: UUID) async throws -> Unit {
        try await scope.find(Unit.self, id, what: "unit")
    }

    func list(_ filter: Filter) async throws -> (items: [Unit], total: Int) {
        let d = filter.asOf.iso
        var query = scope.query(Unit.self)
            .filter(\.$validFrom <= d)
            .filter(\.$validTo >= d)
        if let tier = filter.tier {
            query = query.filter(\.$tier == tier)
        }
        if let parentCode = filter.parentCode {
            let parent = try await find(code: parentCode, asOf: filter.asOf)
            let childIDs = try await UnitParent.query(on: scope.db)
                .filter(\.$parentID == parent.id!)
                .filter(\.$validFrom <= d)
                .filter(\.$validTo >= d)
                .all(\.$unitID)
            query = query.filter(\.$id ~~ childIDs)
        }
        if let text = filter.query.map(TextFolding.fold), !text.isEmpty {
            query = query.filter(\.$searchKey ~~ text)
        }
        let total = try await query.count()
        let items = try await query.sort(\.$tier).sort(\.$code)
            .range(filter.offset..<(filter.offset + filter.limit)).all()
        return (items, total)
    }

    /// Hamlets and commune-tier children of a unit valid today, ordered by name.
    func children(of unit: Unit, asOf: LocalDate) async throws -> [Unit] {
        let d = asOf.iso
        let ids = try await UnitParent.query(on: scope.db)
            .filter(\.$parentID == unit.id!)
            .filter(\.$validFrom <= d)
            .filter(\.$validTo >= d)
            .all(\.$unitID)
        // Hamlets created by communes are linked by their parent link too.
        return try await scope.query(Unit.self).filter(\.$id ~~ ids)
            .filter(\.$validFrom <= d).filter(\.$validTo >= d)
            .sort(\.$code).all()
    }

    /// The unit's ancestors, coarsest first, from its path.
    func ancestors(of unit: Unit) async throws -> [Unit] {
        let ids = unit.path.split(separator: "/").compactMap { UUID(uuidString: String($0)) }.filter { $0 != unit.id }
        guard !ids.isEmpty else { return [] }
        let found = try await Unit.query(on: scope.db).filter(\.$id ~~ ids).all()
        return found.sorted { $0.tier < $1.tier }
    }

    /// Responses for units as they were named on `asOf`, with their parents' codes.
    func responses(_ units: [Unit], asOf: LocalDate) async throws -> [UnitResponse] {
        let ids = units.compactMap(\.id)
        guard !ids.isEmpty else { return [] }
        let names = try await UnitName.query(on: scope.db).filter(\.$unitID ~~ ids)
            .filter(\.$validFrom <= asOf.iso).filter(\.$validTo >= asOf.iso).all()
        let nameByUnit = Dictionary(names.map { ($0.unitID, $0) }, uniquingKeysWith: { a, _ in a })
        let parentIDs = Array(Set(units.compactMap(\.parentID)))
        let parents = parentIDs.isEmpty ? [] : try await Unit.query(on: scope.db).filter(\.$id ~~ parentIDs).all()
        let parentCode = Dictionary(parents.map { ($0.id!, $0.code) }, uniquingKeysWith: { a, _ in a })
        return units.map { unit in
            var r = Self.response(unit)
            if let dated = nameByUnit[unit.id!] {
                r.kind = dated.kind
                r.name = dated.name
            }
            r.parentCode = unit.parentID.flatMap { parentCode[$0] }
            return r
        }
    }

    static func response(_ unit: Unit) -> UnitResponse {
        UnitResponse(id: unit.id!, code: unit.code, tier: unit.tier, kind: unit.kind, name: unit.name,
                     shortName: unit.shortName, nameEn: unit.nameEn, parentCode: nil,
                     validFrom: unit.validFrom == LocalDate.distantPast.iso ? nil : unit.validFrom,
                     validTo: unit.validTo == LocalDate.distantFuture.iso ? nil : unit.validTo,
                     demo: unit.demo)
    }

    func lineage(of unit: Unit) async throws -> LineageResponse {
        let asPredecessor = try await UnitLineage.query(on: scope.db).filter(\.$newUnitID == unit.id!).all()
        let asSuccessor = try await UnitLineage.query(on: scope.db).filter(\.$oldUnitID == unit.id!).all()
        let otherIDs = asPredecessor.map(\.oldUnitID) + asSuccessor.map(\.newUnitID)
        let others = otherIDs.isEmpty ? [] : try await Unit.query(on: scope.db).filter(\.$id ~~ otherIDs).all()
        let byID = Dictionary(others.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        func link(_ l: UnitLineage, _ id: UUID) -> LineageLinkResponse? {
            byID[id].map { LineageLinkResponse(date: l.date, share: l.share, unit: Self.response($0)) }
        }
        let asOf = LocalDate(unit.validFrom) ?? clock.today()
        let unitResponse = try await responses([unit], asOf: max(asOf, min(clock.today(), unit.period.to)))[0]
        return LineageResponse(
            unit: unitResponse,
            predecessors: asPredecessor.compactMap { link($0, $0.oldUnitID) }.sorted { $0.unit.code < $1.unit.code },
            successors: asSuccessor.compactMap { link($0, $0.newUnitID) }.sorted { $0.unit.code < $1.unit.code })
    }

    /// Creates a hamlet (thôn, tổ dân phố…) under a current commune of the actor's subtree.
    func createHamlet(_ request: CreateHamletRequest, demo: Bool = false) async throws -> Unit {
        let today = clock.today()
        var problems: [FieldProblem] = []
        let name = TeamImport.normaliseName(request.name ?? "")
        if name.isEmpty { problems.append(FieldProblem("name", "error.required")) }
        else if name.count > 120 { problems.append(FieldProblem("name", "error.too_long", "120")) }
        var kind: UnitKind?
        if let raw = request.kind, !raw.isEmpty {
            kind = UnitKind(rawValue: raw)
            if kind?.tier != .hamlet { problems.append(FieldProblem("kind", "error.hamlet_kind")) }
        } else {
            kind = UnitKind.hamletKind(fromName: name) ?? .thon
        }
        var validFrom = today
        if let raw = request.validFrom, !raw.isEmpty {
            if let d = LocalDate(raw) { validFrom = d } else { problems.append(FieldProblem("validFrom", "error.date")) }
        }
        guard let parentCode = request.parentCode, !parentCode.isEmpty else {
            problems.append(FieldProblem("parentCode", "error.required"))
            throw AppError.invalid(problems)
        }
        guard problems.isEmpty, let kind else { throw AppError.invalid(problems) }
        let parent: Unit
        do {
            parent = try await find(code: parentCode, asOf: today)
        } catch AppError.notFound {
            throw AppError.invalid("parentCode", "error.unknown_commune", parentCode)
        }
        guard parent.tier == .commune else { throw AppError.invalid("parentCode", "error.unknown_commune", parentCode) }
        try scope.authorize(.manageUnitsAndTeams, at: parent.path)
        let from = validFrom
        return try await scope.db.writeTransaction { db in
            try await createHamletInTransaction(parent: parent, name: name, kind: kind, validFrom: from, demo: demo, on: db)
        }
    }

    /// Creates a hamlet in the caller's transaction; the caller has checked the name and the actor's right.
    func createHamletInTransaction(parent: Unit, name: String, kind: UnitKind? = nil, validFrom: LocalDate? = nil,
                                   demo: Bool, on db: any Database) async throws -> Unit {
        let today = clock.today()
        let kind = kind ?? UnitKind.hamletKind(fromName: name) ?? .thon
        let siblings = try await Unit.query(on: db).filter(\.$parentID == parent.id!).filter(\.$tier == .hamlet).all()
        let folded = TextFolding.fold(name)
        if siblings.contains(where: { TextFolding.fold($0.name) == folded && $0.period.contains(today) }) {
            throw AppError.conflict(FieldProblem("name", "error.hamlet_exists", name))
        }
        let number = (siblings.compactMap { HamletCode.number(in: $0.code) }.max() ?? 0) + 1
        let prefix = kind.vietnameseName + " "
        let shortName = name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
        let unit = Unit(code: HamletCode.make(communeCode: parent.code, number: number), tier: .hamlet, kind: kind,
                        name: name, shortName: shortName, nameEn: TextFolding.fold(name).capitalized,
                        parentID: parent.id, parentPath: parent.path, validFrom: validFrom ?? today, demo: demo)
        try await unit.create(on: db)
        try await UnitParent(unitID: unit.id!, parentID: parent.id!, period: unit.period).create(on: db)
        if let former = try await Rollups.defaultFormerCommune(of: parent, on: db) {
            try await Rollups.assignFormer(hamlet: unit, to: former, on: db)
        }
        try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "unit",
                                  entityID: unit.id, unitPath: unit.path, summary: "\(unit.code) \(unit.name)",
                                  before: Nothing?.none, after: Self.response(unit))
        return unit
    }

    /// Corrects a hamlet's former commune (xã cũ, before 1 July 2025), which defaults to one of its commune's
    /// predecessors: the figures of the hamlet move to the right former commune, district and province in the same
    /// transaction.
    func setFormerCommune(hamletCode: String, formerCode: String?) async throws -> Unit {
        let today = clock.today()
        let hamlet = try await find(code: hamletCode, asOf: today)
        guard hamlet.tier == .hamlet, let parentID = hamlet.parentID else { throw AppError.invalid("code", "error.not_hamlet", hamletCode) }
        try scope.authorize(.manageUnitsAndTeams, at: hamlet.path)
        guard let formerCode = formerCode?.trimmingWhitespace(), !formerCode.isEmpty else {
            throw AppError.invalid("formerCommune", "error.required")
        }
        let predecessors = try await UnitLineage.query(on: scope.db).filter(\.$newUnitID == parentID).all(\.$oldUnitID)
        guard let former = try await Unit.query(on: scope.db).filter(\.$id ~~ predecessors).filter(\.$tier == .commune)
            .filter(\.$code == formerCode).first() else {
            throw AppError.invalid("formerCommune", "error.not_predecessor", formerCode)
        }
        let formerPath = former.path + hamlet.id!.uuidString.lowercased() + "/"
        guard formerPath != hamlet.formerPath else { return hamlet }
        return try await scope.db.writeTransaction { db in
            let before = hamlet.formerPath
            // The unit row first: a sync of the hamlet reads it with a shared lock, so it either ends before this
            // correction reads the hamlet's figures or starts after it, under the new former commune.
            hamlet.formerPath = formerPath
            try await hamlet.save(on: db)
            try await UnitParent.query(on: db).filter(\.$unitID == hamlet.id!).filter(\.$validTo == ReferenceData.reorganisation.previousDay.iso)
                .delete()
            try await UnitParent(unitID: hamlet.id!, parentID: former.id!,
                                 period: ValidPeriod(from: .distantPast, to: ReferenceData.reorganisation.previousDay)).create(on: db)
            try await Rollups.formerChainChanged(hamlet: hamlet.id!, path: hamlet.path, from: before, to: formerPath, on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .update, entity: "unit", entityID: hamlet.id,
                                      unitPath: hamlet.path, summary: "\(hamlet.code) \(hamlet.name): xã cũ \(former.code) \(former.name)",
                                      before: ["formerPath": before], after: ["formerPath": formerPath])
            return hamlet
        }
    }
}
