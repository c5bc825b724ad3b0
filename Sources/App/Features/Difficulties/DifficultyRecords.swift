import Fluent
import Foundation
import LanToaCore

/// Where a difficulty stands.
enum DifficultyStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for an answer from its level (the commune, or the province once forwarded).
    case open
    /// Answered; the asker may mark it solved or reopen it.
    case answered
    case solved
}

/// Who must answer a difficulty now.
enum DifficultyLevel: String, Codable, Sendable, CaseIterable {
    case commune
    case province
}

/// A difficulty (vướng mắc) a member meets while helping residents: about a catalogue service, raised from the phone
/// (offline too: the phone gives it its id) or the web, answered by the commune or forwarded to the province's
/// specialists, solved or reopened by the asker.
final class Difficulty: Model, @unchecked Sendable {
    static let schema = "difficulties"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    // data fields
    @Field(key: "raised_by") var raisedBy: UUID
    @Field(key: "raised_by_name") var raisedByName: String
    @OptionalField(key: "team_id") var teamID: UUID?
    /// The asker's unit (their hamlet, or their commune).
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "commune_path") var communePath: String
    @Field(key: "service_code") var serviceCode: String
    @Field(key: "description") var description: String
    @Field(key: "has_photo") var hasPhoto: Bool
    @Field(key: "status") var status: DifficultyStatus
    @Field(key: "level") var level: DifficultyLevel
    /// The day it was raised (Vietnam time).
    @Field(key: "raised_on") var raisedOn: String
    @OptionalField(key: "first_answered_at") var firstAnsweredAt: Date?
    @OptionalField(key: "solved_at") var solvedAt: Date?

    init() {}
}

/// What happened to a difficulty, in order: raised, forwarded, answered, solved, reopened, promoted.
final class DifficultyEvent: Model, @unchecked Sendable {
    static let schema = "difficulty_events"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "difficulty_id") var difficultyID: UUID
    @Field(key: "kind") var kind: String
    @Field(key: "actor") var actor: String
    @Field(key: "actor_role") var actorRole: String
    @Field(key: "text") var text: String
    @Field(key: "unit_path") var unitPath: String

    init() {}
}

/// A difficulty's photo, without its metadata (`JPEGMetadata`).
final class DifficultyPhoto: Model, @unchecked Sendable {
    static let schema = "difficulty_photos"

    @ID(key: .id) var id: UUID?
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "content") var content: Data

    init() {}
}

/// A question and its answer in the FAQ (câu hỏi thường gặp) of a service: a good answer promoted by provincial or
/// national staff, searched without diacritics.
final class FAQEntry: Model, @unchecked Sendable {
    static let schema = "faq_entries"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "service_code") var serviceCode: String
    @Field(key: "question") var question: String
    @Field(key: "answer") var answer: String
    /// Question and answer folded (lower case, no diacritics) for the search.
    @Field(key: "search_text") var searchText: String
    /// The province whose FAQ it is, or `/` for the national one.
    @Field(key: "unit_path") var unitPath: String
    @OptionalField(key: "difficulty_id") var difficultyID: UUID?
    @Field(key: "created_by") var createdBy: String

    init() {}
}

extension Difficulty: ScopedModel {
    static var unitPathField: KeyPath<Difficulty, FieldProperty<Difficulty, String>> { \.$unitPath }
}
extension DifficultyEvent: ScopedModel {
    static var unitPathField: KeyPath<DifficultyEvent, FieldProperty<DifficultyEvent, String>> { \.$unitPath }
}
extension DifficultyPhoto: ScopedModel {
    static var unitPathField: KeyPath<DifficultyPhoto, FieldProperty<DifficultyPhoto, String>> { \.$unitPath }
}
extension FAQEntry: ScopedModel {
    static var unitPathField: KeyPath<FAQEntry, FieldProperty<FAQEntry, String>> { \.$unitPath }

    /// The national FAQ everywhere, a province's within it (and above it).
    static func restrict(_ query: QueryBuilder<FAQEntry>, toScope path: String) -> QueryBuilder<FAQEntry> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}
