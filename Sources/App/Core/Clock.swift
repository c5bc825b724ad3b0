import Foundation
import LanToaCore
import Vapor

/// The time source, injected so that tests can fix "today".
struct AppClock: Sendable {
    var now: @Sendable () -> Date
    var timeZone: TimeZone

    static let vietnam = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    static let system = AppClock(now: { Date() }, timeZone: vietnam)

    /// A clock that starts at 9:00 on `date` and runs from there, so that a demonstration or a test sees its day
    /// while tokens, sessions and lockouts still expire.
    static func fixed(_ date: LocalDate) -> AppClock {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = vietnam
        let instant = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 9))!
        let started = Date()
        return AppClock(now: { instant.addingTimeInterval(Date().timeIntervalSince(started)) }, timeZone: vietnam)
    }

    func today() -> LocalDate { LocalDate(now(), timeZone: timeZone) }
}

extension AppClock {
    /// A moment as pages show it, in Vietnam time: `14:05 03/12/2026`; "" when there is none.
    static func shown(_ date: Date?) -> String {
        guard let date else { return "" }
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm dd/MM/yyyy"
        formatter.timeZone = vietnam
        return formatter.string(from: date)
    }
}
