import Fluent
import SQLKit

/// Difficulties, their history and photos, the FAQ, and the provinces' threshold for difficulties left unanswered.
struct CreateDifficulties: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let path = Indexes.pathType(database)
        try await database.schema(Difficulty.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("raised_by", .uuid, .required)
            .field("raised_by_name", .string, .required)
            .field("team_id", .uuid)
            .field("unit_path", path, .required)
            .field("commune_path", path, .required)
            .field("service_code", .string, .required)
            .field("description", .string, .required)
            .field("has_photo", .bool, .required)
            .field("status", .string, .required)
            .field("level", .string, .required)
            .field("raised_on", .string, .required)
            .field("first_answered_at", .datetime)
            .field("solved_at", .datetime)
            .create()
        try await database.schema(DifficultyEvent.schema)
            .id()
            .field("created_at", .datetime)
            .field("difficulty_id", .uuid, .required, .references(Difficulty.schema, .id))
            .field("kind", .string, .required)
            .field("actor", .string, .required)
            .field("actor_role", .string, .required)
            .field("text", .string, .required)
            .field("unit_path", path, .required)
            .create()
        try await database.schema(DifficultyPhoto.schema)
            .id()
            .field("unit_path", path, .required)
            .field("content", .data, .required)
            .create()
        try await database.schema(FAQEntry.schema)
            .id()
            .field("created_at", .datetime)
            .field("service_code", .string, .required)
            .field("question", .string, .required)
            .field("answer", .string, .required)
            .field("search_text", .string, .required)
            .field("unit_path", path, .required)
            .field("difficulty_id", .uuid)
            .field("created_by", .string, .required)
            .create()
        try await database.schema(WarningSettingsRecord.schema).field("unanswered_days", .int, .required, .sql(.default(3))).update()
        try await Indexes.create(on: database, [
            ("difficulties_path", Difficulty.schema, ["unit_path", "status"]),
            ("difficulties_commune", Difficulty.schema, ["commune_path", "status"]),
            ("difficulty_events_difficulty", DifficultyEvent.schema, ["difficulty_id"]),
            ("faq_entries_service", FAQEntry.schema, ["service_code"]),
        ])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WarningSettingsRecord.schema).deleteField("unanswered_days").update()
        for schema in [FAQEntry.schema, DifficultyPhoto.schema, DifficultyEvent.schema, Difficulty.schema] {
            try await database.schema(schema).delete()
        }
    }
}
