import Fluent
import SQLKit

/// Delivery of the outbox's messages outside Lan Tỏa (Zalo): each message's due time, attempts, lease and what the
/// provider answered; each account's Zalo link and choice; the webhook events already handled. Messages written
/// before this migration stay in the notification list only (`inbox`).
struct CreateOutboxDelivery: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one at a time.
        let optional: [(String, DatabaseSchema.DataType)] = [
            ("due_at", .datetime), ("lease_owner", .string), ("lease_until", .datetime), ("attempted_at", .datetime), ("route", .string),
            ("provider_id", .string), ("sent_at", .datetime), ("delivered_at", .datetime), ("last_code", .int), ("subject_id", .uuid),
        ]
        for (name, type) in optional {
            try await database.schema(OutboxMessage.schema).field(.string(name), type).update()
        }
        try await database.schema(OutboxMessage.schema).field("attempts", .int, .required, .sql(.default(0))).update()
        try await (database as! any SQLDatabase).update(OutboxMessage.schema)
            .set("status", to: SQLBind("inbox")).where("status", .equal, SQLBind("pending")).run()
        try await database.schema(ZaloLink.schema)
            .field("user_id", .uuid, .identifier(auto: false))
            .field("province", .string, .required)
            .field("enabled", .bool, .required)
            .field("link_code", .string)
            .field("link_code_expires_at", .datetime)
            .field("zalo_user_id", .string)
            .field("followed", .bool, .required)
            .field("linked_at", .datetime)
            .field("last_interaction_at", .datetime)
            .field("stop_code", .int)
            .field("stopped_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "link_code")
            .create()
        try await database.schema(ZaloEvent.schema)
            .field("id", .string, .identifier(auto: false))
            .field("province", .string, .required)
            .field("event_name", .string, .required)
            .field("received_at", .datetime, .required)
            .create()
        try await Indexes.create(on: database, [
            ("outbox_due", OutboxMessage.schema, ["status", "due_at"]),
            ("outbox_provider", OutboxMessage.schema, ["provider_id"]),
        ])
        // A Zalo user id is linked to one account of a province at most.
        try await (database as! any SQLDatabase).raw("""
            CREATE UNIQUE INDEX zalo_links_user ON zalo_links (province, zalo_user_id) WHERE zalo_user_id IS NOT NULL
            """).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for index in ["outbox_due", "outbox_provider", "zalo_links_user"] { try await sql.raw("DROP INDEX \(unsafeRaw: index)").run() }
        try await database.schema(ZaloEvent.schema).delete()
        try await database.schema(ZaloLink.schema).delete()
        try await sql.update(OutboxMessage.schema).set("status", to: SQLBind("pending")).where("status", .equal, SQLBind("inbox")).run()
        for field in ["due_at", "attempts", "lease_owner", "lease_until", "attempted_at", "route", "provider_id", "sent_at", "delivered_at", "last_code", "subject_id"] {
            try await database.schema(OutboxMessage.schema).deleteField(.string(field)).update()
        }
    }
}
