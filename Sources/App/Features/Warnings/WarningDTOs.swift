import Foundation
import LanToaCore
import Vapor

struct WarningResponse: Content {
    var id: UUID
    var kind: WarningKind
    /// The team or commune it is about.
    var subject: UUID
    var subjectName: String
    /// The indicator a commune is behind on.
    var indicator: String?
    var responsible: Role
    var detail: String
    var openedOn: String
}

struct WarningListResponse: Content {
    var unit: UnitRef
    /// Open warnings by kind.
    var counts: [String: Int]
    var items: [WarningResponse]
    var settings: WarningSettingsResponse?
}

struct WarningSettingsResponse: Content, Equatable {
    var idleDays: Int
    var noncompliantDays: Int
    var untrainedAfterDays: Int
    var planPercent: Int
    var unansweredDays: Int
}

struct WarningSettingsRequest: Content {
    var idleDays: Int?
    var noncompliantDays: Int?
    var untrainedAfterDays: Int?
    var planPercent: Int?
    var unansweredDays: Int?
}

struct NotificationResponse: Content {
    var id: UUID
    var kind: String
    var message: String
    var createdAt: Date?
    var read: Bool
}
