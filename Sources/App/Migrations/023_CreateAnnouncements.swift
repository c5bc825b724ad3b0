import Fluent
import SQLKit

/// Notices and good practices posted for a subtree, their attachments, and who read them.
struct CreateAnnouncements: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let path = Indexes.pathType(database)
        try await database.schema(Announcement.schema)
            .id()
            .field("created_at", .datetime)
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("unit_path", path, .required)
            .field("unit_name", .string, .required)
            .field("author", .string, .required)
            .field("attachment_name", .string, .required)
            .field("recipients", .int, .required)
            .create()
        try await database.schema(AnnouncementFile.schema)
            .id()
            .field("unit_path", path, .required)
            .field("content_type", .string, .required)
            .field("content", .data, .required)
            .create()
        try await (database as! any SQLDatabase).raw("""
            CREATE TABLE announcement_reads (announcement_id UUID NOT NULL, user_id UUID NOT NULL, read_at TEXT NOT NULL,
            PRIMARY KEY (announcement_id, user_id))
            """).run()
        try await Indexes.create(on: database, [("announcements_path", Announcement.schema, ["unit_path", "created_at"])])
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE announcement_reads").run()
        try await database.schema(AnnouncementFile.schema).delete()
        try await database.schema(Announcement.schema).delete()
    }
}
