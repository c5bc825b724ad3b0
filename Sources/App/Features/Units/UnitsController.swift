import Fluent
import LanToaCore
import Vapor

/// The unit tree with search, and each unit's page (a commune's hamlets and teams with their compliance).
enum UnitsController {
    static func index(req: Request) async throws -> View {
        let service = UnitService(scope: try req.scope, clock: req.clock)
        let q = (req.query[String.self, at: "q"] ?? "").trimmingWhitespace()
        let oldList = req.query[String.self, at: "list"] == "2025-06-30"
        let asOf = oldList ? ReferenceData.reorganisation.previousDay : req.clock.today()
        let result = try await service.list(.init(tier: q.isEmpty ? .province : nil, query: q.isEmpty ? nil : q, asOf: asOf, limit: 200))
        let page = UnitsPage(layout: Layout(request: req, title: req.t("units.title")), query: q, asOf: asOf.iso, oldList: oldList,
                             results: try await rows(result.items, req: req, asOf: asOf), total: result.total)
        return try await req.view.render("units/index", page)
    }

    static func show(req: Request) async throws -> View {
        try await render(req: req, code: try req.parameters.require("code"), form: HamletForm(name: "", kind: ""), errors: [])
    }

    static func render(req: Request, code: String, form: HamletForm, errors: [String], status: HTTPStatus = .ok) async throws -> View {
        let scope = try req.scope
        let service = UnitService(scope: scope, clock: req.clock)
        let asOf = try req.asOf()
        let unit = try await service.find(code: code, asOf: asOf)
        let period = unit.period
        let viewDate = period.contains(asOf) ? asOf : period.to
        let children = try await service.children(of: unit, asOf: viewDate)
        var teams: [TeamRow] = []
        if unit.tier == .commune || unit.tier == .hamlet {
            let list = try await TeamService(scope: scope, clock: req.clock).list(unit: unit, compliant: nil, status: .active, limit: 1000, offset: 0)
            let units = try await TeamsAPIController.unitsByID(list.items.map(\.unitID), on: req.db)
            teams = list.items.map { teamRow($0, unitName: units[$0.unitID]?.name ?? "", req: req) }
        }
        let lineage = try await service.lineage(of: unit)
        let childrenTitle: String = switch unit.tier {
        case .province: req.t(period.to < ReferenceData.reorganisation ? "unit.districts" : "unit.communes")
        case .district: req.t("unit.communes")
        default: req.t("unit.hamlets")
        }
        let validity: String = {
            if unit.validTo != LocalDate.distantFuture.iso { return req.t("unit.valid_until", LocalDate(unit.validTo)!.vietnamese) }
            if unit.validFrom != LocalDate.distantPast.iso { return req.t("unit.valid_from", LocalDate(unit.validFrom)!.vietnamese) }
            return ""
        }()
        var former: FormerCommuneView?
        if unit.tier == .hamlet, let parentID = unit.parentID {
            let olds = try await UnitLineage.query(on: req.db).filter(\.$newUnitID == parentID).all(\.$oldUnitID)
            let communes = try await Unit.query(on: req.db).filter(\.$id ~~ olds).filter(\.$tier == .commune).sort(\.$code).all()
            let current = communes.first { !unit.formerPath.isEmpty && unit.formerPath.hasPrefix($0.path) }
            if !communes.isEmpty {
                former = FormerCommuneView(name: current?.name ?? "—", code: current?.code ?? "",
                                           options: communes.map {
                                               SelectOption(value: $0.code, label: "\($0.name) (\($0.code))", selected: $0.id == current?.id)
                                           })
            }
        }
        let page = UnitPage(
            layout: Layout(request: req, title: unit.name), unit: try await rows([unit], req: req, asOf: viewDate)[0],
            crumbs: try await service.ancestors(of: unit).map { Crumb(code: $0.code, name: $0.name) },
            children: try await rows(children, req: req, asOf: viewDate, teamsUnder: unit.tier == .commune || unit.tier == .province ? unit : nil),
            childrenTitle: childrenTitle, teams: teams, nonCompliant: teams.filter { !$0.compliant }.count,
            isCommune: unit.tier == .commune, isHamlet: unit.tier == .hamlet, isProvince: unit.tier == .province,
            canManage: scope.actor.role.managesUnitsAndTeams && scope.contains(path: unit.path) && period.contains(req.clock.today()),
            policy: unit.tier == .province && period.contains(req.clock.today()) ? try await policyView(province: unit, req: req) : nil,
            predecessors: lineage.predecessors.map { row($0.unit, share: $0.share, req: req) },
            successors: lineage.successors.map { row($0.unit, share: $0.share, req: req) },
            validity: validity,
            hamletKinds: UnitKind.hamletKinds.map { SelectOption(value: $0.rawValue, label: $0.vietnameseName, selected: $0.rawValue == form.kind) },
            form: form, errors: errors, former: former)
        return try await req.view.render("units/show", page)
    }

    static func policyView(province: Unit, req: Request) async throws -> PolicyView {
        let record = try await CompositionPolicyRecord.query(on: req.db).filter(\.$provinceID == province.id!).first()
        let p = record?.policy ?? .national
        return PolicyView(own: record != nil, minimumMembers: p.minimumMembers,
                          maximumMembersHamlet: p.maximumMembersHamlet.map(String.init) ?? "",
                          maximumMembersCommune: p.maximumMembersCommune.map(String.init) ?? "",
                          leaderMustBeHamletHead: p.leaderMustBeHamletHead)
    }

