import Fluent

/// The person behind an account: a member of the team registry, so that what the account records is credited to them.
struct AddUserMember: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(User.schema).field("member_id", .uuid, .references(Member.schema, .id)).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(User.schema).deleteField("member_id").update()
    }
}
