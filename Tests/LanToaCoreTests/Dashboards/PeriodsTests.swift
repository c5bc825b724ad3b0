import Foundation
import Testing
@testable import LanToaCore

@Suite("Reporting periods and rollup keys")
struct PeriodsTests {
    @Test("Periods parse, print back and step to the previous one; bad ones are refused")
    func periods() throws {
        let q = try #require(ReportPeriod("2026-Q2"))
        #expect(q.start.iso == "2026-04-01" && q.end.iso == "2026-06-30" && q.description == "2026-Q2" && q.previous.description == "2026-Q1")
        #expect(ReportPeriod("2026-Q1")!.previous.description == "2025-Q4")
        #expect(ReportPeriod("2026-01")!.previous.description == "2025-12")
        let campaign = try #require(ReportPeriod("2022-06-01..2022-08-31"))
        #expect(campaign.dayCount == 92 && campaign.trendPoints.count == 92)
        #expect(campaign.previous.end.iso == "2022-05-31" && campaign.previous.dayCount == 92)
        #expect(ReportPeriod("2026")!.trendPoints.map(\.iso).suffix(2) == ["2026-11-30", "2026-12-31"])
        for bad in ["2026-13", "2026-Q5", "26", "2026-08-31..2026-06-01", ""] { #expect(ReportPeriod(bad) == nil, "\(bad)") }
    }

    @Test("Adding days is stepping day by day, across months, leap years and centuries, within the stored ends")
    func addingDays() throws {
        var stepped = try #require(LocalDate(year: 1899, month: 12, day: 1))
        let start = stepped
        for n in 0...(366 * 3 + 200) {
            #expect(start.adding(days: n) == stepped && stepped.adding(days: -n) == start, "\(n)")
            #expect(start.days(to: stepped) == n)
            stepped = stepped.nextDay
        }
        #expect(LocalDate("2000-02-28")!.adding(days: 1).iso == "2000-02-29" && LocalDate("2100-02-28")!.adding(days: 1).iso == "2100-03-01")
        #expect(LocalDate("2024-03-01")!.adding(days: -1).iso == "2024-02-29" && LocalDate("2026-12-31")!.adding(days: 1).iso == "2027-01-01")
        #expect(LocalDate.distantFuture.adding(days: 5) == .distantFuture && LocalDate.distantPast.adding(days: -5) == .distantPast)
        #expect(LocalDate.distantPast.adding(days: 3_652_058) == .distantFuture)
    }

    @Test("Every range of days is covered exactly once by the fewest year, month and day keys")
    func cover() throws {
        #expect(RollupPeriods.cover(from: LocalDate("2026-01-01")!, to: LocalDate("2026-12-31")!) == ["Y2026"])
        #expect(RollupPeriods.cover(from: LocalDate("2022-06-01")!, to: LocalDate("2022-08-31")!) == ["M2022-06", "M2022-07", "M2022-08"])
        #expect(RollupPeriods.cover(from: LocalDate("2025-12-30")!, to: LocalDate("2027-02-02")!) ==
            ["D2025-12-30", "D2025-12-31", "Y2026", "M2027-01", "D2027-02-01", "D2027-02-02"])
        // Brute force: each day of a range is in exactly one key, and no day outside it is.
        let from = LocalDate("2024-02-27")!, to = LocalDate("2025-03-02")!
        let keys = RollupPeriods.cover(from: from, to: to)
        var d = LocalDate("2024-01-01")!
        while d <= LocalDate("2025-12-31")! {
            let hits = RollupPeriods.keys(for: d).dropFirst().filter(keys.contains).count
            #expect(hits == (from <= d && d <= to ? 1 : 0), "\(d)")
            d = d.nextDay
        }
    }

    @Test("A stock's rows up to a date hold each day up to it exactly once, in one range at a year's end")
    func stockRanges() {
        func inRanges(_ key: String, _ ranges: [RollupPeriods.KeyRange]) -> Int { ranges.filter { $0.low <= key && key <= $0.high }.count }
        for date in ["2026-01-01", "2026-11-22", "2026-11-30", "2026-12-31", "2026-02-28", "2026-01-31"].compactMap(LocalDate.init) {
            var d = LocalDate("2024-06-01")!
            while d <= LocalDate("2028-01-31")! {
                let hits = RollupPeriods.keys(for: d).dropFirst().map { inRanges($0, RollupPeriods.upTo(date)) }.reduce(0, +)
                #expect(hits == (d <= date ? 1 : 0), "\(d) against \(date)")
                d = d.nextDay
            }
        }
        #expect(RollupPeriods.upTo(LocalDate("2026-12-31")!) == [.init(low: "Y0000", high: "Y2026")])
        #expect(RollupPeriods.upTo(LocalDate("2026-11-30")!).count == 2)
    }

    @Test("The rows after a date hold each later day exactly once and no day up to it: the total minus them is the stock")
    func laterRanges() {
        func inRanges(_ key: String, _ ranges: [RollupPeriods.KeyRange]) -> Int { ranges.filter { $0.low <= key && key <= $0.high }.count }
        for date in ["2026-01-01", "2026-11-22", "2026-11-30", "2026-12-31", "2026-02-28", "2024-02-28", "2026-01-31"].compactMap(LocalDate.init) {
            let after = RollupPeriods.after(date)
            var d = LocalDate("2024-01-01")!
            while d <= LocalDate("2028-01-31")! {
                let hits = RollupPeriods.keys(for: d).dropFirst().map { inRanges($0, after) }.reduce(0, +)
                #expect(hits == (d > date ? 1 : 0), "\(d) against \(date)")
                d = d.nextDay
            }
        }
        // A month's end needs no day rows, a year's end only later years.
        #expect(RollupPeriods.after(LocalDate("2026-11-30")!) == [.init(low: "Y2027", high: "Y9999"), .init(low: "M2026-12", high: "M2026-12")])
        #expect(RollupPeriods.after(LocalDate("2026-12-31")!) == [.init(low: "Y2027", high: "Y9999")])
    }

    @Test("A range of days is read as one range per run of keys of one grain")
    func coverRanges() {
        #expect(RollupPeriods.coverRanges(from: LocalDate("2026-04-01")!, to: LocalDate("2026-06-30")!) == [.init(low: "M2026-04", high: "M2026-06")])
        #expect(RollupPeriods.coverRanges(from: LocalDate("2022-06-15")!, to: LocalDate("2022-10-10")!) == [
            .init(low: "D2022-06-15", high: "D2022-06-30"), .init(low: "M2022-07", high: "M2022-09"), .init(low: "D2022-10-01", high: "D2022-10-10"),
        ])
    }

    @Test("The spans of a trend's keys hold every key, one span per grain")
    func spans() {
        let period = ReportPeriod("2022-06-15..2022-10-10")!
        var keys: [String] = []
        var from = period.start
        for p in period.trendPoints { keys += RollupPeriods.cover(from: from, to: p); from = p.nextDay }
        let spans = RollupPeriods.spans(keys)
        #expect(spans == [.init(low: "D2022-06-15", high: "D2022-10-10"), .init(low: "M2022-07", high: "M2022-09")])
        #expect(keys.allSatisfy { k in spans.contains { $0.low <= k && k <= $0.high } })
    }
}
