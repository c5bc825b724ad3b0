import Fluent
import Foundation
import LanToaCore
import Testing
@testable import App

@Suite("The demo looks alive on the day it is loaded")
struct DemoDataTests {
    /// On PostgreSQL where it runs (CI), so that the demo's one large transaction does not queue on SQLite's shared
    /// blocking threads beside the other suites' imports; the loader is the same on both engines.
    static let engine: Engine = Engine.available.contains(.postgres) ? .postgres : .sqlite

    @Test("Supports in the last ten weeks credited to teams, most teams active, targets set and split, a campaign running")
    func aliveToday() async throws {
        try await TestApp.run(Self.engine) { t in
            let today = t.app.clock.today()
            try await DemoData.load(on: t.app.db, clock: t.app.clock)

            let supports = try await SupportActivity.query(on: t.app.db).all()
            #expect(!supports.isEmpty)
            let days = supports.compactMap { LocalDate($0.happenedOn) }
            #expect(days.count == supports.count)
            #expect(days.allSatisfy { $0 <= today && today.adding(days: -70) <= $0 })
            #expect(days.filter { today.adding(days: -14) <= $0 }.count * 4 >= days.count, "most supports are recent")
            #expect(supports.allSatisfy { $0.teamID != nil }, "every support is credited to a team")
            let teams = try await Team.query(on: t.app.db).filter(\.$status == .active).all()
            #expect(teams.allSatisfy { (LocalDate($0.decisionDate) ?? .distantFuture) < today.adding(days: -70) })
            let active = Set(supports.compactMap(\.teamID))
            #expect(active.count * 10 >= teams.count * 7, "\(active.count) of \(teams.count) teams active")
            #expect(active.count < teams.count, "a few teams are idle")

            // The province's dashboard for this year shows them, against the year's targets.
            let province = try await t.account("so", role: .province, scope: DemoData.provinceCode)
            let dashboard = try await DashboardTests.dashboard(t, unit: DemoData.provinceCode, token: province)
            let done = dashboard.indicators.filter { $0.code.hasSuffix(".done") }.map(\.actual).reduce(0, +)
            let weights = supports.filter { $0.outcome == .done }.map { Double(max($0.anonymousCount, 1)) }.reduce(0, +)
            #expect(done == weights)
            #expect(dashboard.indicators.first { $0.code == "vneid_level2.coverage" }?.target == 80)
            let communes = try await TargetRecord.query(on: t.app.db).filter(\.$indicatorCode == "safe_internet.done")
                .filter(\.$period == String(today.year)).count()
            #expect(communes > 1)

            let campaigns = try await t.send(.GET, "/api/v1/campaigns", token: province)
            let list = try JSONSerialization.jsonObject(with: campaigns.body) as? [[String: Any]] ?? []
            #expect(list.contains { ($0["start"] as? String ?? "9999") <= today.iso && today.iso <= ($0["end"] as? String ?? "") })

            // Reports: the latest month that has closed (October on the tests' day, past its lock date) mostly in and
            // reviewed, some returned, a few teams silent; completeness counted.
            let reports = try await ReportRecord.query(on: t.app.db).all()
            let cycle = ReportCycle.month
            let last = cycle.key(cycle.lastEnded(asOf: today))
            #expect(reports.contains { $0.period == last && $0.state == .approved })
            #expect(reports.contains { $0.state == .returned } && reports.contains { $0.state == .submitted })
            let expected = try await ReportExpectation.query(on: t.app.db).filter(\.$templateCode == "to_thang").filter(\.$period == last).count()
            let received = Set(reports.filter { $0.period == last }.map(\.reporterKey))
            #expect(expected == teams.count && received.count < expected && received.count * 10 >= expected * 7)
            let commune = try await t.account("xa", role: .commune, scope: DemoData.outreachCommune)
            let table = try await t.send(.GET, "/api/v1/reports?template=to_thang&period=\(last)", token: commune).decode(ReportReviewResponse.self)
            #expect(table.closed && table.counts.expected == Int64(table.slots.count) && table.counts.received == Int64(table.slots.count - table.missing.count))
            // Residents were recorded during the hamlets' sweep, before their supports: no report of the outreach commune
            // has more VNeID supports than residents.
            let leaderOf = try #require(table.slots.first { $0.receivedAt != nil })
            let slotReport = try await t.send(.GET, "/api/v1/reports/to_thang/\(last)/\(leaderOf.reporter.key)", token: commune).decode(ReportResponse.self)
            #expect((slotReport.figures["residents"] ?? 0) > 0)
            #expect(!slotReport.warnings.contains { $0.rule == "vneid_at_most_residents" })

            // Training held in the last weeks and a session coming: the province's members trained this year show.
            let sessions = try await TrainingSession.query(on: t.app.db).all()
            #expect(sessions.contains { $0.heldOn > today.iso } && sessions.filter { $0.heldOn <= today.iso && today.adding(days: -30).iso <= $0.heldOn }.count == 2)
            let board = try await DashboardTests.dashboard(t, unit: DemoData.provinceCode, period: String(today.year), token: province)
            let trained = try #require(board.indicators.first { $0.code == "training.members" })
            #expect((trained.actual) > 50 && trained.actual < 100, "\(trained.actual)% of members trained this year")
            let attendances = try await TrainingAttendance.query(on: t.app.db).filter(\.$present == true).count()
            #expect(board.indicators.first { $0.code == "training.attendances" }?.actual == Double(attendances))

            // With the demo's accounts: difficulties waiting, answered by the province and in its FAQ, solved.
            for account in DemoData.accounts {
                _ = try await t.app.accounts.create(CreateUserRequest(
                    login: account.login, password: "mat-khau-123", displayName: account.name, role: account.role.rawValue, scope: account.scope), by: .system)
            }
            try await DemoData.loadDifficulties(on: t.app.db, clock: t.app.clock)
            let difficulties = try await Difficulty.query(on: t.app.db).all()
            #expect(difficulties.map(\.status.rawValue).sorted() == ["answered", "open", "solved"])
            #expect(difficulties.allSatisfy { $0.raisedOn <= today.iso && today.adding(days: -14).iso <= $0.raisedOn })
            #expect(try await FAQEntry.query(on: t.app.db).count() == 1)

            // The ranking summary gives the figures the rollups give, for the periods rankings are read for.
            try await Self.summaryMatchesRollups(t, today: today)

            let rows = try await DashboardTests.rollups(t.app.db)
            #expect(rows.contains { $0.hasPrefix("summary|") })
            try await RollupBuilder(db: t.app.db).rebuild()
            #expect(try await DashboardTests.rollups(t.app.db) == rows)
        }
    }

