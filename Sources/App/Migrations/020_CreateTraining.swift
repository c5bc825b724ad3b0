import Fluent
import Foundation
import SQLKit

/// Training records: courses, sessions and attendances, and the two national training indicators.
struct CreateTraining: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let path = Indexes.pathType(database)
        try await database.schema(TrainingCourse.schema)
            .id()
            .field("created_at", .datetime)
            .field("title", .string, .required)
            .field("topic", .string, .required)
            .field("services", .string, .required)
            .field("mode", .string, .required)
            .field("link", .string, .required)
            .field("organiser", .string, .required)
            .field("organiser_name", .string, .required)
            .field("unit_path", path, .required)
            .field("created_by", .string, .required)
            .create()
        try await database.schema(TrainingSession.schema)
            .id()
            .field("created_at", .datetime)
            .field("course_id", .uuid, .required, .references(TrainingCourse.schema, .id))
            .field("held_on", .string, .required)
            .field("place", .string, .required)
            .field("link", .string, .required)
            .field("trainer", .string, .required)
            .field("unit_id", .uuid, .required)
            .field("unit_path", path, .required)
            .field("capacity", .int, .required)
            .field("created_by", .string, .required)
            .create()
        try await database.schema(TrainingAttendance.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("session_id", .uuid, .required, .references(TrainingSession.schema, .id))
            .field("member_id", .uuid, .required)
            .field("team_id", .uuid)
            .field("unit_path", path, .required)
            .field("held_on", .string, .required)
            .field("present", .bool, .required)
            .field("passed", .bool)
            .field("certificate", .string, .required)
            .field("recorded_by", .string, .required)
            .unique(on: "session_id", "member_id")
            .create()
        try await Indexes.create(on: database, [
            ("training_courses_path", TrainingCourse.schema, ["unit_path"]),
            ("training_sessions_path", TrainingSession.schema, ["unit_path", "held_on"]),
            ("training_attendances_member", TrainingAttendance.schema, ["member_id", "held_on"]),
            ("training_attendances_path", TrainingAttendance.schema, ["unit_path"]),
        ])
        let last = try await IndicatorRecord.query(on: database).max(\.$position) ?? 0
        for (i, indicator) in TrainingFigures.nationalIndicators.enumerated() {
            indicator.position = last + 1 + i
            try await indicator.create(on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await IndicatorRecord.query(on: database).filter(\.$kind ~~ [.training, .trainingCoverage]).delete()
        for schema in [TrainingAttendance.schema, TrainingSession.schema, TrainingCourse.schema] {
            try await database.schema(schema).delete()
        }
    }
}
