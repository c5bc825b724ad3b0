import Fluent
import Foundation
import SQLKit

/// The nation's figures kept in a stripe per province instead of one national row set that every write added to
/// (`Rollups.nationStripe`). Which province's stripe a national figure belongs to is known only from the raw rows,
/// so the rollups are computed again from them (a national database takes as long as `lantoa rollups rebuild`).
struct SpreadNationRows: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let logger = database.logger
        try await RollupBuilder(db: database, progress: { logger.notice("rollups computed again for the nation's stripes: \($0)") }).rebuild()
    }

    /// Adds the stripes back into the nation's own rows.
    func revert(on database: any Database) async throws {
        try await database.writeTransaction { db in
            let sql = db as! any SQLDatabase
            var deltas = Rollups.Deltas()
            for row in try await sql.raw("SELECT unit_id, key, period, value FROM " + RollupRows.cells(sql) + " AS c").all() {
                let unit = try row.decode(column: "unit_id", as: UUID.self)
                guard Rollups.isNation(unit), unit != Rollups.nation else { continue }
                let key = try row.decode(column: "key", as: String.self), period = try row.decode(column: "period", as: String.self)
                let value = try row.decode(column: "value", as: Int64.self)
                deltas.addCell([unit], key, period, -value)
                deltas.addCell([Rollups.nation], key, period, value)
            }
            try await deltas.write(on: db)
        }
    }
}
