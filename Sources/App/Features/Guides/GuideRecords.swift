import Fluent
import Foundation
import LanToaCore

/// A step-by-step guide to one catalogue service (tài liệu hướng dẫn: install VNeID and reach level 2, open an
/// account on the national public-service portal, …), written by national or provincial staff. Each edit publishes a
/// new version and keeps the old ones; a province may publish its own version of a national guide (`adaptsID`), which
/// its accounts read in place of the national one.
final class Guide: Model, @unchecked Sendable {
    static let schema = "guides"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    // data fields
    @Field(key: "service_code") var serviceCode: String
    /// The unit whose staff wrote it: the country ("/") or a province.
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "unit_name") var unitName: String
    /// The national guide this province's version replaces for its accounts.
    @OptionalField(key: "adapts_id") var adaptsID: UUID?
    /// The national guide's version it was last written from.
    @OptionalField(key: "adapts_version") var adaptsVersion: Int?
    /// The latest version's number, title and size.
    @Field(key: "version") var version: Int
    @Field(key: "title") var title: String
    @Field(key: "bytes") var bytes: Int
    @Field(key: "author") var author: String

    init() {}
}

/// One published version of a guide: its title and steps as they were then.
final class GuideVersion: Model, @unchecked Sendable {
    static let schema = "guide_versions"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "guide_id") var guideID: UUID
    @Field(key: "version") var version: Int
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "title") var title: String
    /// The steps as JSON (`[GuideStep]`).
    @Field(key: "steps") var stepsJSON: String
    /// The text and pictures of the version, in bytes: what a phone stores to read it offline.
    @Field(key: "bytes") var bytes: Int
    @Field(key: "author") var author: String

    init() {}

    var steps: [GuideStep] { (try? JSONDecoder().decode([GuideStep].self, from: Data(stepsJSON.utf8))) ?? [] }
}

/// A step: what to do, and the picture that shows it (a `GuideImage`), if any.
struct GuideStep: Codable, Equatable, Sendable {
    var text: String
    var image: UUID?
}

/// A step's picture: a JPEG without metadata, never changed once stored (versions share it), so phones cache it by id.
final class GuideImage: Model, @unchecked Sendable {
    static let schema = "guide_images"

    @ID(key: .id) var id: UUID?
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "bytes") var bytes: Int
    @Field(key: "content") var content: Data

    init() {}
}

/// Guides are read by the accounts of the unit that wrote them (the whole country for a national guide) and by the
/// tiers above it; a province never reads a sibling's versions.
extension Guide: ScopedModel {
    static var unitPathField: KeyPath<Guide, FieldProperty<Guide, String>> { \.$unitPath }

    static func restrict(_ query: QueryBuilder<Guide>, toScope path: String) -> QueryBuilder<Guide> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}
extension GuideVersion: ScopedModel {
    static var unitPathField: KeyPath<GuideVersion, FieldProperty<GuideVersion, String>> { \.$unitPath }

    static func restrict(_ query: QueryBuilder<GuideVersion>, toScope path: String) -> QueryBuilder<GuideVersion> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}
extension GuideImage: ScopedModel {
    static var unitPathField: KeyPath<GuideImage, FieldProperty<GuideImage, String>> { \.$unitPath }

    static func restrict(_ query: QueryBuilder<GuideImage>, toScope path: String) -> QueryBuilder<GuideImage> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}