    /// `POST /units/{code}/composition-policy` from the province page.
    /// `POST /units/{code}/former-commune`: corrects a hamlet's commune before 1 July 2025.
    static func setFormerCommune(req: Request) async throws -> Response {
        struct Form: Content { var formerCommune: String? }
        let code = try req.parameters.require("code")
        do {
            _ = try await UnitService(scope: try req.scope, clock: req.clock)
                .setFormerCommune(hamletCode: code, formerCode: try req.content.decode(Form.self).formerCommune)
            return req.redirect(to: SiteURL.unit(code: code).anchor("former"))
        } catch let error as AppError {
            guard let messages = formErrors(error, req: req) else { throw error }
            return try await render(req: req, code: code, form: HamletForm(name: "", kind: ""), errors: messages)
                .encodeResponse(status: error.status, for: req)
        }
    }

    static func updatePolicy(req: Request) async throws -> Response {
        struct Form: Content {
            var minimumMembers: String?
            var maximumMembersHamlet: String?
            var maximumMembersCommune: String?
            var leaderMustBeHamletHead: String?
        }
        let code = try req.parameters.require("code")
        let scope = try req.scope
        let province = try await CompositionPolicyAPIController.provinceUnit(req: req, scope: scope)
        try scope.authorize(.manageUnitsAndTeams, at: province.path)
        let form = try req.content.decode(Form.self)
        func number(_ field: String, _ raw: String?) throws -> Int? {
            try formWholeNumber(raw, field: field, key: "error.range", "1", "200")
        }
        do {
            let request = CompositionPolicyRequest(
                minimumMembers: try number("minimumMembers", form.minimumMembers),
                maximumMembersHamlet: try number("maximumMembersHamlet", form.maximumMembersHamlet),
                maximumMembersCommune: try number("maximumMembersCommune", form.maximumMembersCommune),
                leaderMustBeHamletHead: form.leaderMustBeHamletHead == "on" || form.leaderMustBeHamletHead == "true")
            try await PolicyService(scope: scope, clock: req.clock).set(request, for: province)
            return req.redirect(to: SiteURL.unit(code: code).anchor("policy"))
        } catch let error as AppError {
            guard let messages = formErrors(error, req: req) else { throw error }
            return try await render(req: req, code: code, form: HamletForm(name: "", kind: ""), errors: messages)
                .encodeResponse(status: error.status, for: req)
        }
    }

    /// `POST /units/{code}/hamlets` from the commune page.
    static func createHamlet(req: Request) async throws -> Response {
        struct Form: Content {
            var name: String?
            var kind: String?
        }
        let code = try req.parameters.require("code")
        let form = try req.content.decode(Form.self)
        do {
            let unit = try await UnitService(scope: try req.scope, clock: req.clock)
                .createHamlet(CreateHamletRequest(parentCode: code, name: form.name, kind: form.kind, validFrom: nil))
            return req.redirect(to: SiteURL.unit(code: code).with(["created": unit.code], anchor: "hamlets"))
        } catch let error as AppError {
            guard let messages = formErrors(error, req: req) else { throw error }
            return try await render(req: req, code: code, form: HamletForm(name: form.name ?? "", kind: form.kind ?? ""), errors: messages)
                .encodeResponse(status: error.status, for: req)
        }
    }

    /// Rows for units; with `teamsUnder`, each row also counts the active teams in its subtree and how many are compliant.
    static func rows(_ units: [Unit], req: Request, asOf: LocalDate, teamsUnder parent: Unit? = nil) async throws -> [UnitRow] {
        let responses = try await UnitService(scope: try req.scope, clock: req.clock).responses(units, asOf: asOf)
        var counts: [UUID: (Int, Int)] = [:]
        if let parent, !units.isEmpty {
            let teams = try await req.scope.query(Team.self).under(parent.path, \.$unitPath).filter(\.$status == .active)
                .field(\.$unitPath).field(\.$compliant).all()
            for unit in units {
                let inside = teams.filter { $0.unitPath.hasPrefix(unit.path) }
                counts[unit.id!] = (inside.count, inside.filter(\.compliant).count)
            }
        }
        return responses.map { r in
            var row = row(r, share: nil, req: req)
            if let c = counts[r.id] {
                row.showTeams = true
                row.teams = c.0
                row.compliantTeams = c.1
            }
            return row
        }
    }

    static func row(_ r: UnitResponse, share: LineageShare?, req: Request) -> UnitRow {
        var kind = req.t("kind.\(r.kind.rawValue)")
        if let share { kind += " · " + req.t("lineage.\(share.rawValue)") }
        return UnitRow(code: r.code, name: req.language == .en && r.tier != .hamlet ? r.nameEn : r.name, kind: kind,
                       tier: r.tier.rawValue, demo: r.demo, showTeams: false, teams: 0, compliantTeams: 0)
    }

    static func teamRow(_ team: Team, unitName: String, req: Request) -> TeamRow {
        TeamRow(id: team.id!.uuidString.lowercased(), name: team.name, unitName: unitName, memberCount: team.memberCount,
                compliant: team.compliant, findings: team.findings.split(separator: ",").map { req.t("finding.\($0)") },
                status: team.status.rawValue, demo: team.demo)
    }

    /// The messages of a form's validation errors, or nil for errors that are not about the form.
    static func formErrors(_ error: AppError, req: Request) -> [String]? {
        switch error {
        case let .invalid(fields):
            return fields.map { req.t("field.\($0.field)") + ": " + req.application.catalogue.text($0.key, req.language, $0.args) }
        case let .conflict(field):
            return [req.application.catalogue.text(field.key, req.language, field.args)]
        default:
            return nil
        }
    }
}
