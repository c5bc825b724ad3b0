import Fluent
import Foundation
import LanToaCore

/// How an indicator's value is obtained.
enum IndicatorKind: String, Codable, Sendable, CaseIterable {
    /// Supports done for a service in the period.
    case count
    /// Residents (or households) with the service done ÷ those eligible, as a percentage, at the end of the period.
    case coverage
    /// Teams, members, compliant teams, households, households visited, residents, at the end of the period.
    case structural
    /// A value reported by hand (e.g. products listed online), summed over the period.
    case manual
    /// Reports received (or received on time) ÷ reports expected, as a percentage over the period's closed periods;
    /// `figure` is `complete.<template>` or `on_time.<template>`.
    case reporting
    /// Members' attendances marked present at training sessions in the period ("lượt" trained).
    case training
    /// Members trained at least once in the calendar year up to the end of the period ÷ active members, as a percentage
    /// (the yearly goal that every member is trained).
    case trainingCoverage = "training_coverage"

    /// A percentage at the end of the period: its target is a rate, not split among the units below.
    var isRate: Bool { self == .coverage || self == .trainingCoverage }
}
