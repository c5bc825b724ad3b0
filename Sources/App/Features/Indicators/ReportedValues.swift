import Fluent
import Foundation
import LanToaCore

/// Values of manual indicators reported by hand (số liệu báo cáo thủ công), rolled up like any other figure.
struct ReportedValues {
    let scope: Scope
    let clock: AppClock

    private var dashboards: DashboardService { DashboardService(scope: scope, clock: clock) }

    /// Records a value of a manual indicator for a unit on a date (rolled up at once).
    func report(_ request: ReportValueRequest) async throws -> IndicatorValue {
        let today = clock.today()
        let place = try await dashboards.place(code: request.unit, asOf: today)
        guard place.id != Rollups.nation else { throw AppError.invalid("unit", "error.unknown_unit", "VN") }
        let indicator = try await dashboards.indicator(code: request.indicator, for: place)
        guard indicator.kind == .manual else { throw AppError.invalid("indicator", "error.not_manual", indicator.code) }
        var on = today
        if let raw = request.on, !raw.isEmpty {
            guard let d = LocalDate(raw) else { throw AppError.invalid("on", "error.date") }
            guard d <= today else { throw AppError.invalid("on", "error.future_date") }
            on = d
        }
        // A count reported by hand: never negative, and bounded so that sums cannot overflow.
        guard let value = request.value else { throw AppError.invalid("value", "error.required") }
        guard (0...1_000_000_000).contains(value) else { throw AppError.invalid("value", "error.range", "0", "1000000000") }
        try scope.authorize(.recordSupport, at: place.path)
        let record = IndicatorValue()
        record.id = UUID()
        record.unitID = place.id
        record.unitPath = place.path
        record.indicatorCode = indicator.code
        record.on = on.iso
        record.value = value
        record.recordedBy = scope.actor.login
        let day = on
        try await scope.db.writeTransaction { db in
            try await record.create(on: db)
            var deltas = Rollups.Deltas()
            deltas.add(try await Rollups.chains(for: [place.path], on: db)[place.path]!, Rollups.manualKey(indicator.code), on: day, value)
            try await deltas.apply(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "indicator_value",
                                      entityID: record.id, unitPath: place.path, summary: "\(indicator.code) \(day.iso): \(value)",
                                      before: Nothing?.none, after: value)
        }
        return record
    }
}
