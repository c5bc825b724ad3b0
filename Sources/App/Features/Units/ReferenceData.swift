import Fluent
import Foundation
import LanToaCore
import LanToaResources

/// The official administrative units bundled with Lan Tỏa (see `Resources/Data/NOTICE`), loaded into a new
/// database by the `LoadReferenceUnits` migration.
///
/// Two versions of the national list: the one in force until 30 June 2025 (63 provinces, 696 districts,
/// 10,035 communes) and the one from 1 July 2025 (34 provinces, 3,321 communes), each unit its own identity,
/// joined by the lineage of the reorganisation; then dated changes of kind after it.
enum ReferenceData {
    static let reorganisation = LocalDate(year: 2025, month: 7, day: 1)!
    static let version = "admin-units 2025-07-01 (lineage dvhcvn 20250701) + changes to 2026-04-30"

    struct UnitRow {
        var era: String
        var tier: Tier
        var code: String
        var kind: UnitKind
        var name: String
        var shortName: String
        var nameEn: String
        var parentCode: String
    }

    static func readTSV(_ file: String) throws -> [[String]] {
        let url = URL(fileURLWithPath: LanToaResources.directory("Data") + file)
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    static func load(on database: any Database) async throws {
        let oldPeriod = ValidPeriod(from: .distantPast, to: reorganisation.previousDay)
        let newPeriod = ValidPeriod(from: reorganisation, to: .distantFuture)
        var units: [Unit] = []
        var parents: [UnitParent] = []
        var index: [String: Unit] = [:]  // "era|tier|code"
        for cells in try readTSV("units.tsv") {
            guard cells.count == 8, let tier = Tier(rawValue: cells[1]), let kind = UnitKind(rawValue: cells[3]) else {
                throw ReferenceDataError.malformed("units.tsv", cells.joined(separator: "\t"))
            }
            let era = cells[0]
            let period = era == "2025-03" ? oldPeriod : newPeriod
            let parentTier: Tier? = switch tier {
            case .province: nil
            case .district: .province
            case .commune: era == "2025-03" ? .district : .province
            case .hamlet: .commune
            }
            var parent: Unit?
            if let parentTier {
                parent = index["\(era)|\(parentTier.rawValue)|\(cells[7])"]
                guard parent != nil else { throw ReferenceDataError.malformed("units.tsv", "no parent for \(cells[2])") }
            }
            let unit = Unit(code: cells[2], tier: tier, kind: kind, name: cells[4], shortName: cells[5], nameEn: cells[6],
                            parentID: parent?.id, parentPath: parent?.path ?? "/", validFrom: period.from, validTo: period.to)
            index["\(era)|\(tier.rawValue)|\(cells[2])"] = unit
            units.append(unit)
            if let parent {
                parents.append(UnitParent(unitID: unit.id!, parentID: parent.id!, period: period))
            }
        }

        var names: [UnitName] = []
        for cells in try readTSV("changes.tsv") {
            guard cells.count == 6, let date = LocalDate(cells[0]), let kind = UnitKind(rawValue: cells[3]),
                  let unit = index["2025-07|\(cells[1])|\(cells[2])"] else {
                throw ReferenceDataError.malformed("changes.tsv", cells.joined(separator: "\t"))
            }
            let before = UnitName()
            before.id = UUID()
            before.unitID = unit.id!
            before.kind = unit.kind
            before.name = unit.name
            before.basis = "Quyết định 19/2025/QĐ-TTg"
            before.validFrom = unit.validFrom
            before.validTo = date.previousDay.iso
            let after = UnitName()
            after.id = UUID()
            after.unitID = unit.id!
            after.kind = kind
            after.name = cells[4]
            after.basis = cells[5]
            after.validFrom = date.iso
            after.validTo = unit.validTo
            names += [before, after]
            unit.kind = kind
            unit.name = cells[4]
            unit.searchKey = Unit.searchKey(name: unit.name, code: unit.code)
        }

        var lineage: [UnitLineage] = []
        for cells in try readTSV("lineage.tsv") {
            guard cells.count == 6, let share = LineageShare(rawValue: cells[5]),
                  let new = index["2025-07|\(cells[1])|\(cells[2])"], let old = index["2025-03|\(cells[3])|\(cells[4])"] else {
                throw ReferenceDataError.malformed("lineage.tsv", cells.joined(separator: "\t"))
            }
            let link = UnitLineage()
            link.id = UUID()
            link.date = cells[0]
            link.oldUnitID = old.id!
            link.newUnitID = new.id!
            link.share = share
            lineage.append(link)
        }

        let rows = (units: units, parents: parents, names: names, lineage: lineage)
        try await database.writeTransaction { db in
            for chunk in rows.units.chunked(400) { try await chunk.create(on: db) }
            for chunk in rows.parents.chunked(800) { try await chunk.create(on: db) }
            for chunk in rows.names.chunked(800) { try await chunk.create(on: db) }
            for chunk in rows.lineage.chunked(800) { try await chunk.create(on: db) }
            try await Setting(key: "reference_data", value: version).create(on: db)
        }
    }
}

enum ReferenceDataError: Error, CustomStringConvertible {
    case malformed(String, String)

    var description: String {
        switch self {
        case let .malformed(file, line): "Bundled reference data \(file) is malformed near: \(line)"
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
