import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import SQLKit

/// The figure keys rollups are kept under, and the eligibility dates they count.
extension Rollups {
    static func doneKey(_ service: String) -> String { "done.\(service)" }
    static func firstKey(_ service: String) -> String { "first.\(service)" }
    static func eligibleKey(_ age: Int) -> String { "elig.\(age)" }
    static func manualKey(_ indicator: String) -> String { "manual.\(indicator)" }

    /// The minimum ages of the personal services in the catalogue, for which eligible residents are counted.
    static func eligibilityAges(on db: any Database) async throws -> [Int] {
        let ages = try await ServiceRecord.query(on: db).filter(\.$unit == .person).all(\.$minimumAge)
        return Array(Set(ages)).sorted()
    }

    /// The date a resident born in `birthYear`, recorded on `recorded`, starts counting as aged at least `age`.
    static func eligibleFrom(birthYear: Int, age: Int, recorded: LocalDate) -> LocalDate {
        let first = LocalDate(year: min(9998, max(1, birthYear + age)), month: 1, day: 1)!
        return max(first, recorded)
    }

    static func localDate(_ instant: Date?) -> LocalDate {
        LocalDate(instant ?? Date(), timeZone: AppClock.vietnam)
    }
}
