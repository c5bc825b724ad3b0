import Fluent
import Foundation
import LanToaCore

/// The demo's periodic reports, made through the same services as a leader's and a commune's, for the two latest ended
/// months: one still open for entry has reports coming in around its deadline, some approved; an older one has most
/// teams reported (a few late), most reports approved, some returned, a few teams silent. Ended periods are then closed, so completeness
/// and timeliness show on the dashboards and the review page lists who has not reported.
enum DemoReports {
    static func load(province: Unit, clock: AppClock, on database: any Database) async throws {
        try await database.writeTransaction { db in try await loadInTransaction(province: province, clock: clock, on: db) }
    }

    private static func loadInTransaction(province: Unit, clock: AppClock, on db: any Database) async throws {
        let today = clock.today()
        let random = DemoData.Seeded(state: 2026)
        let cycle = ReportCycle.month
        let start = LocalDate(CreateReports.nationalStart)!
        let last = cycle.lastEnded(asOf: today)
        // The two latest ended months the templates apply to, oldest first.
        let periods = [cycle.previous(last)!, last].filter { $0.start >= start }
        let communes = try await Unit.query(on: db).filter(\.$tier == .commune).under(province.path, \.$path).all()
        let communeOf = Dictionary(communes.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        func commune(of team: Team) -> Unit? { communeOf.first { team.unitPath.hasPrefix($0.key) }?.value }
        // Paths are made of random ids: the teams are taken by commune code and name, so that every load of the demo on
        // a given day draws the same reports for the same teams.
        let teams = try await Team.query(on: db).filter(\.$demo == true).filter(\.$status == .active).all()
            .sorted { (commune(of: $0)?.code ?? "", $0.name) < (commune(of: $1)?.code ?? "", $1.name) }
        for period in periods {
            let key = cycle.key(period)
            // A month still open for entry has reports coming in; an older one is nearly all in and reviewed.
            let coming = today <= period.end.adding(days: 13)
            for team in teams {
                let roll = random.int(0...99)
                guard roll >= (coming ? 35 : 12) else { continue }
                // Received from the day after the period ends, a few after the deadline; never after today.
                let deadline = period.end.adding(days: 3)
                let latest = min(today, deadline.adding(days: 6))
                guard period.end < latest else { continue }
                let day = min(latest, period.end.adding(days: random.int(1...(roll % 7 == 0 ? 9 : 3))))
                let leader = Scope(actor: Actor(userID: nil, login: "demo", role: .leader, scopePath: team.unitPath), db: db)
                let service = ReportService(scope: leader, clock: .fixed(day))
                let at = try await service.locate(template: ReportTemplateDefinition.teamMonthly, period: key, reporter: team.id!.uuidString.lowercased())
                let entries = ReportEntriesRequest(
                    numbers: ["products_online": Int64(random.int(0...12)), "phones_donated": Int64(random.int(0...3)), "sessions_held": Int64(random.int(1...6))],
                    texts: ["results": DemoData.reportResults[random.int(0...(DemoData.reportResults.count - 1))],
                            "difficulties": random.int(0...2) == 0 ? "Nhiều hộ ở xa, sóng điện thoại yếu vào buổi tối." : ""])
                let submitted = try await service.enter(at, entries, submit: true)
                guard let commune = commune(of: team) else { continue }
                let reviewer = Scope(actor: Actor(userID: nil, login: "demo", role: .commune, scopePath: commune.path), db: db)
                let review = ReportReview(scope: reviewer, clock: .fixed(min(today, day.adding(days: 2))))
                let decision = random.int(0...9)
                if decision < (coming ? 4 : 8) {
                    _ = try await review.decide(.approve, submitted, reason: nil)
                } else if decision == 9 {
                    _ = try await review.decide(.returned, submitted, reason: "Đề nghị bổ sung số sản phẩm đưa lên sàn theo sổ theo dõi của thôn.")
                }
            }
        }
        try await ReportSlots.closeEnded(today: today, on: db)
    }
}

extension DemoData {
    static let reportResults = [
        "Tổ đã đến từng hộ hướng dẫn kích hoạt VNeID mức 2 và cài ứng dụng ngân hàng.",
        "Hướng dẫn bà con nộp hồ sơ trực tuyến trên Cổng dịch vụ công quốc gia.",
        "Hỗ trợ các hộ sản xuất đưa sản phẩm OCOP lên sàn thương mại điện tử.",
        "Tổ chức buổi hướng dẫn tập trung tại nhà văn hóa thôn về an toàn trên không gian mạng.",
    ]
}
