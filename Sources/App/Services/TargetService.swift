import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Targets (chỉ tiêu) set by a unit's parent tier, split down among child units, frozen when their period starts;
/// campaigns; values reported by hand.
struct TargetService {
    let scope: Scope
    let clock: AppClock

    private var dashboards: DashboardService { DashboardService(scope: scope, clock: clock) }

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
                       frozen: (LocalDate(t.periodStart) ?? .distantFuture) <= clock.today())
    }

    /// Sets (or changes) one unit's target. Once its period has started a change needs a reason, and is audited as such.
    func set(_ request: SetTargetRequest) async throws -> TargetResponse {
        let today = clock.today()
        let place = try await dashboards.place(code: request.unit, asOf: today)
        let indicator = try await dashboards.indicator(code: request.indicator, for: place)
        let period = try period(request.period)
        try validate(request.value, for: indicator)
        try authorizeSetting(for: place)
        let saved = try await scope.db.transaction { db in
            try await self.write(place: place, indicator: indicator, period: period, value: request.value!, method: "typed",
                                 campaign: nil, reason: request.reason, on: db)
        }
        return response(saved, unit: place.ref)
    }

    func validate(_ value: Double?, for indicator: IndicatorRecord, field: String = "value") throws {
        guard let value else { throw AppError.invalid(field, "error.required") }
        if indicator.kind == .coverage {
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
        let frozen = period.start <= clock.today()
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
        if indicator.kind == .coverage, method != .typed {
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
        let written = try await scope.db.transaction { db in
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
                               finding: indicator.kind == .coverage ? nil
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
        if let own, !rows.isEmpty, indicator.kind != .coverage {
            finding = TargetSplit.finding(parent: Int64(own.value), children: rows.map { Int64($0.value) })
        }
        return TargetsResponse(target: own, children: rows, childrenTotal: total, finding: finding)
    }

    // MARK: campaigns

    func createCampaign(_ request: CreateCampaignRequest) async throws -> CampaignRecord {
        let today = clock.today()
        var problems: [FieldProblem] = []
        let name = TeamImport.normaliseName(request.name ?? "")
        if name.isEmpty { problems.append(FieldProblem("name", "error.required")) }
        let start = request.start.flatMap(LocalDate.init)
        let end = request.end.flatMap(LocalDate.init)
        if start == nil { problems.append(FieldProblem("start", "error.date")) }
        if end == nil { problems.append(FieldProblem("end", "error.date")) }
        if let start, let end, end < start { problems.append(FieldProblem("end", "error.end_before_start")) }
        guard problems.isEmpty, let start, let end else { throw AppError.invalid(problems) }
        let owner = try await dashboards.place(code: request.owner, asOf: today)
        try scope.authorize(.setTargets, at: owner.path == "/" ? scope.actor.scopePath : owner.path)
        var units: [DashboardService.Place] = []
        for code in request.units ?? [] {
            guard let u = try? await dashboards.place(code: code, asOf: today), u.path.hasPrefix(owner.path), u.id != owner.id else {
                throw AppError.invalid("units", "error.campaign_unit", code)
            }
            units.append(u)
        }
        if units.isEmpty { units = try await dashboards.children(of: owner, asOf: today) }
        let period = ReportPeriod(kind: .range, start: start, end: end)
        var targets: [(IndicatorRecord, Double)] = []
        for (i, t) in (request.targets ?? []).enumerated() {
            let indicator: IndicatorRecord
            do { indicator = try await dashboards.indicator(code: t.indicator, for: owner) } catch {
                throw AppError.invalid("targets[\(i)].indicator", "error.unknown_indicator", t.indicator ?? "")
            }
            try validate(t.value, for: indicator, field: "targets[\(i)].value")
            targets.append((indicator, t.value!))
        }
        guard !targets.isEmpty else { throw AppError.invalid("targets", "error.required") }
        let campaign = CampaignRecord()
        campaign.id = UUID()
        campaign.name = name
        campaign.startOn = start.iso
        campaign.endOn = end.iso
        campaign.ownerID = owner.id
        campaign.unitPath = owner.path
        campaign.unitCodes = units.map(\.ref.code).joined(separator: ",")
        campaign.indicatorCodes = targets.map(\.0.code).joined(separator: ",")
        campaign.createdBy = scope.actor.login
        let list = targets
        try await scope.db.transaction { db in
            try await campaign.create(on: db)
            for (indicator, value) in list {
                _ = try await self.write(place: owner, indicator: indicator, period: period, value: value, method: "typed",
                                         campaign: campaign.id, reason: "Chiến dịch \(name)", on: db)
            }
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "campaign", entityID: campaign.id,
                                      unitPath: owner.path, summary: "\(name) \(period)", before: Nothing?.none, after: campaign.unitCodes)
        }
        return campaign
    }

    func campaigns(unit: String?) async throws -> [CampaignRecord] {
        var query = scope.query(CampaignRecord.self)
        if let unit, !unit.isEmpty {
            let place = try await dashboards.place(code: unit, asOf: clock.today())
            if place.id != Rollups.nation { query = query.under(place.path, \.$unitPath) }
        }
        return try await query.sort(\.$startOn, .descending).all()
    }

    func campaignResponse(_ c: CampaignRecord, progress: Bool) async throws -> CampaignResponse {
        let today = clock.today()
        let owner = try await Unit.find(c.ownerID, on: scope.db).map(DashboardService.Place.init) ?? .nation
        let codes = c.unitCodes.split(separator: ",").map(String.init)
        let units = try await Unit.query(on: scope.db).filter(\.$code ~~ codes).filter(\.$validFrom <= c.endOn).filter(\.$validTo >= c.startOn)
            .all().map(DashboardService.Place.init).sorted { $0.ref.code < $1.ref.code }
        var indicators: [IndicatorRecord]?
        if progress {
            let all = try await dashboards.indicators(for: owner)
            indicators = c.indicatorCodes.split(separator: ",").compactMap { code in all.first { $0.code == code } }
        }
        let board = try await indicators.asyncMap {
            try await dashboards.dashboard(place: owner, period: c.period, hierarchy: min(today, c.period.end), only: $0, members: units)
        }
        return CampaignResponse(id: c.id!, name: c.name, start: c.startOn, end: c.endOn, owner: owner.ref, units: units.map(\.ref),
                                indicators: c.indicatorCodes.split(separator: ",").map(String.init), progress: board?.indicators)
    }

    // MARK: reported values

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
        try await scope.db.transaction { db in
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
