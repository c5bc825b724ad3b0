import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import SQLKit

/// The chains of units a hamlet's facts roll up to (its ancestors, and those of its former commune).
extension Rollups {
    /// The unit ids a value of a unit at `path` is added to: the nation's stripe of the path's province, the path's
    /// units, and the hamlet's former chain (`formerPath`, the hierarchy before 1 July 2025) when it has one.
    static func chain(path: String, formerPath: String) -> [UUID] {
        let top = path.split(separator: "/").first.flatMap { UUID(uuidString: String($0)) }
        let stripe = top.map(nationStripe) ?? nation
        var ids = [stripe]
        var seen: Set<UUID> = [stripe]
        for part in (path + formerPath).split(separator: "/") {
            if let id = UUID(uuidString: String(part)), seen.insert(id).inserted { ids.append(id) }
        }
        return ids
    }

    /// A hamlet's former commune corrected: every figure of the hamlet (its own rows hold exactly what it added) is
    /// taken from the units of the old former chain and added to those of the new one.
    static func formerChainChanged(hamlet: UUID, path: String, from old: String, to new: String, on db: any Database) async throws {
        let before = chain(path: path, formerPath: old), after = chain(path: path, formerPath: new)
        let leaving = before.filter { !after.contains($0) }, joining = after.filter { !before.contains($0) }
        var deltas = Deltas()
        let sql = db as! any SQLDatabase
        for row in try await sql.raw("SELECT key, period, value FROM " + RollupRows.cells(sql) + " AS c WHERE unit_id = \(bind: hamlet)").all() {
            let key = try row.decode(column: "key", as: String.self), period = try row.decode(column: "period", as: String.self)
            let value = try row.decode(column: "value", as: Int64.self)
            deltas.addCell(leaving, key, period, -value)
            deltas.addCell(joining, key, period, value)
        }
        try await deltas.write(on: db)
    }

    /// The chains of the units at the ends of `paths`.
    static func chains(for paths: some Collection<String>, on db: any Database) async throws -> [String: [UUID]] {
        let cached = collector.map { c in c.lock.withLock { c.chains } } ?? [:]
        if paths.allSatisfy({ cached[$0] != nil }) { return cached }
        var former: [UUID: String] = [:]
        let ids = Set(paths.filter { cached[$0] == nil }.compactMap(lastID))
        for chunk in Array(ids).chunked(500) {
            // Shared lock (PostgreSQL): a correction of a former commune waits for this write, or this write for it.
            for row in try await (db as! any SQLDatabase).select().column("id").column("former_path").from(Unit.schema)
                .where("id", .in, SQLBind.group(Array(chunk))).where("former_path", .notEqual, "").for(.share).all() {
                former[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "former_path", as: String.self)
            }
        }
        var chains: [String: [UUID]] = [:]
        for path in paths { chains[path] = cached[path] ?? chain(path: path, formerPath: lastID(path).flatMap { former[$0] } ?? "") }
        if let c = collector { c.lock.withLock { c.chains.merge(chains) { a, _ in a } } }
        return chains
    }

    /// A 64-bit key for a PostgreSQL advisory lock on `id`: its first eight bytes (two ids sharing them only wait
    /// for each other needlessly).
    static func lockKey(_ id: UUID) -> Int64 {
        withUnsafeBytes(of: id.uuid) { raw in raw.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) } }
    }

    static func lastID(_ path: String) -> UUID? {
        path.split(separator: "/").last.flatMap { UUID(uuidString: String($0)) }
    }
}
