import Fluent
import SQLKit

/// One active team per unit, held by the database itself: two foundings of the same hamlet at the same moment end in
/// one team, the other answered 409 by name (a partial unique index, the same on both engines).
struct AddOneActiveTeamPerUnit: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("CREATE UNIQUE INDEX teams_one_active_per_unit ON teams (unit_id) WHERE status = 'active'").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX teams_one_active_per_unit").run()
    }
}
