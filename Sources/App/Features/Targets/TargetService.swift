import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Targets (chỉ tiêu) set by a unit's parent tier, split down among child units, frozen when their period starts.
struct TargetService {
    let scope: Scope
    let clock: AppClock

    var dashboards: DashboardService { DashboardService(scope: scope, clock: clock) }

    func period(_ text: String?) throws -> ReportPeriod {
        guard let text, !text.isEmpty else { throw AppError.invalid("period", "error.required") }
        guard let p = ReportPeriod(text) else { throw AppError.invalid("period", "error.period", text) }
        return p
    }

    /// Targets are set from above: by an account whose area strictly contains the unit (the nation's by national accounts).
    func authorizeSetting(for place: DashboardService.Place) throws {
        try scope.authorize(.setTargets)
        let ownArea = scope.actor.scopePath == place.path && place.id != Rollups.nation
        guard scope.contains(path: place.path), !ownArea else { throw AppError.forbidden }
    }

    func response(_ t: TargetRecord, unit: UnitRef) -> TargetResponse {
        TargetResponse(unit: unit, indicator: t.indicatorCode, period: t.period, value: t.value, method: t.method,
                       frozen: TargetFreeze.isFrozen(periodStart: LocalDate(t.periodStart) ?? .distantFuture, today: clock.today()))
    }

    /// Sets (or changes) one unit's target. Once its period has started a change needs a reason, and is audited as such.
    func set(_ request: SetTargetRequest) async throws -> TargetResponse {
        let today = clock.today()
        let place = try await dashboards.place(code: request.unit, asOf: today)
        let indicator = try await dashboards.indicator(code: request.indicator, for: place)
        let period = try period(request.period)
        try validate(request.value, for: indicator)
        try authorizeSetting(for: place)
        let saved = try await scope.db.writeTransaction { db in
            try await self.write(place: place, indicator: indicator, period: period, value: request.value!, method: "typed",
                                 campaign: nil, reason: request.reason, on: db)
        }
        return response(saved, unit: place.ref)
    }

    func validate(_ value: Double?, for indicator: IndicatorRecord, field: String = "value") throws {
        guard let value else { throw AppError.invalid(field, "error.required") }
        if indicator.kind.isRate {
            guard (0...100).contains(value) else { throw AppError.invalid(field, "error.range", "0", "100") }
        } else {
            guard value >= 0, value <= 1e12, value == value.rounded() else { throw AppError.invalid(field, "error.whole_number") }
        }
    }

