import Fluent
import Foundation
import LanToaCore
import LanToaResources

/// Loads the official units, their names and lineage from the bundled reference data into a new database.
struct LoadReferenceUnits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await ReferenceData.load(on: database)
    }

    func revert(on database: any Database) async throws {
        try await UnitLineage.query(on: database).delete()
        try await UnitName.query(on: database).delete()
        try await UnitParent.query(on: database).delete()
        try await Unit.query(on: database).filter(\.$tier != .hamlet).delete()
        try await Setting.query(on: database).filter(\.$id == "reference_data").delete()
    }
}
