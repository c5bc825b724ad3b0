import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Rollups as one row per unit and period holding every figure key (`RollupRows`) instead of a row per unit, key and
/// period: a province's dashboard reads about 300 rows instead of 5,000. The rows are computed again from the raw
/// rows, which is also how a database that had none gets its figures.
struct WidenRollups: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP TABLE rollups").run()
        if sql.engine == .postgres {
            try await sql.raw("""
                CREATE TABLE rollups (unit_id UUID NOT NULL, period TEXT COLLATE "C" NOT NULL, figures JSONB NOT NULL, PRIMARY KEY (unit_id, period))
                """).run()
        } else {
            try await sql.raw("""
                CREATE TABLE rollups (unit_id UUID NOT NULL, period TEXT NOT NULL, figures BLOB NOT NULL, PRIMARY KEY (unit_id, period)) WITHOUT ROWID
                """).run()
        }
        try await RollupBuilder(db: database).rebuild()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await CreateRollups.createCellTable("rollup_cells", on: sql)
        try await sql.raw("INSERT INTO rollup_cells (unit_id, key, period, value) SELECT unit_id, key, period, value FROM " + RollupRows.cells(sql) + " AS c").run()
        try await sql.raw("DROP TABLE rollups").run()
        try await sql.raw("ALTER TABLE rollup_cells RENAME TO rollups").run()
    }
}
