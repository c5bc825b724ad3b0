import Fluent
import Foundation
import LanToaCore
import SQLKit

/// On PostgreSQL, the support log becomes a table partitioned by month (`SupportLogPartitions`), its rows, indexes,
/// foreign keys and append-only triggers kept. SQLite keeps its one table. A national database copies every support
/// once, in one transaction.
struct PartitionSupportLog: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard (database as! any SQLDatabase).engine == .postgres else { return }
        let today = AppClock.system.today()
        try await database.transaction { db in
            database.logger.notice("support log: partitioning by month, every support copied once")
            try await SupportLogPartitions.rebuild(partitioned: true, today: today, on: db)
        }
    }

    func revert(on database: any Database) async throws {
        guard (database as! any SQLDatabase).engine == .postgres else { return }
        try await database.transaction { db in
            try await SupportLogPartitions.rebuild(partitioned: false, today: AppClock.system.today(), on: db)
        }
    }
}
