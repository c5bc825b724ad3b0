import Foundation

extension LocalDate {
    /// The day after.
    public var nextDay: LocalDate {
        if day < LocalDate.daysIn(month: month, year: year) { return LocalDate(year: year, month: month, day: day + 1)! }
        if month < 12 { return LocalDate(year: year, month: month + 1, day: 1)! }
        return year < 9999 ? LocalDate(year: year + 1, month: 1, day: 1)! : self
    }

    /// The last day of the date's month.
    public var endOfMonth: LocalDate { LocalDate(year: year, month: month, day: LocalDate.daysIn(month: month, year: year))! }

    /// Days from `self` to `other` (negative when `other` is earlier).
    public func days(to other: LocalDate) -> Int {
        other.ordinal - ordinal
    }

    /// Days since 0000-03-01 in the proleptic Gregorian calendar.
    var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let m = month <= 2 ? month + 9 : month - 3
        return 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1
    }

    /// The date `n` days later (or earlier, for a negative `n`), kept within `distantPast...distantFuture`.
    public func adding(days n: Int) -> LocalDate {
        let z = min(max(ordinal + n, LocalDate.distantPast.ordinal), LocalDate.distantFuture.ordinal)
        // The inverse of `ordinal`, by 400-year eras.
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return LocalDate(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: dayOfYear - (153 * mp + 2) / 5 + 1)!
    }
}

/// A reporting period (kỳ báo cáo): a year, a quarter, a month, or any range of days (a campaign's dates).
///
/// Written `2026`, `2026-Q2`, `2026-11`, or `2026-06-01..2026-08-31`.
public struct ReportPeriod: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable { case year, quarter, month, range }

    public let kind: Kind
    public let start: LocalDate
    public let end: LocalDate

    public init?(_ text: String) {
        let t = text.trimmingWhitespace().uppercased()
        if t.count == 4, let y = Int(t), (1000...9998).contains(y) {
            self.init(kind: .year, start: LocalDate(year: y, month: 1, day: 1)!, end: LocalDate(year: y, month: 12, day: 31)!)
        } else if t.count == 7, t.dropFirst(4).hasPrefix("-Q"), let y = Int(t.prefix(4)), let q = Int(t.suffix(1)), (1...4).contains(q),
                  (1000...9998).contains(y) {
            let first = LocalDate(year: y, month: q * 3 - 2, day: 1)!
            self.init(kind: .quarter, start: first, end: LocalDate(year: y, month: q * 3, day: 1)!.endOfMonth)
        } else if t.count == 7, let y = Int(t.prefix(4)), t.dropFirst(4).first == "-", let m = Int(t.suffix(2)),
                  let first = LocalDate(year: y, month: m, day: 1), (1000...9998).contains(y) {
            self.init(kind: .month, start: first, end: first.endOfMonth)
        } else if let r = t.range(of: ".."), let a = LocalDate(String(t[..<r.lowerBound])), let b = LocalDate(String(t[r.upperBound...])),
                  a <= b, a.year >= 1000, b.year <= 9998 {
            self.init(kind: .range, start: a, end: b)
        } else {
            return nil
        }
    }

    public init(kind: Kind, start: LocalDate, end: LocalDate) {
        self.kind = kind
        self.start = start
        self.end = end
    }

    /// Built directly, so that any year's neighbour exists (the year before 1000 is not a four-digit text).
    public static func year(_ y: Int) -> ReportPeriod {
        ReportPeriod(kind: .year, start: LocalDate(year: y, month: 1, day: 1)!, end: LocalDate(year: y, month: 12, day: 31)!)
    }

    /// The canonical text (`2026-Q2`), as accepted by `init?(_:)`.
    public var description: String {
        switch kind {
        case .year: String(start.year)
        case .quarter: "\(start.year)-Q\((start.month + 2) / 3)"
        case .month: String(start.iso.prefix(7))
        case .range: "\(start.iso)..\(end.iso)"
        }
    }

    public var dayCount: Int { start.days(to: end) + 1 }

    /// The period of the same kind just before (a range: the same number of days before it).
    public var previous: ReportPeriod {
        switch kind {
        case .year: return ReportPeriod.year(start.year - 1)
        case .quarter:
            let first = start.previousDay
            return ReportPeriod(kind: .quarter, start: LocalDate(year: first.year, month: first.month - 2, day: 1)!, end: first)
        case .month: return ReportPeriod(kind: .month, start: LocalDate(year: start.previousDay.year, month: start.previousDay.month, day: 1)!,
                                         end: start.previousDay)
        case .range:
            let end = start.previousDay
            return ReportPeriod(kind: .range, start: end.adding(days: -(dayCount - 1)), end: end)
        }
    }

    /// The points of a trend over the period: each day for up to 92 days, else the end of each month.
    public var trendPoints: [LocalDate] {
        if dayCount <= 92 {
            var points: [LocalDate] = []
            var d = start
            while d <= end { points.append(d); d = d.nextDay }
            return points
        }
        var points: [LocalDate] = []
        var d = start.endOfMonth
        while d < end { points.append(d); d = d.nextDay.endOfMonth }
        points.append(end)
        return points
    }
}

