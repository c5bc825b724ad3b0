import Fluent
import SQLKit

/// Early warnings, the provinces' thresholds for them, and the read state of the outbox's messages.
struct CreateEarlyWarnings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let path = Indexes.pathType(database)
        try await database.schema(EarlyWarning.schema)
            .id()
            .field("created_at", .datetime)
            .field("kind", .string, .required)
            .field("key", .string, .required)
            .field("subject_id", .uuid, .required)
            .field("topic", .string, .required)
            .field("subject_name", .string, .required)
            .field("unit_path", path, .required)
            .field("responsible", .string, .required)
            .field("detail", .string, .required)
            .field("seen_on", .string, .required)
            .field("opened_on", .string, .required)
            .field("closed_on", .string)
            .field("notified", .bool, .required)
            .unique(on: "key", "seen_on")
            .create()
        try await database.schema(WarningSettingsRecord.schema)
            .id()
            .field("unit_path", path, .required)
            .field("idle_days", .int, .required)
            .field("noncompliant_days", .int, .required)
            .field("untrained_after_days", .int, .required)
            .field("plan_percent", .int, .required)
            .field("updated_by", .string, .required)
            .unique(on: "unit_path")
            .create()
        try await database.schema(OutboxMessage.schema).field("read_at", .datetime).update()
        try await Indexes.create(on: database, [
            ("early_warnings_path", EarlyWarning.schema, ["unit_path", "closed_on"]),
            ("outbox_recipient", OutboxMessage.schema, ["recipient_id", "created_at"]),
        ])
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX outbox_recipient").run()
        try await database.schema(OutboxMessage.schema).deleteField("read_at").update()
        try await database.schema(WarningSettingsRecord.schema).delete()
        try await database.schema(EarlyWarning.schema).delete()
    }
}
