import Foundation
import LanToaCore
import Vapor

/// The time source, injected so that tests can fix "today".
struct AppClock: Sendable {
    var now: @Sendable () -> Date
    var timeZone: TimeZone

    static let vietnam = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    static let system = AppClock(now: { Date() }, timeZone: vietnam)

    static func fixed(_ date: LocalDate) -> AppClock {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = vietnam
        let instant = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 9))!
        return AppClock(now: { instant }, timeZone: vietnam)
    }

    func today() -> LocalDate { LocalDate(now(), timeZone: timeZone) }
}