    /// Every indicator's figures for the demo province's communes (all but every third, so that rows of units not
    /// named are seen to be left out) and for the provinces, read from the ranking summary and from the rollups, over
    /// this month, the last, this quarter and this year: the same non-zero values.
    static func summaryMatchesRollups(_ t: TestApp, today: LocalDate) async throws {
        let service = DashboardService(scope: Scope(actor: .system, db: t.app.db), clock: t.app.clock)
        let province = try await service.place(code: DemoData.provinceCode, asOf: today)
        let communes = try await service.descendants(of: province, tier: .commune, asOf: today)
        let named = communes.enumerated().filter { $0.offset % 3 != 2 }.map(\.element.id)
        let provinces = try await service.children(of: .nation, asOf: today).map(\.id)
        let formulas = Array(try await service.formulas(try await service.indicators(for: .nation)).values)
        let month = ReportPeriod(kind: .month, start: LocalDate(year: today.year, month: today.month, day: 1)!, end: today.endOfMonth)
        let quarterStart = LocalDate(year: today.year, month: (today.month - 1) / 3 * 3 + 1, day: 1)!
        let periods = [month, month.previous,
                       ReportPeriod(kind: .quarter, start: quarterStart, end: quarterStart.adding(days: 80).endOfMonth),
                       ReportPeriod(kind: .year, start: LocalDate(year: today.year, month: 1, day: 1)!, end: LocalDate(year: today.year, month: 12, day: 31)!)]
        for period in periods {
            #expect(RollupSummary.covers(period), "\(period)")
            for units in [named, provinces] {
                var fromRollups = FigureQuery(), fromSummary = FigureQuery()
                fromSummary.fromSummary = true
                DashboardService.addFigures(to: &fromRollups, units: units, formulas: formulas, period: period)
                DashboardService.addFigures(to: &fromSummary, units: units, formulas: formulas, period: period)
                let a = try await FigureReader(db: t.app.db).run(fromRollups), b = try await FigureReader(db: t.app.db).run(fromSummary)
                for tag in ["flows", "stocks", "current"] {
                    func nonZero(_ f: FigureReader.Figures) -> [UUID: [String: Int64]] {
                        f.mapValues { $0.filter { $0.value != 0 } }.filter { !$0.value.isEmpty }
                    }
                    #expect(nonZero(a.figures(tag)) == nonZero(b.figures(tag)), "\(tag) over \(period)")
                    #expect(Set(b.figures(tag).keys).isSubset(of: Set(units)), "only the units named")
                    // Not an empty comparison: the demo has supports this month and residents, teams and members.
                    if tag != "current" { #expect(!nonZero(a.figures(tag)).isEmpty, "\(tag) over \(period)") }
                }
                // As a ranking reads them: each formula's value by the unit's position in the list.
                let sparse = DashboardService.PeriodFigures(a), dense = DashboardService.PeriodFigures(b)
                for (position, unit) in units.enumerated() {
                    for f in formulas {
                        #expect(dense.value(f, unit: unit, position: position) == sparse.value(f, unit: unit), "\(f) of \(unit) over \(period)")
                    }
                }
            }
        }
    }
}
