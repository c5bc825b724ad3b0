import Fluent
import Foundation
import LanToaCore

/// A province's own indicators, beside the national ones.
struct IndicatorCatalogue {
    let scope: Scope
    let clock: AppClock

    func add(_ request: CreateIndicatorRequest) async throws -> IndicatorRecord {
        var problems: [FieldProblem] = []
        let code = (request.code ?? "").trimmingWhitespace().lowercased()
        if code.isEmpty || code.count > 60 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }) {
            problems.append(FieldProblem("code", "error.indicator_code"))
        }
        let name = TeamImport.normaliseName(request.name ?? "")
        if name.isEmpty { problems.append(FieldProblem("name", "error.required")) }
        let kind = request.kind.flatMap(IndicatorKind.init(rawValue:))
        if kind == nil || kind == .structural { problems.append(FieldProblem("kind", "error.choice", "count, coverage, manual")) }
        let service = (request.service ?? "").trimmingWhitespace()
        if kind == .count || kind == .coverage, service.isEmpty { problems.append(FieldProblem("service", "error.required")) }
        guard let provinceCode = request.province, !provinceCode.isEmpty else {
            throw AppError.invalid(problems + [FieldProblem("province", "error.required")])
        }
        guard problems.isEmpty, let kind else { throw AppError.invalid(problems) }
        let province = try await UnitService(scope: scope, clock: clock).find(code: provinceCode, asOf: clock.today())
        guard province.tier == .province else { throw AppError.invalid("province", "error.not_province") }
        try scope.authorize(.setTargets, at: province.path)
        if kind != .manual {
            let visible = try await scope.query(ServiceRecord.self).filter(\.$active == true).all()
            guard visible.contains(where: { $0.code == service && ($0.unitPath == "/" || province.path.hasPrefix($0.unitPath)) }) else {
                throw AppError.invalid("service", "error.unknown_service", service)
            }
        }
        if try await IndicatorRecord.query(on: scope.db).filter(\.$code == code).count() > 0 {
            throw AppError.conflict(FieldProblem("code", "error.indicator_exists", code))
        }
        let record = Indicators.make(code, kind, name, TeamImport.normaliseName(request.nameEn ?? "").isEmpty ? name : request.nameEn!,
                                     service: kind == .manual ? "" : service, unitPath: province.path)
        record.position = 1000
        try await scope.db.writeTransaction { db in
            try await record.create(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "indicator", entityID: record.id,
                                      unitPath: province.path, summary: "\(code) \(name)", before: Nothing?.none, after: DashboardService.response(record))
        }
        return record
    }
}
