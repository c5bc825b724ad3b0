import Foundation
import LanToaCore
import Vapor

/// `POST /api/v1/report-templates`: a new template, or a new version of one.
struct ReportTemplateRequest: Content {
    var code: String?
    /// The province owning it; none for a national template (national accounts only).
    var province: String?
    var name: String?
    var nameEn: String?
    /// `week`, `month`, `quarter`, `year`, or `campaign` with `campaign`.
    var cycle: String?
    /// The campaign whose dates are the one period (with `cycle` `campaign`).
    var campaign: String?
    var deadlineDays: Int?
    var lockDays: Int?
    var openFuturePeriods: Int?
    var reporter: String?
    var firstPeriod: String?
    var reminderDays: [Int]?
    var includes: String?
    var fields: [ReportTemplateDefinition.Field]?
    var rules: [ReportRule]?
}

struct ReportTemplateResponse: Content {
    var code: String
    var version: Int
    var province: String?
    var name: String
    var nameEn: String
    var cycle: ReportCycle
    var deadlineDays: Int
    var lockDays: Int
    var openFuturePeriods: Int
    var reporter: ReportTemplateDefinition.Reporter
    var firstPeriod: ReportTemplateDefinition.FirstPeriod
    var reminderDays: [Int]
    var effectiveFrom: String
    var includes: String?
    var fields: [ReportTemplateDefinition.Field]
    var rules: [ReportRule]

    /// `provinceCode`: the code of the owning province (nil for national templates).
    init(_ t: ReportTemplate, provinceCode: String?) {
        code = t.code
        version = t.version
        province = provinceCode
        name = t.name
        nameEn = t.nameEn
        cycle = t.cycle
        deadlineDays = t.deadlineDays
        lockDays = t.lockDays
        openFuturePeriods = t.openFuturePeriods
        reporter = t.reporter
        firstPeriod = t.firstPeriod
        reminderDays = t.reminderOffsets
        effectiveFrom = t.effectiveFrom
        includes = t.includes.isEmpty ? nil : t.includes
        let d = t.definition
        fields = d.fields
        rules = d.rules
    }
}

/// `PUT` (a draft kept) and `POST …/submit` of a report: the typed numbers and texts by field code.
struct ReportEntriesRequest: Content {
    var numbers: [String: Int64]?
    var texts: [String: String]?
}

/// A reviewer's reason: returning, marking not received, reopening; with `until` for a lock exception.
struct ReportReasonRequest: Content {
    var reason: String?
    var until: String?
}

struct ReportReporter: Content {
    var key: String
    var name: String
    var unit: UnitRef
}

struct ReportHistoryItem: Content {
    var kind: String
    var actor: String
    var at: Date
    var reason: String?
}

/// What the account may do with a report now.
struct ReportActions: Content {
    var save: Bool
    var submit: Bool
    var review: Bool
    var reopen: Bool
    var grantException: Bool
}

/// The approved reports of the included template under this reporter, summed (a commune's report includes its teams').
struct IncludedReports: Content {
    var template: String
    var expected: Int
    var approved: Int
    var settled: Int
    var numbers: [String: Int64]
}

struct ReportResponse: Content {
    var template: String
    var version: Int
    var name: String
    var period: String
    var periodStart: String
    var periodEnd: String
    var deadline: String
    var lockDate: String
    var reporter: ReportReporter
    var status: ReportStatus
    var revision: Int
    var receivedAt: Date?
    var onTime: Bool?
    var reason: String?
    var entryOpen: Bool
    var exceptionUntil: String?
    var fields: [ReportTemplateDefinition.Field]
    var figures: [String: Double]
    var numbers: [String: Int64]
    var texts: [String: String]
    var included: IncludedReports?
    var warnings: [ReportWarning]
    var history: [ReportHistoryItem]
    var actions: ReportActions
}

struct ReportReviewSlot: Content {
    var reporter: ReportReporter
    var status: ReportStatus
    var receivedAt: Date?
    var onTime: Bool?
    var warnings: Int
}

struct ReportCounts: Content {
    var expected: Int64
    var received: Int64
    var onTime: Int64
    var approved: Int64
    var completeness: Double?
    var timeliness: Double?

    init(expected: Int64, received: Int64, onTime: Int64, approved: Int64) {
        self.expected = expected
        self.received = received
        self.onTime = onTime
        self.approved = approved
        completeness = ReportRates.percent(received, of: expected)
        timeliness = ReportRates.percent(onTime, of: expected)
    }
}

struct ReportReviewChild: Content {
    var unit: UnitRef
    var counts: ReportCounts
}

struct ReportReminderItem: Content {
    var recipient: String
    var message: String
    var createdAt: Date?
    var status: String
}

/// The review table of a unit for a template and period (bảng theo dõi báo cáo).
struct ReportReviewResponse: Content {
    var unit: UnitRef
    var template: String
    var name: String
    var period: String
    var deadline: String
    var lockDate: String
    /// Whether the period has closed: its expected reporters are fixed and counted.
    var closed: Bool
    /// From the rollups, for closed periods: this unit's counts and each child unit's.
    var counts: ReportCounts
    var children: [ReportReviewChild]
    /// The reporters under the unit, when it is the tier that reviews them (or the one above).
    var slots: [ReportReviewSlot]
    /// Those expected that have not reported.
    var missing: [ReportReporter]
    var reminders: [ReportReminderItem]
}