    /// Writes a target in the caller's transaction, with its audit entry.
    func write(place: DashboardService.Place, indicator: IndicatorRecord, period: ReportPeriod, value: Double, method: String,
               campaign: UUID?, reason: String?, on db: any Database) async throws -> TargetRecord {
        let existing = try await TargetRecord.query(on: db).filter(\.$unitID == place.id).filter(\.$indicatorCode == indicator.code)
            .filter(\.$period == period.description).first()
        let frozen = TargetFreeze.isFrozen(periodStart: period.start, today: clock.today())
        let why = (reason ?? "").trimmingWhitespace()
        if let existing, frozen, existing.value != value, why.isEmpty {
            throw AppError.invalid("reason", "error.target_frozen", period.start.vietnamese)
        }
        let before = existing.map { Snapshot.target($0) }
        let t = existing ?? TargetRecord()
        t.unitID = place.id
        t.unitPath = place.path
        t.indicatorCode = indicator.code
        t.period = period.description
        t.periodStart = period.start.iso
        t.periodEnd = period.end.iso
        t.value = value
        t.method = method
        t.campaignID = campaign ?? existing?.campaignID
        t.setBy = scope.actor.login
        try await t.save(on: db)
        let summary = "\(indicator.code) \(period) \(place.ref.code): \(value)" + (existing != nil && frozen ? " — đổi sau khi kỳ đã bắt đầu: \(why)" : "")
        try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: existing == nil ? .create : .update, entity: "target",
                                  entityID: t.id, unitPath: place.path, summary: summary, before: before, after: Snapshot.target(t))
        return t
    }

    /// Divides a unit's target among its child units: evenly, by residents recorded, by eligible residents, or as typed.
    /// A rate (coverage) is given to each child as it is. The children's sum against the parent's is reported as a finding.
    func split(_ request: SplitTargetRequest) async throws -> TargetsResponse {
        let today = clock.today()
        let place = try await dashboards.place(code: request.unit, asOf: today)
        let indicator = try await dashboards.indicator(code: request.indicator, for: place)
        let period = try period(request.period)
        guard let method = request.method.flatMap(SplitMethod.init(rawValue:)) else {
            throw AppError.invalid("method", "error.choice", SplitMethod.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let children = try await dashboards.children(of: place, asOf: today)
        guard !children.isEmpty else { throw AppError.invalid("unit", "error.no_children") }
        // Splitting is for the tier below the one setting it: the parent's target must exist.
        guard let parent = try await TargetRecord.query(on: scope.db).filter(\.$unitID == place.id).filter(\.$indicatorCode == indicator.code)
            .filter(\.$period == period.description).first() else {
            throw AppError.invalid("unit", "error.no_parent_target", place.ref.code)
        }
        try scope.authorize(.setTargets, at: place.path == "/" ? scope.actor.scopePath : place.path)
        var values: [Double]
        if indicator.kind.isRate, method != .typed {
            values = children.map { _ in parent.value }
        } else {
            switch method {
            case .even:
                values = TargetSplit.even(Int64(parent.value), parts: children.count).map(Double.init)
            case .population, .eligible:
                let key: String
                if method == .population { key = "residents" } else {
                    let f = try await dashboards.formulas([indicator])[indicator.code]!
                    if let d = f.denominator { key = d } else { key = try await eligibleKey(indicator) }
                }
                // Weighted by what is recorded now.
                let stocks = try await FigureReader(db: scope.db).sums(units: children.map(\.id), keys: [key], periods: [RollupPeriods.total])
                let weights = children.map { stocks[$0.id]?[key] ?? 0 }
                values = TargetSplit.proportional(Int64(parent.value), weights: weights).map(Double.init)
            case .typed:
                let typed = request.values ?? [:]
                let known = Set(children.map(\.ref.code))
                if let stray = typed.keys.sorted().first(where: { !known.contains($0) }) {
                    throw AppError.invalid("values.\(stray)", "error.not_child", stray)
                }
                values = []
                for c in children {
                    guard let v = typed[c.ref.code] else { throw AppError.invalid("values.\(c.ref.code)", "error.required") }
                    try validate(v, for: indicator, field: "values.\(c.ref.code)")
                    values.append(v)
                }
            }
        }
        let parts = values
        let written = try await scope.db.writeTransaction { db in
            var out: [TargetRecord] = []
            for (c, v) in zip(children, parts) {
                out.append(try await self.write(place: c, indicator: indicator, period: period, value: v, method: method.rawValue,
                                                campaign: parent.campaignID, reason: request.reason, on: db))
            }
            return out
        }
        let rows = zip(children, written).map { response($1, unit: $0.ref) }
        let total = values.reduce(0, +)
        return TargetsResponse(target: response(parent, unit: place.ref), children: rows, childrenTotal: total,
                               finding: indicator.kind.isRate ? nil
                                   : TargetSplit.finding(parent: Int64(parent.value), children: values.map { Int64($0) }))
    }

    private func eligibleKey(_ indicator: IndicatorRecord) async throws -> String {
        let service = try await ServiceRecord.query(on: scope.db).filter(\.$code == indicator.serviceCode).first()
        return service?.unit == .household ? "households" : Rollups.eligibleKey(service?.minimumAge ?? 0)
    }

    /// A unit's target and its children's, with the finding on their sum.
    func list(unit: String?, indicator: String?, period: String?) async throws -> TargetsResponse {
        let today = clock.today()
        let place = try await dashboards.place(code: unit, asOf: today)
        let indicator = try await dashboards.indicator(code: indicator, for: place)
        let period = try self.period(period)
        let children = try await dashboards.children(of: place, asOf: today)
        let byUnit = Dictionary(try await TargetRecord.query(on: scope.db).filter(\.$unitID ~~ ([place.id] + children.map(\.id)))
            .filter(\.$indicatorCode == indicator.code).filter(\.$period == period.description).all().map { ($0.unitID, $0) },
                                uniquingKeysWith: { a, _ in a })
        let own = byUnit[place.id].map { response($0, unit: place.ref) }
        let rows = children.compactMap { c in byUnit[c.id].map { response($0, unit: c.ref) } }
        let total = rows.map(\.value).reduce(0, +)
        var finding: SplitFinding?
        if let own, !rows.isEmpty, !indicator.kind.isRate {
            finding = TargetSplit.finding(parent: Int64(own.value), children: rows.map { Int64($0.value) })
        }
        return TargetsResponse(target: own, children: rows, childrenTotal: total, finding: finding)
    }
}

extension Snapshot {
    struct TargetSnapshot: Encodable {
        var indicator: String
        var period: String
        var value: Double
        var method: String
    }

    static func target(_ t: TargetRecord) -> TargetSnapshot {
        TargetSnapshot(indicator: t.indicatorCode, period: t.period, value: t.value, method: t.method)
    }
}
