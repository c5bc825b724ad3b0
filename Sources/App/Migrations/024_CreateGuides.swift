import Fluent
import SQLKit

/// The guides library: guides per catalogue service, each published version kept, and their pictures.
struct CreateGuides: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let path = Indexes.pathType(database)
        try await database.schema(Guide.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("service_code", .string, .required)
            .field("unit_path", path, .required)
            .field("unit_name", .string, .required)
            .field("adapts_id", .uuid)
            .field("adapts_version", .int)
            .field("version", .int, .required)
            .field("title", .string, .required)
            .field("bytes", .int, .required)
            .field("author", .string, .required)
            .create()
        try await database.schema(GuideVersion.schema)
            .id()
            .field("created_at", .datetime)
            .field("guide_id", .uuid, .required)
            .field("version", .int, .required)
            .field("unit_path", path, .required)
            .field("title", .string, .required)
            .field("steps", .string, .required)
            .field("bytes", .int, .required)
            .field("author", .string, .required)
            .unique(on: "guide_id", "version")
            .create()
        try await database.schema(GuideImage.schema)
            .id()
            .field("unit_path", path, .required)
            .field("bytes", .int, .required)
            .field("content", .data, .required)
            .create()
        // A province adapts a national guide once.
        try await (database as! any SQLDatabase).raw("CREATE UNIQUE INDEX guides_adaptation ON guides (adapts_id, unit_path)").run()
        try await Indexes.create(on: database, [("guides_service", Guide.schema, ["service_code", "unit_path"])])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(GuideImage.schema).delete()
        try await database.schema(GuideVersion.schema).delete()
        try await database.schema(Guide.schema).delete()
    }
}
