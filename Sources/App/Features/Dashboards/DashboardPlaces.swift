import Fluent
import Foundation
import LanToaCore
import SQLKit

/// The places a dashboard is about: a unit (or the nation) and the units under it, as of a hierarchy date.
extension DashboardService {
    /// The unit with `code` under the hierarchy of `asOf` (`VN` or empty: the nation), if the actor may see it.
    func place(code: String?, asOf: LocalDate) async throws -> Place {
        guard let code, !code.isEmpty, code.uppercased() != "VN" else {
            guard scope.actor.scopePath == "/" else { throw AppError.forbidden }
            return .nation
        }
        let unit = try await UnitService(scope: scope, clock: clock).find(code: code, asOf: asOf)
        guard scope.contains(path: unit.path) else { throw AppError.forbidden }
        return Place(unit)
    }

    /// The units directly under a place on `asOf`.
    func children(of place: Place, asOf: LocalDate) async throws -> [Place] {
        let d = asOf.iso
        if place.id == Rollups.nation {
            return try await places("tier = \(bind: Tier.province.rawValue) AND valid_from <= \(bind: d) AND valid_to >= \(bind: d)")
        }
        // Through the dated parent links, so that hamlets also appear under their former commune.
        return try await places("""
            id IN (SELECT unit_id FROM unit_parents WHERE parent_id = \(bind: place.id) AND valid_from <= \(bind: d) AND valid_to >= \(bind: d))
            """)
    }

    /// The units of `tier` under a place on `asOf` (all 3,321 communes of the nation, say).
    func descendants(of place: Place, tier: Tier, asOf: LocalDate) async throws -> [Place] {
        let d = asOf.iso
        var filter: SQLQueryString = "tier = \(bind: tier.rawValue)"
        if place.id != Rollups.nation { filter += " AND path >= \(bind: place.path) AND path < \(bind: UnitPaths.upperBound(place.path))" }
        if tier != .hamlet { filter += " AND valid_from <= \(bind: d) AND valid_to >= \(bind: d)" }
        return try await places(filter)
    }

    /// Units as places, within the actor's scope, in code order. Read as packed text: decoding thousands of models
    /// (all the communes) would cost more than their figures.
    private func places(_ filter: SQLQueryString) async throws -> [Place] {
        var query: SQLQueryString = "SELECT id, code, name, tier, path FROM units WHERE " + filter
        let within = scope.actor.scopePath
        if within != "/" { query += " AND path >= \(bind: within) AND path < \(bind: UnitPaths.upperBound(within))" }
        var out: [Place] = []
        try await (scope.db as! any SQLDatabase).forEachPackedRow(query, columns: ["id", "code", "name", "tier", "path"]) { row in
            guard let id = row.uuid(0), let tier = Tier(rawValue: row.string(3)) else { throw PackedRowsError.malformed }
            out.append(Place(id: id, ref: UnitRef(code: row.string(1), name: row.string(2), tier: tier), path: row.string(4), tier: tier))
        }
        return out.sorted { $0.ref.code < $1.ref.code }
    }
}
