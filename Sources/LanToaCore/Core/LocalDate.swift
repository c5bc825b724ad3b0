import Foundation

/// A calendar date without time or zone, as Vietnamese decisions and reports carry them.
///
/// Stored and exchanged as ISO 8601 (`2025-07-01`), so that string order is date order in every database;
/// shown as `01/07/2025`.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The open ends of validity periods, as stored.
    public static let distantPast = LocalDate(uncheckedYear: 1, month: 1, day: 1)
    public static let distantFuture = LocalDate(uncheckedYear: 9999, month: 12, day: 31)

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    private init(uncheckedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `2025-07-01`, and also `01/07/2025` or `1/7/2025` as typed in Vietnamese spreadsheets.
    public init?(_ text: String) {
        let t = text.trimmingWhitespace()
        let iso = t.split(separator: "-", omittingEmptySubsequences: false)
        if iso.count == 3, iso[0].count == 4, let y = Int(iso[0]), let m = Int(iso[1]), let d = Int(iso[2]),
           iso[1].count == 2, iso[2].count == 2 {
            self.init(year: y, month: m, day: d)
            return
        }
        let vn = t.split(separator: "/", omittingEmptySubsequences: false)
        if vn.count == 3, vn[2].count == 4, (1...2).contains(vn[0].count), (1...2).contains(vn[1].count),
           let d = Int(vn[0]), let m = Int(vn[1]), let y = Int(vn[2]) {
            self.init(year: y, month: m, day: d)
            return
        }
        return nil
    }

    public init(_ date: Date, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        self.init(uncheckedYear: c.year!, month: c.month!, day: c.day!)
    }

    /// `2025-07-01`
    public var iso: String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// `01/07/2025`
    public var vietnamese: String {
        pad(day, 2) + "/" + pad(month, 2) + "/" + pad(year, 4)
    }

    public var description: String { iso }

    /// The day before (for closing a period the day before another opens).
    public var previousDay: LocalDate {
        if day > 1 { return LocalDate(uncheckedYear: year, month: month, day: day - 1) }
        if month > 1 { return LocalDate(uncheckedYear: year, month: month - 1, day: LocalDate.daysIn(month: month - 1, year: year)) }
        return LocalDate(uncheckedYear: year - 1, month: 12, day: 31)
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Not a date (yyyy-MM-dd): \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}

/// A period of validity, both ends included.
public struct ValidPeriod: Hashable, Sendable {
    public var from: LocalDate
    public var to: LocalDate

    public init(from: LocalDate = .distantPast, to: LocalDate = .distantFuture) {
        self.from = from
        self.to = to
    }

    public func contains(_ date: LocalDate) -> Bool { from <= date && date <= to }
}
