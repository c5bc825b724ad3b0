import Foundation

/// How often a report template (mẫu báo cáo) is reported: every week (Monday to Sunday), month, quarter or year, or once
/// over a campaign's dates (chiến dịch). Stored and sent as its raw value: `week`, `month`, `quarter`, `year`, or
/// `campaign:2026-06-01..2026-08-31`.
public struct ReportCycle: RawRepresentable, Codable, Hashable, Sendable {
    public enum Kind: String, CaseIterable, Codable, Sendable {
        case week
        case month
        case quarter
        case year
        case campaign
    }

    public let kind: Kind
    /// A campaign's dates: the cycle's one period.
    public let campaign: ReportPeriod?

    public static let week = ReportCycle(kind: .week, campaign: nil)
    public static let month = ReportCycle(kind: .month, campaign: nil)
    public static let quarter = ReportCycle(kind: .quarter, campaign: nil)
    public static let year = ReportCycle(kind: .year, campaign: nil)

    /// One period, a campaign's dates.
    public static func campaign(from start: LocalDate, to end: LocalDate) -> ReportCycle? {
        start <= end ? ReportCycle(kind: .campaign, campaign: ReportPeriod(kind: .range, start: start, end: end)) : nil
    }

    private init(kind: Kind, campaign: ReportPeriod?) {
        self.kind = kind
        self.campaign = campaign
    }

    public init?(rawValue: String) {
        if let kind = Kind(rawValue: rawValue), kind != .campaign {
            self.init(kind: kind, campaign: nil)
        } else if rawValue.hasPrefix("campaign:"), let p = ReportPeriod(String(rawValue.dropFirst("campaign:".count))), p.kind == .range {
            self.init(kind: .campaign, campaign: p)
        } else {
            return nil
        }
    }

    public var rawValue: String { campaign.map { "campaign:\($0.description)" } ?? kind.rawValue }

    /// The period of this cycle that contains `date` (a campaign's one period whatever the date).
    public func period(containing date: LocalDate) -> ReportPeriod {
        switch kind {
        case .week:
            let monday = date.adding(days: -date.weekdayFromMonday)
            return ReportPeriod(kind: .range, start: monday, end: monday.adding(days: 6))
        case .month:
            let first = LocalDate(year: date.year, month: date.month, day: 1)!
            return ReportPeriod(kind: .month, start: first, end: first.endOfMonth)
        case .quarter:
            return ReportPeriod("\(date.year)-Q\((date.month - 1) / 3 + 1)")!
        case .year:
            return ReportPeriod(String(date.year))!
        case .campaign:
            return campaign!
        }
    }

    /// The period this cycle names `key` (`2026-W47`, `2026-11`, `2026-Q4`, `2026`, a campaign's `2026-06-01..2026-08-31`), or nil.
    public func period(key: String) -> ReportPeriod? {
        switch kind {
        case .week:
            let parts = key.split(separator: "-W")
            guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let week = Int(parts[1]),
                  (1000...9998).contains(year), (1...53).contains(week) else { return nil }
            // ISO week 1 holds the year's first Thursday.
            let jan4 = LocalDate(year: year, month: 1, day: 4)!
            let monday = jan4.adding(days: -jan4.weekdayFromMonday + (week - 1) * 7)
            let p = ReportPeriod(kind: .range, start: monday, end: monday.adding(days: 6))
            return self.key(p) == key ? p : nil
        case .month:
            guard key.count == 7, let p = ReportPeriod(key), p.kind == .month else { return nil }
            return p
        case .quarter:
            guard key.count == 7, let p = ReportPeriod(key), p.kind == .quarter else { return nil }
            return p
        case .year:
            guard key.count == 4, let p = ReportPeriod(key), p.kind == .year else { return nil }
            return p
        case .campaign:
            return key == campaign!.description ? campaign : nil
        }
    }

    /// The key of a period of this cycle.
    public func key(_ period: ReportPeriod) -> String {
        switch kind {
        case .week:
            // The ISO year is the year of the week's Thursday.
            let thursday = period.start.adding(days: 3)
            let jan4 = LocalDate(year: thursday.year, month: 1, day: 4)!
            let firstMonday = jan4.adding(days: -jan4.weekdayFromMonday)
            let week = firstMonday.days(to: period.start) / 7 + 1
            return "\(thursday.year)-W\(week < 10 ? "0" : "")\(week)"
        case .month, .quarter, .year, .campaign:
            return period.description
        }
    }

    /// The period after `period`, or nil after a campaign's one period.
    public func next(_ period: ReportPeriod) -> ReportPeriod? { kind == .campaign ? nil : self.period(containing: period.end.nextDay) }

