import Fluent
import SQLKit

/// One person, one record: a CCCD's look-up hash is unique among residents (a partial unique index, the same on both
/// engines), and a resident merged into another keeps the id of the one that stays.
struct AddResidentUniqueness: AsyncMigration {
    struct DuplicateNumbers: Error, CustomStringConvertible {
        var count: Int
        var description: String {
            "\(count) CCCD numbers are recorded for more than one resident. Merge each pair (POST /api/v1/residents/{id}/merge) "
                + "on the previous version, or clear one record's number, then migrate again. To list them: "
                + "SELECT cccd_hash, COUNT(*) FROM residents WHERE cccd_hash <> '' GROUP BY cccd_hash HAVING COUNT(*) > 1"
        }
    }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let duplicates = try await sql.raw("""
            SELECT COUNT(*) AS n FROM (SELECT cccd_hash FROM residents WHERE cccd_hash <> '' GROUP BY cccd_hash HAVING COUNT(*) > 1) d
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        guard duplicates == 0 else { throw DuplicateNumbers(count: duplicates) }
        try await database.schema(Resident.schema).field("merged_into", .uuid).update()
        try await sql.raw("CREATE UNIQUE INDEX residents_cccd_unique ON residents (cccd_hash) WHERE cccd_hash <> ''").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX residents_cccd_unique").run()
        try await database.schema(Resident.schema).deleteField("merged_into").update()
    }
}
