import Fluent
import Foundation
import LanToaCore

/// What is posted: a notice, or a good practice to copy.
enum AnnouncementKind: String, Codable, Sendable, CaseIterable {
    /// Thông báo.
    case notice
    /// Cách làm hay: a unit's way of working, shared for others to copy.
    case practice
}

/// A notice or a good practice (thông báo, cách làm hay) posted by an official for a unit's subtree (a province to
/// all its communes and teams), with an optional attachment; every account of the subtree is told, and who read it is
/// kept.
final class Announcement: Model, @unchecked Sendable {
    static let schema = "announcements"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    // data fields
    @Field(key: "kind") var kind: AnnouncementKind
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    /// The subtree it is posted for.
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "unit_name") var unitName: String
    @Field(key: "author") var author: String
    /// The attachment's file name, or "".
    @Field(key: "attachment_name") var attachmentName: String
    /// How many accounts were told when it was posted.
    @Field(key: "recipients") var recipients: Int

    init() {}
}

/// An attachment's bytes, kept apart so that lists never read them.
final class AnnouncementFile: Model, @unchecked Sendable {
    static let schema = "announcement_files"

    @ID(key: .id) var id: UUID?
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "content") var content: Data

    init() {}
}

extension Announcement: ScopedModel {
    static var unitPathField: KeyPath<Announcement, FieldProperty<Announcement, String>> { \.$unitPath }

    /// Seen by the accounts of the subtree it is posted for, and by those above it.
    static func restrict(_ query: QueryBuilder<Announcement>, toScope path: String) -> QueryBuilder<Announcement> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}
extension AnnouncementFile: ScopedModel {
    static var unitPathField: KeyPath<AnnouncementFile, FieldProperty<AnnouncementFile, String>> { \.$unitPath }

    static func restrict(_ query: QueryBuilder<AnnouncementFile>, toScope path: String) -> QueryBuilder<AnnouncementFile> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}
