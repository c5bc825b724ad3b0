import Fluent
import LanToaCore
import Vapor

/// Team pages: found a team, the team with its members and history, add and end memberships, consolidate.
enum TeamsController {
    static func new(req: Request) async throws -> View {
        let code = req.query[String.self, at: "unit"] ?? ""
        return try await renderForm(req: req, code: code, form: TeamForm(name: "", decisionNumber: "", decisionDate: "", decisionSigner: ""), errors: [])
    }

    static func renderForm(req: Request, code: String, form: TeamForm, errors: [String]) async throws -> View {
        let scope = try req.scope
        let service = UnitService(scope: scope, clock: req.clock)
        let unit = try await service.find(code: code, asOf: req.clock.today())
        try scope.authorize(.manageUnitsAndTeams, at: unit.path)
        let page = TeamFormPage(layout: Layout(request: req, title: req.t("team.found")),
                                unit: try await UnitsController.rows([unit], req: req, asOf: req.clock.today())[0],
                                crumbs: try await service.ancestors(of: unit).map { Crumb(code: $0.code, name: $0.name) },
                                form: form, errors: errors)
        return try await req.view.render("teams/new", page)
    }

    static func create(req: Request) async throws -> Response {
        struct Form: Content {
            var unit: String?
            var name: String?
            var decisionNumber: String?
            var decisionDate: String?
            var decisionSigner: String?
        }
        let form = try req.content.decode(Form.self)
        let service = TeamService(scope: try req.scope, clock: req.clock)
        do {
            let team = try await service.found(CreateTeamRequest(unit: form.unit, name: form.name, decisionNumber: form.decisionNumber,
                                                                 decisionDate: dateFromForm(form.decisionDate), decisionSigner: form.decisionSigner))
            return req.redirect(to: SiteURL.team(team.id!).path)
        } catch let error as AppError {
            guard let messages = UnitsController.formErrors(error, req: req) else { throw error }
            let values = TeamForm(name: form.name ?? "", decisionNumber: form.decisionNumber ?? "", decisionDate: form.decisionDate ?? "",
                                  decisionSigner: form.decisionSigner ?? "")
            return try await renderForm(req: req, code: form.unit ?? "", form: values, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }

    static func show(req: Request) async throws -> View {
        try await render(req: req, id: req.parameters.get("id", as: UUID.self), memberForm: MemberForm(fullName: "", phone: "", birthYear: ""), errors: [])
    }

    static func render(req: Request, id: UUID?, memberForm: MemberForm, errors: [String]) async throws -> View {
        let scope = try req.scope
        let service = TeamService(scope: scope, clock: req.clock)
        let team = try await service.find(id: id)
        guard let unit = try await Unit.find(team.unitID, on: req.db) else { throw AppError.notFound(what: "unit") }
        let detail = try await service.response(team, unit: unit, detail: true, describe: req.describeFinding)
        var row = UnitsController.teamRow(team, unitName: unit.name, req: req)
        row.findings = detail.compliance.map(\.message)
        let members = (detail.members ?? []).map { m in
            MemberRow(membershipId: m.membershipId.uuidString.lowercased(), memberId: m.memberId.uuidString.lowercased(), fullName: m.fullName,
                      phone: (try? PhoneNumber(parsing: m.phone).formatted) ?? m.phone, gender: req.t("gender.\(m.gender.rawValue)"),
                      birthYear: m.birthYear, role: req.t("role_in_team.\(m.role.rawValue)"), roleCode: m.role.rawValue,
                      affiliations: m.affiliations.map { req.t("affiliation.\($0.rawValue)") }.joined(separator: ", "),
                      from: LocalDate(m.from)?.vietnamese ?? m.from)
        }
        let current = Set(members.map(\.memberId))
        var seen = Set<String>()
        let former = try await service.members(of: team, openOnly: false).reversed().compactMap { (m, member) -> FormerMemberRow? in
            let id = member.id!.uuidString.lowercased()
            guard !m.isOpen, !current.contains(id), seen.insert(id).inserted else { return nil }
            return FormerMemberRow(memberId: id, fullName: member.fullName, left: LocalDate(m.validTo)?.vietnamese ?? m.validTo,
                                   erased: member.erasedAt != nil)
        }
        let history = (detail.history ?? []).reversed().map { h in
            HistoryRow(date: LocalDate(h.date)?.vietnamese ?? h.date, kind: req.t("history.\(h.kind)"), text: h.text)
        }
        let page = TeamPage(
            layout: Layout(request: req, title: team.name), team: row,
            unit: try await UnitsController.rows([unit], req: req, asOf: req.clock.today())[0],
            crumbs: try await UnitService(scope: scope, clock: req.clock).ancestors(of: unit).map { Crumb(code: $0.code, name: $0.name) }
                + [Crumb(code: unit.code, name: unit.name)],
            decisionNumber: team.decisionNumber, decisionDate: LocalDate(team.decisionDate)?.vietnamese ?? team.decisionDate,
            decisionSigner: team.decisionSigner, members: members, formerMembers: former, history: Array(history),
            canManageMembers: team.status == .active && scope.actor.role.managesMemberships && scope.contains(path: team.unitPath),
            canManageTeam: team.status == .active && scope.actor.role.managesUnitsAndTeams && scope.contains(path: team.unitPath),
            canErase: scope.actor.role.managesUnitsAndTeams && scope.contains(path: team.unitPath),
            roles: TeamRole.allCases.map { SelectOption(value: $0.rawValue, label: req.t("role_in_team.\($0.rawValue)"), selected: $0 == .member) },
            genders: Gender.allCases.map { SelectOption(value: $0.rawValue, label: req.t("gender.\($0.rawValue)"), selected: false) },
            affiliations: Affiliation.allCases.map { SelectOption(value: $0.rawValue, label: req.t("affiliation.\($0.rawValue)"), selected: false) },
            memberForm: memberForm, errors: errors, today: req.clock.today().iso)
        return try await req.view.render("teams/show", page)
    }

    static func addMember(req: Request) async throws -> Response {
        struct Form: Content {
            var fullName: String?
            var phone: String?
            var gender: String?
            var birthYear: String?
            var role: String?
            var affiliations: [String]?
            var from: String?
        }
        let id = req.parameters.get("id", as: UUID.self)
        let form = try req.content.decode(Form.self)
        let service = TeamService(scope: try req.scope, clock: req.clock)
        do {
            let team = try await service.find(id: id)
            let year = try formWholeNumber(form.birthYear, field: "birthYear", key: "error.birth_year")
            _ = try await service.addMember(to: team, AddMemberRequest(fullName: form.fullName, phone: form.phone, gender: form.gender,
                                                                       birthYear: year, role: form.role, affiliations: form.affiliations,
                                                                       from: dateFromForm(form.from)))
            return req.redirect(to: SiteURL.team(id!).anchor("members"))
        } catch let error as AppError {
            guard let messages = UnitsController.formErrors(error, req: req) else { throw error }
            return try await render(req: req, id: id, memberForm: MemberForm(fullName: form.fullName ?? "", phone: form.phone ?? "",
                                                                             birthYear: form.birthYear ?? ""), errors: messages)
                .encodeResponse(status: error.status, for: req)
        }
    }

    static func endMembership(req: Request) async throws -> Response {
        struct Form: Content {
            var date: String?
            var reason: String?
        }
        let form = try req.content.decode(Form.self)
        let service = TeamService(scope: try req.scope, clock: req.clock)
        let membership = try await service.endMembership(id: req.parameters.get("id", as: UUID.self),
                                                         EndMembershipRequest(date: dateFromForm(form.date), reason: form.reason))
        return req.redirect(to: SiteURL.team(membership.teamID).anchor("members"))
    }

    /// Moves a member to the active team of another unit, given by its code (the API takes the team's id).
    static func transferMember(req: Request) async throws -> Response {
        struct Form: Content {
            var unit: String?
            var role: String?
            var from: String?
            var team: String?
        }
        let form = try req.content.decode(Form.self)
        let scope = try req.scope
        let back = form.team.flatMap(UUID.init(uuidString:))
        do {
            let code = (form.unit ?? "").trimmingWhitespace()
            guard !code.isEmpty else { throw AppError.invalid("unit", "error.required") }
            let unit = try await UnitService(scope: scope, clock: req.clock).find(code: code, asOf: req.clock.today())
            guard let team = try await scope.query(Team.self).filter(\.$unitID == unit.id!).filter(\.$status == .active).first() else {
                throw AppError.invalid("unit", "error.no_active_team")
            }
            let (membership, _) = try await MemberRecords(scope: scope, clock: req.clock).transfer(
                id: req.parameters.get("id", as: UUID.self),
                TransferMemberRequest(team: team.id!.uuidString, role: form.role, from: dateFromForm(form.from)))
            return req.redirect(to: SiteURL.team(membership.teamID).anchor("members"))
        } catch let error as AppError {
            guard let back, let messages = UnitsController.formErrors(error, req: req) else { throw error }
            return try await render(req: req, id: back, memberForm: MemberForm(fullName: "", phone: "", birthYear: ""), errors: messages)
                .encodeResponse(status: error.status, for: req)
        }
    }

    static func eraseMember(req: Request) async throws -> Response {
        struct Form: Content { var team: String? }
        let form = try req.content.decode(Form.self)
        _ = try await MemberRecords(scope: try req.scope, clock: req.clock).erase(id: req.parameters.get("id", as: UUID.self))
        return req.redirect(to: form.team.flatMap(UUID.init(uuidString:)).map { SiteURL.team($0).anchor("former") } ?? "/")
    }

    static func consolidate(req: Request) async throws -> Response {
        struct Form: Content {
            var decisionNumber: String?
            var decisionDate: String?
            var decisionSigner: String?
            var note: String?
        }
        let id = req.parameters.get("id", as: UUID.self)
        let form = try req.content.decode(Form.self)
        let service = TeamService(scope: try req.scope, clock: req.clock)
        do {
            let team = try await service.find(id: id)
            _ = try await service.consolidate(team, ConsolidateTeamRequest(decisionNumber: form.decisionNumber,
                                                                           decisionDate: dateFromForm(form.decisionDate),
                                                                           decisionSigner: form.decisionSigner, note: form.note))
            return req.redirect(to: SiteURL.team(id!).anchor("history"))
        } catch let error as AppError {
            guard let messages = UnitsController.formErrors(error, req: req) else { throw error }
            return try await render(req: req, id: id, memberForm: MemberForm(fullName: "", phone: "", birthYear: ""), errors: messages)
                .encodeResponse(status: error.status, for: req)
        }
    }

    /// Date inputs send `yyyy-MM-dd`; typed text may be `dd/mm/yyyy`. Both become ISO; anything else is passed on to fail validation.
    static func dateFromForm(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty else { return raw }
        return LocalDate(raw)?.iso ?? raw
    }
}
