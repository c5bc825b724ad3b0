import Fluent
import Foundation
import LanToaCore
import SQLKit

/// The periodic reports of synthetic data (`lantoa synth`), so that the review pages and completeness are measured at
/// the scale of the country (about 80,000 team reports a month): for every ended month of the national templates, most
/// teams, communes and provinces have reported (some late), most reports are approved, some submitted or returned, and the rest
/// are missing; then the ended periods are closed as the reports job closes them, which fixes the expected reporters
/// and counts them in the rollups. Written in bulk, not through the services: the reports carry no event history, and
/// their figures are left empty (the review table reads neither).
struct SyntheticReports {
    let db: any Database
    let seed: UInt64
    let today: LocalDate

    struct Counts { var reports = 0, periods = 0 }

    func run() async throws -> Counts {
        let sql = db as! any SQLDatabase
        let random = DemoData.Seeded(state: seed &+ 13)
        let templates = try await ReportTemplate.query(on: db).filter(\.$unitPath == "/").sort(\.$version).all()
        let teams = try await sql.raw("SELECT id, unit_id, unit_path FROM teams WHERE status = 'active' ORDER BY unit_path").all().map {
            (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "unit_id", as: UUID.self), try $0.decode(column: "unit_path", as: String.self))
        }
        func units(_ tier: Tier) async throws -> [(String, UUID, String)] {
            try await sql.raw("""
            SELECT id, code, path FROM units WHERE tier = \(bind: tier.rawValue) AND valid_from <= \(bind: today.iso) AND valid_to >= \(bind: today.iso) ORDER BY code
            """).all().map {
            (try $0.decode(column: "code", as: String.self), try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "path", as: String.self))
            }
        }
        let communes = try await units(.commune), provinces = try await units(.province)
        let now = Date()
        var counts = Counts()
        var rows: [[BulkValue]] = []
        // One version per template code: the first, which the synthetic periods fall in.
        for template in Dictionary(grouping: templates, by: \.code).values.compactMap(\.first).sorted(by: { $0.code < $1.code }) {
            guard let start = LocalDate(template.effectiveFrom) else { continue }
            let cycle = template.cycle

            let reporters: [(key: String, team: UUID?, unit: UUID, path: String)] = switch template.reporter {
            case .team: teams.map { ($0.0.uuidString.lowercased(), $0.0, $0.1, $0.2) }
            case .commune: communes.map { ($0.0, nil, $0.1, $0.2) }
            case .province: provinces.map { ($0.0, nil, $0.1, $0.2) }
            }
            for period in cycle.periods(from: start, through: today) where period.end < today {
                let key = cycle.key(period)
                let deadline = template.calendar.deadline(period)
                for r in reporters {
                    let roll = random.int(0...99)
                    guard roll >= 10 else { continue }   // one in ten has not reported
                    let day = min(today, period.end.adding(days: random.int(1...(roll % 6 == 0 ? 12 : max(1, template.deadlineDays)))))
                    guard day > period.end else { continue }
                    let state: ReportRecord.State = roll < 75 ? .approved : roll < 92 ? .submitted : .returned
                    let entries = #"{"numbers":{"products_online":\#(random.int(0...12)),"phones_donated":\#(random.int(0...3)),"sessions_held":\#(random.int(1...6))},"texts":{"results":"Tổ đã đến từng hộ hướng dẫn kích hoạt VNeID mức 2."}}"#
                    rows.append([
                        BulkValue(SyntheticData.uuid(random)), BulkValue(now), BulkValue(now), BulkValue(template.id!), BulkValue(template.code), BulkValue(r.key),
                        BulkValue(r.team), BulkValue(r.unit), BulkValue(r.path), BulkValue(key), BulkValue(period.start.iso), BulkValue(period.end.iso),
                        BulkValue(state.rawValue), BulkValue(entries), BulkValue("{}"), BulkValue(SyntheticData.instant(day)), BulkValue(day <= deadline),
                        BulkValue(1), BulkValue("synth"),
                        BulkValue(state == .returned ? "Đề nghị bổ sung số sản phẩm đưa lên sàn theo sổ theo dõi của thôn." : ""),
                    ])
                    counts.reports += 1
                    if rows.count >= 20_000 { try await flush() }
                }
            }
        }
        try await flush()
        counts.periods = try await ReportSlots.closeEnded(today: today, on: db)
        return counts

        func flush() async throws {
            let batch = rows
            rows = []
            guard !batch.isEmpty else { return }
            try await db.writeTransaction { tx in try await BulkWriter(db: tx).write(ReportRecord.schema, columns: Self.columns, rows: batch) }
        }
    }

    static let columns = ["id", "created_at", "updated_at", "template_id", "template_code", "reporter_key", "team_id", "unit_id", "unit_path",
                          "period", "period_start", "period_end", "state", "entries", "figures", "received_at", "on_time", "revision",
                          "updated_by", "reason"]
}
