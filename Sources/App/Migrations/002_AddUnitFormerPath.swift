import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Each hamlet's former chain (its commune before 1 July 2025), so figures can be read under either hierarchy.
/// Runs before the reference units are loaded, which write the column.
struct AddUnitFormerPath: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Unit.schema).field("former_path", Indexes.pathType(database), .required, .sql(.default(""))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Unit.schema).deleteField("former_path").update()
    }
}
