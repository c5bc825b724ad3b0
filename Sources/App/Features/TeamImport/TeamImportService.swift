import Fluent
import Foundation
import LanToaCore

/// Imports a commune's teams and members from the spreadsheet officials keep: every row checked, and nothing
/// written unless the whole file is valid (one transaction).
struct TeamImportService {
    let scope: Scope
    let clock: AppClock
    let reader: TableReader

    struct Outcome: Sendable {
        var teams: Int
        var members: Int
        var hamletsCreated: Int
    }

    /// Reads and imports `data` (`.xlsx` or `.csv`) for the commune `communeCode`. `progress` is told of each team written.
    func importFile(_ data: Data, communeCode: String, demo: Bool = false,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> Outcome {
        let units = UnitService(scope: scope, clock: clock)
        let today = clock.today()
        let commune: Unit
        do {
            commune = try await units.find(code: communeCode, asOf: today)
        } catch AppError.notFound {
            throw AppError.invalid("commune", "error.unknown_commune", communeCode)
        }
        guard commune.tier == .commune else { throw AppError.invalid("commune", "error.unknown_commune", communeCode) }
        try scope.authorize(.manageUnitsAndTeams, at: commune.path)

        let table = try await reader.read(data)
        let plan: TeamImport.Plan
        switch TeamImport.plan(table, today: today) {
        case let .invalid(problems): throw AppError.importRejected(problems)
        case let .valid(p): plan = p
        }

        // Checks against what the database holds, before writing anything.
        let hamlets = try await Unit.query(on: scope.db).filter(\.$parentID == commune.id!).filter(\.$tier == .hamlet)
            .filter(\.$validTo >= today.iso).all()
        let hamletByName = Dictionary(hamlets.map { (TextFolding.fold($0.name), $0) }, uniquingKeysWith: { a, _ in a })
        let hamlet: @Sendable (String) -> Unit? = { name in
            let folded = TextFolding.fold(name)
            if let h = hamletByName[folded] { return h }
            // "Nà Sản" finds "Thôn Nà Sản".
            return hamlets.first { TextFolding.fold($0.shortName) == folded }
        }
        let activeTeams = try await Team.query(on: scope.db).under(commune.path, \.$unitPath).filter(\.$status == .active).all()
        let unitsWithTeam = Set(activeTeams.map(\.unitID))
        var problems: [TeamImport.Problem] = []
        for team in plan.teams {
            let unit = team.hamlet.map { hamlet($0) } ?? commune
            if let unit, unitsWithTeam.contains(unit.id!) {
                problems.append(.init(row: team.firstRow, column: TeamImport.Column.hamlet.header, key: "team_exists", args: [unit.name]))
            }
        }
        let phones = plan.teams.flatMap { $0.members.map { ($0.phone.digits, $0.row) } }
        for chunk in phones.chunked(500) {
            let existing = try await Member.query(on: scope.db).filter(\.$phone ~~ chunk.map(\.0)).all()
            let serving = Set(try await Membership.query(on: scope.db).filter(\.$memberID ~~ existing.map { $0.id! })
                .filter(\.$validTo == LocalDate.distantFuture.iso).all(\.$memberID))
            // Inside the commune the row can say the person serves in another team; outside it, only that the number
            // is recorded in another area (whether they serve there is not the importer's to know).
            let elsewhere = Set(existing.filter { !scope.contains(path: $0.unitPath) }.map(\.phone))
            let servingPhones = Set(existing.filter { serving.contains($0.id!) }.map(\.phone))
            for (phone, row) in chunk {
                if elsewhere.contains(phone) {
                    problems.append(.init(row: row, column: TeamImport.Column.phone.header, key: "member_elsewhere", args: [phone]))
                } else if servingPhones.contains(phone) {
                    problems.append(.init(row: row, column: TeamImport.Column.phone.header, key: "member_serving", args: [phone]))
                }
            }
        }
        guard problems.isEmpty else { throw AppError.importRejected(problems.sorted { $0.row < $1.row }) }

        let teamService = TeamService(scope: scope, clock: clock)
        let unitService = units
        let actor = scope.actor
        let now = clock.now()
        return try await scope.db.writeTransaction { db in try await Rollups.collecting(on: db) {
            let txScope = Scope(actor: actor, db: db)
            let txTeams = TeamService(scope: txScope, clock: teamService.clock)
            var hamletsCreated = 0
            var created: [String: Unit] = [:]
            for (i, plannedTeam) in plan.teams.enumerated() {
                var unit = commune
                if let name = plannedTeam.hamlet {
                    if let existing = hamlet(name) ?? created[TextFolding.fold(name)] {
                        unit = existing
                    } else {
                        unit = try await UnitService(scope: txScope, clock: unitService.clock)
                            .createHamletInTransaction(parent: commune, name: name, demo: demo, on: db)
                        created[TextFolding.fold(name)] = unit
                        hamletsCreated += 1
                    }
                }
                let team = try await txTeams.found(
                    unit: unit, name: plannedTeam.name,
                    decision: .init(number: plannedTeam.decisionNumber, date: plannedTeam.decisionDate, signer: plannedTeam.decisionSigner),
                    demo: demo, on: db)
                for row in plannedTeam.members {
                    _ = try await txTeams.addMember(
                        .init(fullName: row.fullName, phone: row.phone, gender: row.gender, birthYear: row.birthYear, role: row.role,
                              affiliations: row.affiliations, from: plannedTeam.decisionDate),
                        to: team, demo: demo, on: db)
                }
                try await TeamService.refreshCompliance(of: team, unitTier: unit.tier, on: db)
                progress?(i + 1, plan.teams.count)
            }
            try await AuditLog.record(on: db, actor: actor, at: now, action: .importFile, entity: "team_import", entityID: nil,
                                      unitPath: commune.path,
                                      summary: "\(commune.name): \(plan.teams.count) tổ, \(plan.memberCount) thành viên",
                                      before: Nothing?.none, after: Nothing?.none)
            return Outcome(teams: plan.teams.count, members: plan.memberCount, hamletsCreated: hamletsCreated)
        } }
    }
}
