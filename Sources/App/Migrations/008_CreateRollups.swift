import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Rollups, the indicator catalogue, targets, campaigns and hand-reported values.
struct CreateRollups: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let text = sql.engine == .postgres ? #"TEXT COLLATE "C""# : "TEXT"
        try await Self.createCellTable("rollups", on: sql)
        // Derived from the support log like the rollups (and rebuilt with them): each household's first visit, each
        // team's latest support.
        try await sql.raw("""
            CREATE TABLE household_visits (household_id UUID PRIMARY KEY, unit_path \(unsafeRaw: text) NOT NULL, first_on TEXT NOT NULL)
            """).run()
        try await sql.raw("CREATE TABLE team_activity (team_id UUID PRIMARY KEY, last_on TEXT NOT NULL)").run()
        // Corrections are looked up by the entry they supersede; most entries supersede none.
        try await sql.raw("CREATE INDEX support_activities_supersedes ON support_activities (supersedes_id) WHERE supersedes_id IS NOT NULL").run()
        try await sql.raw("CREATE INDEX support_activities_household ON support_activities (household_id) WHERE household_id IS NOT NULL").run()

        try await database.schema(IndicatorRecord.schema)
            .id()
            .field("code", .string, .required)
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("name_en", .string, .required)
            .field("service_code", .string, .required)
            .field("figure", .string, .required)
            .field("unit_path", Indexes.pathType(database), .required)
            .field("position", .int, .required)
            .unique(on: "code")
            .create()
        try await database.schema(TargetRecord.schema)
            .id()
            .field("updated_at", .datetime)
            // The nation's targets have the nation's row key, which is no unit.
            .field("unit_id", .uuid, .required)
            .field("unit_path", Indexes.pathType(database), .required)
            .field("indicator_code", .string, .required)
            .field("period", .string, .required)
            .field("period_start", .string, .required)
            .field("period_end", .string, .required)
            .field("value", .double, .required)
            .field("method", .string, .required)
            .field("campaign_id", .uuid)
            .field("set_by", .string, .required)
            .unique(on: "unit_id", "indicator_code", "period")
            .create()
        try await database.schema(CampaignRecord.schema)
            .id()
            .field("created_at", .datetime)
            .field("name", .string, .required)
            .field("start_on", .string, .required)
            .field("end_on", .string, .required)
            .field("owner_id", .uuid, .required)
            .field("unit_path", Indexes.pathType(database), .required)
            .field("unit_codes", .string, .required)
            .field("indicator_codes", .string, .required)
            .field("created_by", .string, .required)
            .create()
        try await database.schema(IndicatorValue.schema)
            .id()
            .field("created_at", .datetime)
            .field("unit_id", .uuid, .required, .references(Unit.schema, .id))
            .field("unit_path", Indexes.pathType(database), .required)
            .field("indicator_code", .string, .required)
            .field("on", .string, .required)
            .field("value", .int64, .required)
            .field("recorded_by", .string, .required)
            .create()
        try await Indexes.create(on: database, [
            ("targets_indicator_period", TargetRecord.schema, ["indicator_code", "period", "unit_id"]),
            ("targets_path", TargetRecord.schema, ["unit_path"]),
            ("campaigns_path", CampaignRecord.schema, ["unit_path"]),
            ("indicator_values_unit", IndicatorValue.schema, ["unit_id"]),
            ("units_former_path", Unit.schema, ["former_path"]),
        ])
        for (i, indicator) in Indicators.national.enumerated() {
            indicator.position = i
            try await indicator.create(on: database)
        }
        // Hamlets already recorded get their former commune; their figures are computed by `WidenRollups`, which
        // replaces this table.
        try await Rollups.assignFormerCommunes(on: database)
    }

    /// A table of one row per unit, figure key and period (the rollups until `WidenRollups`); the key is the whole
    /// primary key, so reads are range scans of it.
    static func createCellTable(_ name: String, on sql: any SQLDatabase) async throws {
        let text = sql.engine == .postgres ? #"TEXT COLLATE "C""# : "TEXT"
        try await sql.raw("""
            CREATE TABLE \(ident: name) (unit_id UUID NOT NULL, key \(unsafeRaw: text) NOT NULL, period \(unsafeRaw: text) NOT NULL,
            value BIGINT NOT NULL, PRIMARY KEY (unit_id, key, period))\(unsafeRaw: sql.engine == .sqlite ? " WITHOUT ROWID" : "")
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IndicatorValue.schema).delete()
        try await database.schema(CampaignRecord.schema).delete()
        try await database.schema(TargetRecord.schema).delete()
        try await database.schema(IndicatorRecord.schema).delete()
        let sql = database as! any SQLDatabase
        for statement in ["DROP INDEX support_activities_household", "DROP INDEX support_activities_supersedes", "DROP TABLE team_activity",
                          "DROP TABLE household_visits", "DROP TABLE rollups"] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
