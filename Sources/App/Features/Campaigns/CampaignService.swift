import Fluent
import Foundation
import LanToaCore

/// Campaigns (chiến dịch): a dated push with its own targets over a set of units, and its progress.
struct CampaignService {
    let scope: Scope
    let clock: AppClock

    private var dashboards: DashboardService { DashboardService(scope: scope, clock: clock) }
    private var targetService: TargetService { TargetService(scope: scope, clock: clock) }

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
            try targetService.validate(t.value, for: indicator, field: "targets[\(i)].value")
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
        try await scope.db.writeTransaction { db in
            try await campaign.create(on: db)
            for (indicator, value) in list {
                _ = try await targetService.write(place: owner, indicator: indicator, period: period, value: value, method: "typed",
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
}