/// The keys under which rollups (số liệu tổng hợp) are kept: every value is added to its day (`D2026-11-22`), its
/// month (`M2026-11`), its year (`Y2026`) and the all-time total (`T`), so any range of days is read as a few rows.
/// The grain letter first keeps each grain's keys contiguous in string order, so a run of them is one range scan.
public enum RollupPeriods {
    public static let total = "T"

    public static func day(_ d: LocalDate) -> String { "D" + d.iso }
    public static func month(_ d: LocalDate) -> String { "M" + d.iso.prefix(7) }
    public static func year(_ d: LocalDate) -> String { "Y" + d.iso.prefix(4) }

    /// The four keys a value dated `date` is added to.
    public static func keys(for date: LocalDate) -> [String] {
        [total, year(date), month(date), day(date)]
    }

    /// The fewest keys whose rows together cover exactly the days `from...to`: whole years, then whole months,
    /// then single days.
    public static func cover(from: LocalDate, to: LocalDate) -> [String] {
        guard from <= to else { return [] }
        var keys: [String] = []
        var d = from
        while d <= to {
            let yearEnd = LocalDate(year: d.year, month: 12, day: 31)!
            let next: LocalDate
            if d.month == 1, d.day == 1, yearEnd <= to {
                keys.append(year(d))
                next = yearEnd.nextDay
            } else if d.day == 1, d.endOfMonth <= to {
                keys.append(month(d))
                next = d.endOfMonth.nextDay
            } else {
                keys.append(day(d))
                next = d.nextDay
            }
            if next <= d { break }
            d = next
        }
        return keys
    }

    /// A run of keys of one grain, both ends included.
    public struct KeyRange: Hashable, Sendable {
        public var low: String
        public var high: String

        public init(low: String, high: String) {
            self.low = low
            self.high = high
        }
    }

    /// The rows dated up to and including `date`: earlier years, earlier months of its year, its month's days so far
    /// (a whole month or year when `date` ends it). A stock (teams, residents, people with a service done) at `date` is
    /// the sum of these rows: at most three range scans per unit and key, one at a year's end.
    public static func upTo(_ date: LocalDate) -> [KeyRange] {
        let year = date.iso.prefix(4)
        if date.month == 12, date.day == 31 { return [KeyRange(low: "Y0000", high: "Y" + year)] }
        var ranges = [KeyRange(low: "Y0000", high: "Y" + String(format: "%04d", date.year - 1))]
        let monthEnd = date == date.endOfMonth
        let lastWholeMonth = monthEnd ? date.month : date.month - 1
        if lastWholeMonth >= 1 { ranges.append(KeyRange(low: "M\(year)-01", high: "M\(year)-" + String(format: "%02d", lastWholeMonth))) }
        if !monthEnd { ranges.append(KeyRange(low: "D\(date.iso.prefix(7))-01", high: day(date))) }
        return ranges
    }

    /// The rows dated after `date`: later years, later months of its year, the rest of its month's days (none of a
    /// grain where `date` ends it). A stock at `date` is the total row minus these rows: where the later rows are few
    /// (a date near today), that is fewer rows than `upTo(date)`.
    public static func after(_ date: LocalDate) -> [KeyRange] {
        var ranges: [KeyRange] = []
        if date.year < 9999 { ranges.append(KeyRange(low: "Y" + String(format: "%04d", date.year + 1), high: "Y9999")) }
        let year = date.iso.prefix(4)
        if date.month < 12 { ranges.append(KeyRange(low: "M\(year)-" + String(format: "%02d", date.month + 1), high: "M\(year)-12")) }
        if date != date.endOfMonth { ranges.append(KeyRange(low: day(date.nextDay), high: day(date.endOfMonth))) }
        return ranges
    }

    /// The keys of `cover(from:to:)` as ranges: each run of keys of one grain covers consecutive days, so it is read
    /// as one range scan (a quarter's three months, a campaign's days before its first whole month).
    public static func coverRanges(from: LocalDate, to: LocalDate) -> [KeyRange] {
        var ranges: [KeyRange] = []
        for key in cover(from: from, to: to) {
            if let last = ranges.last, last.high.first == key.first {
                ranges[ranges.count - 1].high = key
            } else {
                ranges.append(KeyRange(low: key, high: key))
            }
        }
        return ranges
    }

    /// The smallest run of each grain (days, months, years, total) holding all of `keys`: where `keys` are the segments
    /// of a trend, reading these runs is a few range scans, and the rows between the keys are left unused.
    public static func spans(_ keys: some Collection<String>) -> [KeyRange] {
        var spans: [Character: KeyRange] = [:]
        for key in keys {
            guard let grain = key.first else { continue }
            if let known = spans[grain] {
                spans[grain] = KeyRange(low: min(known.low, key), high: max(known.high, key))
            } else {
                spans[grain] = KeyRange(low: key, high: key)
            }
        }
        return spans.values.sorted { $0.low < $1.low }
    }
}
