import Fluent

struct CreateTeams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Team.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("unit_id", .uuid, .required, .references(Unit.schema, .id))
            .field("unit_path", Indexes.pathType(database), .required)
            .field("name", .string, .required)
            .field("decision_number", .string, .required)
            .field("decision_date", .string, .required)
            .field("decision_signer", .string, .required)
            .field("status", .string, .required)
            .field("compliant", .bool, .required)
            .field("findings", .string, .required)
            .field("member_count", .int, .required)
            .field("demo", .bool, .required)
            .create()
        try await database.schema(TeamEvent.schema)
            .id()
            .field("created_at", .datetime)
            .field("team_id", .uuid, .required, .references(Team.schema, .id))
            .field("unit_path", Indexes.pathType(database), .required)
            .field("kind", .string, .required)
            .field("date", .string, .required)
            .field("decision_number", .string, .required)
            .field("decision_signer", .string, .required)
            .field("note", .string, .required)
            .create()
        try await database.schema(Member.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("full_name", .string, .required)
            .field("phone", .string, .required)
            .field("gender", .string, .required)
            .field("birth_year", .int, .required)
            .field("affiliations", .string, .required)
            .field("unit_path", Indexes.pathType(database), .required)
            .field("demo", .bool, .required)
            .unique(on: "phone")
            .create()
        try await database.schema(Membership.schema)
            .id()
            .field("created_at", .datetime)
            .field("team_id", .uuid, .required, .references(Team.schema, .id))
            .field("member_id", .uuid, .required, .references(Member.schema, .id))
            .field("unit_path", Indexes.pathType(database), .required)
            .field("role", .string, .required)
            .field("valid_from", .string, .required)
            .field("valid_to", .string, .required)
            .field("end_reason", .string, .required)
            .create()
        try await database.schema(CompositionPolicyRecord.schema)
            .id()
            .field("province_id", .uuid, .required, .references(Unit.schema, .id))
            .field("unit_path", Indexes.pathType(database), .required)
            .field("minimum_members", .int, .required)
            .field("maximum_members_hamlet", .int)
            .field("maximum_members_commune", .int)
            .field("leader_must_be_hamlet_head", .bool, .required)
            .unique(on: "province_id")
            .create()
        try await Indexes.create(on: database, [
            ("teams_unit_path", Team.schema, ["unit_path"]),
            ("teams_unit", Team.schema, ["unit_id", "status"]),
            ("team_events_team", TeamEvent.schema, ["team_id"]),
            ("members_unit_path", Member.schema, ["unit_path"]),
            ("memberships_team", Membership.schema, ["team_id", "valid_to"]),
            ("memberships_member", Membership.schema, ["member_id", "valid_to"]),
        ])
    }

    func revert(on database: any Database) async throws {
        for schema in [CompositionPolicyRecord.schema, Membership.schema, Member.schema, TeamEvent.schema, Team.schema] {
            try await database.schema(schema).delete()
        }
    }
}
