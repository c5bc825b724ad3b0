import Fluent

struct CreateUnits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Unit.schema)
            .id()
            .field("code", .string, .required)
            .field("tier", .string, .required)
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("short_name", .string, .required)
            .field("name_en", .string, .required)
            .field("search_key", .string, .required)
            .field("parent_id", .uuid)
            .field("path", Indexes.pathType(database), .required)
            .field("valid_from", .string, .required)
            .field("valid_to", .string, .required)
            .field("demo", .bool, .required)
            .unique(on: "code", "valid_from")
            .create()
        try await database.schema(UnitParent.schema)
            .id()
            .field("unit_id", .uuid, .required, .references(Unit.schema, .id))
            .field("parent_id", .uuid, .required, .references(Unit.schema, .id))
            .field("valid_from", .string, .required)
            .field("valid_to", .string, .required)
            .create()
        try await database.schema(UnitName.schema)
            .id()
            .field("unit_id", .uuid, .required, .references(Unit.schema, .id))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("basis", .string, .required)
            .field("valid_from", .string, .required)
            .field("valid_to", .string, .required)
            .create()
        try await database.schema(UnitLineage.schema)
            .id()
            .field("date", .string, .required)
            .field("old_unit_id", .uuid, .required, .references(Unit.schema, .id))
            .field("new_unit_id", .uuid, .required, .references(Unit.schema, .id))
            .field("share", .string, .required)
            .create()
        try await Indexes.create(on: database, [
            ("units_tier_valid", Unit.schema, ["tier", "valid_from", "valid_to"]),
            ("units_path", Unit.schema, ["path"]),
            ("units_parent", Unit.schema, ["parent_id"]),
            ("unit_parents_parent", UnitParent.schema, ["parent_id", "valid_from"]),
            ("unit_parents_unit", UnitParent.schema, ["unit_id"]),
            ("unit_names_unit", UnitName.schema, ["unit_id"]),
            ("unit_lineage_new", UnitLineage.schema, ["new_unit_id"]),
            ("unit_lineage_old", UnitLineage.schema, ["old_unit_id"]),
        ])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UnitLineage.schema).delete()
        try await database.schema(UnitName.schema).delete()
        try await database.schema(UnitParent.schema).delete()
        try await database.schema(Unit.schema).delete()
    }
}
