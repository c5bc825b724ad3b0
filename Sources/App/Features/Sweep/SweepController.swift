import Fluent
import LanToaCore
import Vapor

/// The sweep list page (rà từng người): for a hamlet or a commune and a service, who still needs it, one printable
/// A4 sheet per hamlet.
enum SweepController {
    static func show(req: Request) async throws -> View {
        let scope = try req.scope
        let units = UnitService(scope: scope, clock: req.clock)
        let unit = try await units.find(code: try req.parameters.require("code"), asOf: req.clock.today())
        guard unit.tier == .hamlet || unit.tier == .commune else { throw AppError.invalid("code", "error.sweep_tier") }
        try scope.authorizeReading(unitAt: unit.path)
        try scope.authorize(.readPersonalData)
        // The list is read over `readDB` (the replica when it is used); the record of the read is written on the primary
        // once the reads are done (a read that fails on the replica answers the request again from the primary).
        let outreach = SupportLogService(scope: try req.readScope, clock: req.clock, protector: req.application.protector)
        let services = try await outreach.services()
        let code = req.query[String.self, at: "service"] ?? services.first?.code ?? ""
        let hamlets = unit.tier == .hamlet ? [unit] : try await units.children(of: unit, asOf: req.clock.today()).filter { scope.contains(path: $0.path) }
        let sweeps = try await outreach.sweeps(of: hamlets, within: unit, serviceCode: code)
        try await req.application.personalDataReads.record(scope, clock: req.clock, action: .read, entity: "sweep", unitPath: unit.path,
                                                           summary: "\(unit.name): \(req.query[String.self, at: "service"] ?? "")")
        var sheets: [SweepSheet] = []
        var serviceName = ""
        for (hamlet, sweep) in zip(hamlets, sweeps) {
            serviceName = req.language == .en ? sweep.service.nameEn : sweep.service.name
            guard sweep.eligible > 0 else { continue }
            sheets.append(SweepSheet(hamlet: hamlet.name, eligible: sweep.eligible, done: sweep.done, households: sweep.households.map { h in
                SweepHouseholdRow(address: h.address.isEmpty ? req.t("sweep.no_household") : h.address, headName: h.headName,
                                  residents: h.residents.map { "\($0.fullName) (\($0.birthYear))" })
            }))
        }
        let page = SweepPage(
            layout: Layout(request: req, title: req.t("sweep.title")),
            unit: try await UnitsController.rows([unit], req: req, asOf: req.clock.today())[0],
            crumbs: try await units.ancestors(of: unit).map { Crumb(code: $0.code, name: $0.name) } + [Crumb(code: unit.code, name: unit.name)],
            services: services.map { SelectOption(value: $0.code, label: req.language == .en ? $0.nameEn : $0.name, selected: $0.code == code) },
            serviceName: serviceName, sheets: sheets, eligible: sheets.reduce(0) { $0 + $1.eligible }, done: sheets.reduce(0) { $0 + $1.done },
            date: req.clock.today().vietnamese)
        return try await req.view.render("sweep/show", page)
    }
}
