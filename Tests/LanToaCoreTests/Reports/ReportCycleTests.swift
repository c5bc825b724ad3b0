import Foundation
import Testing
@testable import LanToaCore

@Suite("Report cycles, deadlines, rates and validation rules")
struct ReportCycleTests {
    @Test("Weeks are ISO weeks: Monday to Sunday, week 1 holds the year's first Thursday; keys read back to the same period")
    func isoWeeks() throws {
        #expect(LocalDate("2026-12-03")!.weekdayFromMonday == 3)
        #expect(LocalDate("2026-11-30")!.weekdayFromMonday == 0)
        let week = ReportCycle.week.period(containing: LocalDate("2026-12-03")!)
        #expect(week.start.iso == "2026-11-30" && week.end.iso == "2026-12-06")
        #expect(ReportCycle.week.key(week) == "2026-W49")
        // 2026-12-31 is a Thursday: its week is 2026-W53; 2027-01-01 (Friday) still belongs to it.
        #expect(ReportCycle.week.key(ReportCycle.week.period(containing: LocalDate("2027-01-01")!)) == "2026-W53")
        // 2024-12-30 (Monday) starts 2025-W01.
        #expect(ReportCycle.week.key(ReportCycle.week.period(containing: LocalDate("2024-12-31")!)) == "2025-W01")
        for key in ["2026-W01", "2026-W49", "2026-W53", "2025-W01"] {
            let p = try #require(ReportCycle.week.period(key: key))
            #expect(ReportCycle.week.key(p) == key)
        }
        #expect(ReportCycle.week.period(key: "2025-W53") == nil)
        #expect(ReportCycle.month.period(key: "2026-Q4") == nil && ReportCycle.quarter.period(key: "2026-11") == nil)
        #expect(ReportCycle.month.next(ReportCycle.month.period(key: "2026-12")!)?.description == "2027-01")
        #expect(ReportCycle.quarter.previous(ReportCycle.quarter.period(key: "2026-Q1")!)?.description == "2025-Q4")
    }

    @Test("A campaign's dates are one period: its key reads back, nothing before or after it, entry from its first day to the lock date")
    func campaign() throws {
        let cycle = try #require(ReportCycle.campaign(from: LocalDate("2026-06-01")!, to: LocalDate("2026-08-31")!))
        #expect(cycle.rawValue == "campaign:2026-06-01..2026-08-31" && ReportCycle(rawValue: cycle.rawValue) == cycle)
        #expect(ReportCycle(rawValue: "campaign") == nil && ReportCycle(rawValue: "campaign:2026-08") == nil && ReportCycle(rawValue: "daily") == nil)
        #expect(ReportCycle.campaign(from: LocalDate("2026-06-02")!, to: LocalDate("2026-06-01")!) == nil)
        let p = cycle.period(containing: LocalDate("2026-12-03")!)
        #expect(cycle.key(p) == "2026-06-01..2026-08-31" && cycle.period(key: "2026-06-01..2026-08-31") == p)
        #expect(cycle.period(key: "2026-06-01..2026-08-30") == nil && cycle.period(key: "2026-06") == nil)
        #expect(cycle.next(p) == nil && cycle.previous(p) == nil && cycle.lastEnded(asOf: LocalDate("2026-12-03")!) == p)
        #expect(cycle.periods(from: LocalDate("2026-01-01")!, through: LocalDate("2026-12-31")!) == [p])
        #expect(cycle.periods(from: LocalDate("2026-09-01")!, through: LocalDate("2026-12-31")!).isEmpty)
        #expect(cycle.recent(3, asOf: LocalDate("2026-05-31")!).isEmpty && cycle.recent(3, asOf: LocalDate("2026-06-01")!) == [p])
        let c = ReportCalendar(cycle: cycle, deadlineDays: 5, lockDays: 15)
        #expect(!c.isOpen(p, on: LocalDate("2026-05-31")!) && c.isOpen(p, on: LocalDate("2026-06-01")!) && c.isOpen(p, on: LocalDate("2026-09-15")!))
        #expect(!c.isOpen(p, on: LocalDate("2026-09-16")!) && c.deadline(p).iso == "2026-09-05")
        // Calendar cycles list their periods the same way.
        #expect(ReportCycle.month.periods(from: LocalDate("2026-10-15")!, through: LocalDate("2026-12-01")!).map(\.description) == ["2026-10", "2026-11", "2026-12"])
        #expect(ReportCycle.month.recent(3, asOf: LocalDate("2026-12-03")!).map(\.description) == ["2026-12", "2026-11", "2026-10"])
    }

    @Test("Deadline, lock date, entry window and status of a month")
    func calendar() {
        let c = ReportCalendar(cycle: .month, deadlineDays: 3, lockDays: 13)
        let nov = ReportCycle.month.period(key: "2026-11")!
        #expect(c.deadline(nov).iso == "2026-12-03" && c.lockDate(nov).iso == "2026-12-13")
        #expect(c.statusWithoutReport(nov, on: LocalDate("2026-11-30")!) == .notYetDue)
        #expect(c.statusWithoutReport(nov, on: LocalDate("2026-12-03")!) == .due)
        #expect(c.statusWithoutReport(nov, on: LocalDate("2026-12-04")!) == .late)
        #expect(c.isOnTime(nov, receivedOn: LocalDate("2026-12-03")!) && !c.isOnTime(nov, receivedOn: LocalDate("2026-12-04")!))
        #expect(c.isOpen(nov, on: LocalDate("2026-11-01")!) && c.isOpen(nov, on: LocalDate("2026-12-13")!))
        #expect(!c.isOpen(nov, on: LocalDate("2026-12-14")!) && !c.isOpen(nov, on: LocalDate("2026-10-31")!))
        let ahead = ReportCalendar(cycle: .month, deadlineDays: 3, lockDays: 1, openFuturePeriods: 2)
        #expect(ahead.lockDays == 3)
        #expect(ahead.isOpen(ReportCycle.month.period(key: "2027-01")!, on: LocalDate("2026-11-20")!))
        #expect(!ahead.isOpen(ReportCycle.month.period(key: "2027-02")!, on: LocalDate("2026-11-20")!))
    }

    @Test("Rates are capped by what was expected and absent without it")
    func rates() {
        #expect(ReportRates.percent(7, of: 10) == 70)
        #expect(ReportRates.percent(2, of: 3) == 66.7)
        #expect(ReportRates.percent(12, of: 10) == 100)
        #expect(ReportRates.percent(0, of: 0) == nil)
    }

    @Test("Rules give named warnings: a figure above another, a typed value far from the unit's own history")
    func rules() {
        let rules = [ReportRule(code: "le", kind: .atMost, left: "a", right: "b"), ReportRule(code: "usual", kind: .usual, left: "n", k: 2)]
        #expect(ReportRules.check(rules, values: ["a": 5, "b": 4, "n": 10], history: ["n": [10, 11]]) == [ReportWarning(rule: "le", field: "a")])
        let w = ReportRules.check(rules, values: ["a": 1, "b": 4, "n": 40], history: ["n": [10, 12, 11, 9]])
        #expect(w.map(\.rule) == ["usual"] && w[0].low == 7.9 && w[0].high == 13.1)
        #expect(ReportRules.check(rules, values: ["a": 1, "b": 4, "n": 12], history: ["n": [10, 12, 11, 9]]).isEmpty)
    }
}
