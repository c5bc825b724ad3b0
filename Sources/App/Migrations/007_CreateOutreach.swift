import Fluent
import Foundation
import LanToaCore

struct CreateOutreach: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Household.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("hamlet_id", .uuid, .required, .references(Unit.schema, .id))
            .field("unit_path", Indexes.pathType(database), .required)
            .field("address", .string, .required)
            .field("head_name", .string, .required)
            .field("phone", .string, .required)
            .field("created_by", .string, .required)
            .create()
        try await database.schema(Resident.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("household_id", .uuid, .references(Household.schema, .id))
            .field("hamlet_id", .uuid, .required, .references(Unit.schema, .id))
            .field("unit_path", Indexes.pathType(database), .required)
            .field("full_name", .string, .required)
            .field("gender", .string, .required)
            .field("birth_year", .int, .required)
            .field("cccd_sealed", .string, .required)
            .field("cccd_hash", .string, .required)
            .field("cccd_masked", .string, .required)
            .field("phone", .string, .required)
            .field("has_smartphone", .bool, .required)
            .field("consent_on", .string, .required)
            .field("consent_by", .string, .required)
            .field("erased_at", .datetime)
            .create()
        try await database.schema(ServiceRecord.schema)
            .id()
            .field("code", .string, .required)
            .field("pillar", .string, .required)
            .field("name", .string, .required)
            .field("name_en", .string, .required)
            .field("minimum_age", .int, .required)
            .field("unit", .string, .required)
            .field("unit_path", Indexes.pathType(database), .required)
            .field("active", .bool, .required)
            .unique(on: "code")
            .create()
        try await database.schema(SupportActivity.schema)
            .id()
            .field("received_at", .datetime, .required)
            .field("hamlet_id", .uuid, .required, .references(Unit.schema, .id))
            .field("unit_path", Indexes.pathType(database), .required)
            .field("team_id", .uuid)
            .field("recorded_by", .uuid)
            .field("resident_id", .uuid, .references(Resident.schema, .id))
            .field("household_id", .uuid, .references(Household.schema, .id))
            .field("anonymous_count", .int, .required)
            .field("service_code", .string, .required)
            .field("outcome", .string, .required)
            .field("reason", .string, .required)
            .field("channel", .string, .required)
            .field("happened_on", .string, .required)
            .field("supersedes_id", .uuid)
            .create()
        try await database.schema(ServiceStatus.schema)
            .id()
            .field("subject_id", .uuid, .required)
            .field("service_code", .string, .required)
            .field("unit_path", Indexes.pathType(database), .required)
            .field("first_done_on", .string, .required)
            .unique(on: "subject_id", "service_code")
            .create()
        try await Indexes.create(on: database, [
            ("households_path", Household.schema, ["unit_path"]),
            ("residents_path", Resident.schema, ["unit_path"]),
            ("residents_household", Resident.schema, ["household_id"]),
            ("residents_cccd_hash", Resident.schema, ["cccd_hash"]),
            ("support_activities_path", SupportActivity.schema, ["unit_path", "happened_on"]),
            ("support_activities_resident", SupportActivity.schema, ["resident_id"]),
            ("service_status_path", ServiceStatus.schema, ["unit_path", "service_code"]),
        ])
        // The national catalogue.
        for service in DigitalService.nationalDefaults {
            let record = ServiceRecord()
            record.code = service.code
            record.pillar = service.pillar
            record.name = service.name
            record.nameEn = service.nameEn
            record.minimumAge = service.minimumAge
            record.unit = service.unit
            record.unitPath = "/"
            record.active = true
            try await record.create(on: database)
        }
    }

    func revert(on database: any Database) async throws {
        for schema in [ServiceStatus.schema, SupportActivity.schema, ServiceRecord.schema, Resident.schema, Household.schema] {
            try await database.schema(schema).delete()
        }
    }
}
