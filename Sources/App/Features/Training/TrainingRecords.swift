import Fluent
import Foundation
import LanToaCore

/// How a course is taught.
enum TrainingMode: String, Codable, Sendable, CaseIterable {
    case inPerson = "in_person"
    case online
    /// A course of the OneTouch MOOC platform, followed at one's own pace; its completion list is imported.
    case mooc
}

/// Who organises a course: a unit of the hierarchy, a partner enterprise (Viettel, VNPT, …) or the national agency.
enum TrainingOrganiser: String, Codable, Sendable, CaseIterable {
    case unit
    case partner
    case national
}

/// A training course (khóa tập huấn, bồi dưỡng): a topic and the catalogue services it covers, owned by a unit (the
/// nation for the national agency's) and visible to everyone in and under it.
final class TrainingCourse: Model, @unchecked Sendable {
    static let schema = "training_courses"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    // data fields
    @Field(key: "title") var title: String
    @Field(key: "topic") var topic: String
    /// Catalogue service codes, comma-separated.
    @Field(key: "services") var services: String
    @Field(key: "mode") var mode: TrainingMode
    /// The course's page (a MOOC course's link), or "".
    @Field(key: "link") var link: String
    @Field(key: "organiser") var organiser: TrainingOrganiser
    /// The partner's name (or the unit's, kept as it was named then).
    @Field(key: "organiser_name") var organiserName: String
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "created_by") var createdBy: String

    init() {}

    var serviceCodes: [String] { services.split(separator: ",").map(String.init) }
}

/// One sitting of a course (buổi tập huấn): a day, a place or a link, a trainer, the organising unit and a capacity.
final class TrainingSession: Model, @unchecked Sendable {
    static let schema = "training_sessions"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "course_id") var courseID: UUID
    @Field(key: "held_on") var heldOn: String
    @Field(key: "place") var place: String
    @Field(key: "link") var link: String
    @Field(key: "trainer") var trainer: String
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "unit_path") var unitPath: String
    /// Seats; 0 for no limit.
    @Field(key: "capacity") var capacity: Int
    @Field(key: "created_by") var createdBy: String

    init() {}
}

/// A member's attendance of a session (điểm danh): present or absent, and the result. Each attendance marked present is
/// one "lượt" trained, counted at the member's hamlet as it was when recorded.
final class TrainingAttendance: Model, @unchecked Sendable {
    static let schema = "training_attendances"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "session_id") var sessionID: UUID
    @Field(key: "member_id") var memberID: UUID
    @OptionalField(key: "team_id") var teamID: UUID?
    @Field(key: "unit_path") var unitPath: String
    /// The session's day, kept here so that the figures are summed without a join.
    @Field(key: "held_on") var heldOn: String
    @Field(key: "present") var present: Bool
    @OptionalField(key: "passed") var passed: Bool?
    @Field(key: "certificate") var certificate: String
    @Field(key: "recorded_by") var recordedBy: String

    init() {}
}

extension TrainingCourse: ScopedModel {
    static var unitPathField: KeyPath<TrainingCourse, FieldProperty<TrainingCourse, String>> { \.$unitPath }

    /// A course is offered to everyone under its unit.
    static func restrict(_ query: QueryBuilder<TrainingCourse>, toScope path: String) -> QueryBuilder<TrainingCourse> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}
extension TrainingSession: ScopedModel {
    static var unitPathField: KeyPath<TrainingSession, FieldProperty<TrainingSession, String>> { \.$unitPath }

    /// A session is open to the members under its organising unit.
    static func restrict(_ query: QueryBuilder<TrainingSession>, toScope path: String) -> QueryBuilder<TrainingSession> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}
extension TrainingAttendance: ScopedModel {
    static var unitPathField: KeyPath<TrainingAttendance, FieldProperty<TrainingAttendance, String>> { \.$unitPath }
}
