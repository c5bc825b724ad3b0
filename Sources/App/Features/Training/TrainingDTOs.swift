import Foundation
import LanToaCore
import Vapor

struct CreateTrainingCourseRequest: Content {
    var title: String?
    var topic: String?
    /// Catalogue service codes the course covers.
    var services: [String]?
    var mode: String?
    var link: String?
    var organiser: String?
    var organiserName: String?
    /// The owning unit's code; the account's own unit when absent, `VN` for a national course (administrators).
    var unit: String?
}

struct TrainingCourseResponse: Content, Equatable {
    var id: UUID
    var title: String
    var topic: String
    var services: [String]
    var mode: TrainingMode
    var link: String?
    var organiser: TrainingOrganiser
    var organiserName: String
    /// The owning unit; nil for a national course.
    var unit: UnitRef?
}

struct CreateTrainingSessionRequest: Content {
    var course: UUID?
    var date: String?
    var place: String?
    var link: String?
    var trainer: String?
    /// The organising unit's code; the course's unit (or the account's own unit for a national course) when absent.
    var unit: String?
    var capacity: Int?
}

struct TrainingSessionResponse: Content {
    var id: UUID
    var course: TrainingCourseResponse
    var date: String
    var place: String
    var link: String?
    var trainer: String
    var unit: UnitRef
    var capacity: Int
    /// Attendances marked present, over the whole session.
    var present: Int
}

struct TrainingAttendanceEntry: Content {
    var member: UUID?
    var present: Bool?
    var passed: Bool?
    var certificate: String?
}

struct TrainingAttendanceRequest: Content {
    var entries: [TrainingAttendanceEntry]?
}

struct TrainingAttendanceRow: Content {
    var member: UUID
    var fullName: String
    var team: UUID?
    var teamName: String?
    var present: Bool
    var passed: Bool?
    var certificate: String
}

/// A session with the attendances the account may see (those of its own area).
struct TrainingSessionDetail: Content {
    var session: TrainingSessionResponse
    var attendances: [TrainingAttendanceRow]
}

struct UnmatchedAttendanceRow: Content, Equatable {
    var row: Int
    var phone: String
    var fullName: String
}

struct TrainingImportResponse: Content {
    /// Attendances written (new or changed).
    var recorded: Int
    /// Rows that matched a member.
    var matched: Int
    /// Rows whose phone number matches no member of the session's area within the account's: not written.
    var unmatched: [UnmatchedAttendanceRow]
    var session: TrainingSessionResponse
}

struct MemberTrainingEntry: Content {
    var session: UUID
    var course: String
    var date: String
    var organiser: String
    var present: Bool
    var passed: Bool?
    var certificate: String
}

/// A member's training record (quá trình tập huấn).
struct MemberTrainingResponse: Content {
    var member: UUID
    var fullName: String
    /// Attendances marked present, all years.
    var attendances: Int
    /// Whether the member was trained at least once this calendar year.
    var trainedThisYear: Bool
    var entries: [MemberTrainingEntry]
}
