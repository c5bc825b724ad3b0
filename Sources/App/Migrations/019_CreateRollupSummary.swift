import Fluent
import SQLKit

/// The ranking summary (`RollupSummary`): the communes' and provinces' rollups as one narrow row per figure key,
/// period and unit, filled from the rollups already kept.
struct CreateRollupSummary: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.engine == .postgres {
            try await sql.raw("""
                CREATE TABLE rollup_summary (key TEXT COLLATE "C" NOT NULL, period TEXT COLLATE "C" NOT NULL, unit_id UUID NOT NULL,
                value BIGINT NOT NULL, PRIMARY KEY (key, period, unit_id))
                """).run()
        } else {
            try await sql.raw("""
                CREATE TABLE rollup_summary (key TEXT NOT NULL, period TEXT NOT NULL, unit_id UUID NOT NULL, value INTEGER NOT NULL,
                PRIMARY KEY (key, period, unit_id)) WITHOUT ROWID
                """).run()
        }
        try await RollupSummary.fill(on: sql)
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE rollup_summary").run()
    }
}