    /// The period before `period`, or nil before a campaign's one period.
    public func previous(_ period: ReportPeriod) -> ReportPeriod? { kind == .campaign ? nil : self.period(containing: period.start.previousDay) }

    /// The periods that overlap `from...through`, oldest first.
    public func periods(from: LocalDate, through: LocalDate) -> [ReportPeriod] {
        var out: [ReportPeriod] = []
        var p: ReportPeriod? = period(containing: from)
        while let current = p, current.start <= through {
            if current.end >= from { out.append(current) }
            p = next(current)
        }
        return out
    }

    /// The latest `count` periods that have started by `today`, newest first.
    public func recent(_ count: Int, asOf today: LocalDate) -> [ReportPeriod] {
        var out: [ReportPeriod] = []
        var p: ReportPeriod? = period(containing: today)
        while let current = p, out.count < count {
            if current.start <= today { out.append(current) }
            p = previous(current)
        }
        return out
    }

    /// The period a reviewer looks at first: the last ended one (a campaign's one period).
    public func lastEnded(asOf today: LocalDate) -> ReportPeriod {
        let current = period(containing: today)
        return previous(current) ?? current
    }
}

extension LocalDate {
    /// 0 for Monday … 6 for Sunday.
    public var weekdayFromMonday: Int {
        // The ordinal's day 0 (0000-03-01) was a Wednesday.
        ((ordinal % 7) + 7 + 2) % 7
    }
}

/// Where a report stands for its reporter and reviewers (trạng thái báo cáo).
public enum ReportStatus: String, CaseIterable, Codable, Sendable {
    /// The period has not ended: entry is open, nothing is due yet.
    case notYetDue = "not_yet_due"
    /// The period has ended and the deadline has not passed; nothing received.
    case due
    /// The deadline has passed and nothing was received.
    case late
    case submitted
    case returned
    case approved
    /// Settled by the reviewer without a report (a team that could not report), with a reason.
    case notReceived = "not_received"
}

/// The dates of one period of a template: entry opens at the period's start (or earlier for templates that open
/// future periods), is on time up to the deadline (hạn nộp) and closes at the lock date (ngày khóa sổ); after it, entry
/// needs an exception granted by the reviewing tier.
public struct ReportCalendar: Sendable, Equatable {
    public var cycle: ReportCycle
    /// Days after the period's end, inclusive, for a report to be on time.
    public var deadlineDays: Int
    /// Days after the period's end, inclusive, until which entry stays open; never before the deadline.
    public var lockDays: Int
    /// How many periods after the current one are open for entry (plans typed ahead).
    public var openFuturePeriods: Int

    public init(cycle: ReportCycle, deadlineDays: Int, lockDays: Int, openFuturePeriods: Int = 0) {
        self.cycle = cycle
        self.deadlineDays = deadlineDays
        self.lockDays = max(lockDays, deadlineDays)
        self.openFuturePeriods = openFuturePeriods
    }

    public func deadline(_ period: ReportPeriod) -> LocalDate { period.end.adding(days: deadlineDays) }
    public func lockDate(_ period: ReportPeriod) -> LocalDate { period.end.adding(days: lockDays) }

    /// Whether entry (saving or submitting) is open on `today` without an exception.
    public func isOpen(_ period: ReportPeriod, on today: LocalDate) -> Bool {
        // A campaign's one period opens on its first day, or at once when the template opens periods ahead.
        guard cycle.kind != .campaign else { return (openFuturePeriods > 0 || period.start <= today) && today <= lockDate(period) }
        var latestOpen = cycle.period(containing: today)
        for _ in 0..<max(0, openFuturePeriods) { latestOpen = cycle.next(latestOpen) ?? latestOpen }
        return period.start <= latestOpen.start && today <= lockDate(period)
    }

    /// The status of a slot with no report (or a draft) on `today`.
    public func statusWithoutReport(_ period: ReportPeriod, on today: LocalDate) -> ReportStatus {
        if today <= period.end { return .notYetDue }
        return today <= deadline(period) ? .due : .late
    }

    /// Whether a report first received at `receivedOn` (the server's date in Vietnam) was on time.
    public func isOnTime(_ period: ReportPeriod, receivedOn: LocalDate) -> Bool { receivedOn <= deadline(period) }
}

/// Reporting completeness (tỷ lệ báo cáo đầy đủ) and timeliness (tỷ lệ đúng hạn) from counts of expected slots.
///
/// Each expected slot counts at most once as received and once as on time, and only slots that were expected count,
/// so a rate never exceeds 100 %.
public enum ReportRates {
    /// A percentage with one decimal, or nil when nothing was expected.
    public static func percent(_ part: Int64, of expected: Int64) -> Double? {
        guard expected > 0 else { return nil }
        return (Double(min(max(part, 0), expected)) * 1000 / Double(expected)).rounded() / 10
    }
}
