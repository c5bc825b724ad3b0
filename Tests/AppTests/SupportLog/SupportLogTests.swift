import Fluent
import Foundation
import LanToaCore
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("Door-to-door outreach: residents, sync and sweep lists")
struct OutreachTests {
    /// Valid CCCD numbers for the fixtures: Hà Nội (001), men born 1980 and women born 1985, 2001.
    static let cccdMan1980 = "001080012345"
    static let cccdWoman1985 = "001185067891"
    static let cccdWoman2001 = "001301098765"

    struct Batch: Encodable {
        var households: [[String: String]] = []
        var residents: [Resident] = []
        var activities: [Activity] = []

        struct Resident: Encodable {
            var id: UUID
            var household: UUID?
            var hamlet: String?
            var fullName: String
            var gender: String
            var birthYear: Int
            var cccd: String?
            var hasSmartphone = true
            var consentOn = "2026-11-01"
        }

        struct Activity: Encodable {
            var id: UUID
            var resident: UUID?
            var service: String
            var outcome: String
            var reason: String?
            var on = "2026-11-20"
        }
    }

    /// A hamlet with three households and five residents, made through the sync API by the hamlet's leader.
    static func village(_ t: TestApp) async throws -> (commune: String, hamlet: String, leader: String, residents: [UUID]) {
        let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
        let hamlet = try await t.hamlet("Tổ dân phố 3", in: Fixtures.communeA, token: commune)
        let leader = try await t.account("to-truong", role: .leader, scope: hamlet)
        let (h1, h2, h3) = (UUID(), UUID(), UUID())
        let people = (0..<5).map { _ in UUID() }
        var batch = Batch()
        batch.households = [
            ["id": h2.uuidString, "hamlet": hamlet, "address": "Số 10 ngõ 2", "headName": "Trần Văn Bình"],
            ["id": h1.uuidString, "hamlet": hamlet, "address": "Số 2 ngõ 2", "headName": "Lê Văn An"],
            ["id": h3.uuidString, "hamlet": hamlet, "address": "Số 7 ngõ 5", "headName": "Phạm Thị Cúc"],
        ]
        batch.residents = [
            .init(id: people[0], household: h1, fullName: "Lê Văn An", gender: "male", birthYear: 1980, cccd: cccdMan1980),
            .init(id: people[1], household: h1, fullName: "Nguyễn Thị Hạnh", gender: "female", birthYear: 1985, cccd: cccdWoman1985),
            .init(id: people[2], household: h1, fullName: "Lê Minh Khôi", gender: "male", birthYear: 2016),
            .init(id: people[3], household: h2, fullName: "Trần Văn Bình", gender: "male", birthYear: 1970),
            .init(id: people[4], household: h3, fullName: "Phạm Thị Cúc", gender: "female", birthYear: 2001, cccd: cccdWoman2001),
        ]
        let reply = try await t.send(.POST, "/api/v1/sync", token: leader, json: batch)
        guard reply.status == .ok, try reply.json()["created"] as? Int == 8 else { throw TestFailure("village not created: \(reply.text)") }
        return (commune, hamlet, leader, people)
    }

    @Test("The same batch twice leaves one copy; 3 invalid items among 100 are named and the other 97 land", arguments: Engine.available)
    func syncIsIdempotentAndPerItem(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await Self.village(t)
            var batch = Batch()
            for i in 0..<100 {
                var a = Batch.Activity(id: UUID(), resident: v.residents[i % 5 == 2 ? 0 : i % 5], service: "safe_internet", outcome: "done")
                if i == 10 { a.service = "no_such_service" }
                if i == 50 { a.outcome = "guided" }          // a reason is required
                if i == 90 { a.resident = UUID() }           // unknown resident
                batch.activities.append(a)
            }
            let first = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).decode(SyncResponse.self)
            #expect(first.created == 97 && first.rejected == 3 && first.duplicates == 0)
            let rejected = first.results.filter { $0.status == "rejected" }
            #expect(rejected.map(\.id) == [batch.activities[10].id, batch.activities[50].id, batch.activities[90].id])
            #expect(rejected.map { $0.errors?.first?.field } == ["service", "reason", "resident"])
            let again = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).decode(SyncResponse.self)
            #expect(again.created == 0 && again.duplicates == 97 && again.rejected == 3)
            #expect(try await SupportActivity.query(on: t.app.db).count() == 97)
            let status = try await ServiceStatus.query(on: t.app.db).filter(\.$serviceCode == "safe_internet").count()
            #expect(status == 4)
            // The first date done is the earliest, whatever order the supports arrive in.
            for (day, expected) in [("2026-11-10", "2026-11-10"), ("2026-11-15", "2026-11-10"), ("2026-11-02", "2026-11-02")] {
                var late = Batch()
                late.activities = [.init(id: UUID(), resident: v.residents[3], service: "bank_account", outcome: "done", on: day)]
                _ = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: late)
                let shown = try await t.send(.GET, "/api/v1/residents/\(v.residents[3])", token: v.leader).decode(ResidentResponse.self)
                #expect(shown.done["bank_account"] == expected)
            }
        }
    }

    @Test("The sweep list holds exactly the eligible residents without a done activity, by household and address", arguments: Engine.available)
    func sweepListIsExact(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await Self.village(t)
            var batch = Batch()
            batch.activities = [
                .init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done"),
                .init(id: UUID(), resident: v.residents[3], service: "vneid_level2", outcome: "guided", reason: "no_smartphone"),
                .init(id: UUID(), resident: v.residents[4], service: "vneid_level2", outcome: "refused"),
            ]
            #expect(try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).decode(SyncResponse.self).created == 3)
            let sweep = try await t.send(.GET, "/api/v1/sweep?unit=\(v.hamlet)&service=vneid_level2", token: v.commune).decode(SweepResponse.self)
            // Eligible (14+): An, Hạnh, Bình, Cúc; Khôi (born 2016) is not. An is done.
            #expect(sweep.eligible == 4 && sweep.done == 1)
            #expect(sweep.households.map(\.address) == ["Số 2 ngõ 2", "Số 7 ngõ 5", "Số 10 ngõ 2"])
            #expect(sweep.households.flatMap { $0.residents.map(\.fullName) } == ["Nguyễn Thị Hạnh", "Phạm Thị Cúc", "Trần Văn Bình"])
            // A correction supersedes the done entry: An is back on the list.
            var correction = Batch()
            correction.activities = [.init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "guided", reason: "needs_follow_up")]
            struct Superseding: Encodable { var activities: [[String: String]] }
            let corrected = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: Superseding(activities: [[
                "id": UUID().uuidString, "resident": v.residents[0].uuidString, "service": "vneid_level2", "outcome": "guided",
                "reason": "needs_follow_up", "on": "2026-11-21", "supersedes": batch.activities[0].id.uuidString,
            ]]))
            #expect(try corrected.decode(SyncResponse.self).created == 1)
            let after = try await t.send(.GET, "/api/v1/sweep?unit=\(Fixtures.communeA)&service=vneid_level2", token: v.commune).decode(SweepResponse.self)
            #expect(after.eligible == 4 && after.done == 0)
        }
    }

    @Test("No CCCD number is stored in plain text; views mask it and look-up works through the keyed hash", arguments: Engine.available)
    func cccdNeverPlain(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await Self.village(t)
            let shown = try await t.send(.GET, "/api/v1/residents/\(v.residents[0])", token: v.leader).decode(ResidentResponse.self)
            #expect(shown.cccd == "001*******45")
            let found = try await t.send(.POST, "/api/v1/residents/lookup", token: v.commune, json: ["cccd": Self.cccdWoman1985]).json()
            #expect(found["total"] as? Int == 1)
            // In a URL the number would sit in access logs: refused, naming the field.
            let inURL = try await t.send(.GET, "/api/v1/residents?cccd=\(Self.cccdWoman1985)", token: v.commune)
            #expect(inURL.status == .unprocessableEntity)
            #expect((try inURL.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "cccd")
            let numbers = [Self.cccdMan1980, Self.cccdWoman1985, Self.cccdWoman2001]
            let bytes: Data
            switch t.engine {
            case .sqlite:
                guard case let .sqlite(path) = t.app.lantoaConfig.storage else { throw TestFailure("not sqlite") }
                try await (t.app.db as! any SQLDatabase).raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
                var all = try Data(contentsOf: URL(fileURLWithPath: path))
                for suffix in ["-wal", "-journal"] { all += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data() }
                bytes = all
            case .postgres:
                guard case let .postgres(url) = t.app.lantoaConfig.storage else { throw TestFailure("not postgres") }
                bytes = try Self.pgDump(url)
            }
            #expect(bytes.count > 100_000)
            for number in numbers {
                #expect(bytes.range(of: Data(number.utf8)) == nil, "\(number) found in plain text")
            }
            // The masked form is there (it is what views show).
            #expect(bytes.range(of: Data("001*******45".utf8)) != nil)
        }
    }

    static func pgDump(_ url: String) throws -> Data {
        let candidates = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().reversed()
            .map { "/usr/lib/postgresql/\($0)/bin/pg_dump" } ?? []
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestFailure("pg_dump not found under /usr/lib/postgresql")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["--dbname=\(url)", "--data-only"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("pg_dump failed") }
        return data
    }

    @Test("Bad residents are refused naming the field; a member sees only the own hamlet's residents", arguments: Engine.available)
    func residentRulesAndScope(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await Self.village(t)
            let wrongGender = try await t.send(.POST, "/api/v1/residents", token: v.leader, json: Batch.Resident(
                id: UUID(), hamlet: v.hamlet, fullName: "Đỗ Văn Tú", gender: "female", birthYear: 1980, cccd: Self.cccdMan1980))
            #expect(wrongGender.status == .unprocessableEntity)
            #expect(try wrongGender.json()["errors"].map { ($0 as? [[String: Any]])?.compactMap { $0["field"] as? String } } == ["cccd"])
            var noConsent = try await t.send(.POST, "/api/v1/residents", token: v.leader, body: Data(
                #"{"hamlet":"\#(v.hamlet)","fullName":"Đỗ Văn Tú","gender":"male","birthYear":1990}"#.utf8), contentType: "application/json")
            #expect(noConsent.status == .unprocessableEntity && noConsent.text.contains("consentOn"))
            let otherHamlet = try await t.hamlet("Tổ dân phố 4", in: Fixtures.communeA, token: v.commune)
            let member = try await t.account("thanh-vien", role: .member, scope: otherHamlet)
            noConsent = try await t.send(.GET, "/api/v1/residents/\(v.residents[0])", token: member)
            #expect(noConsent.status == .notFound)
            let outside = try await t.send(.POST, "/api/v1/residents", token: member, json: Batch.Resident(
                id: UUID(), hamlet: v.hamlet, fullName: "Đỗ Văn Tú", gender: "male", birthYear: 1990))
            #expect(outside.status == .forbidden)
            let list = try await t.send(.GET, "/api/v1/residents?unit=\(Fixtures.communeA)", token: member).json()
            #expect(list["total"] as? Int == 0)
            let commune = try await t.send(.GET, "/api/v1/residents?unit=\(Fixtures.communeA)", token: v.commune).json()
            #expect(commune["total"] as? Int == 5)
            let pull = try await t.send(.GET, "/api/v1/sync", token: v.leader).decode(WorkingSetResponse.self)
            #expect(pull.residents.count == 5 && pull.households.count == 3 && pull.complete)
            #expect(pull.residents.allSatisfy { $0.cccd.isEmpty || $0.cccd.contains("*******") })
            let next = try await t.send(.GET, "/api/v1/sync?since=\(pull.cursor)", token: v.leader).decode(WorkingSetResponse.self)
            #expect(next.residents.isEmpty && next.households.isEmpty)
        }
    }
}

@Suite("Sweep list page")
struct SweepPageTests {
    @Test("A commune prints one sheet per hamlet with who still needs the service", arguments: Engine.available)
    func sweepSheets(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let session = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            let page = try await session.send(.GET, "/units/\(Fixtures.communeA)/sweep?service=vneid_level2")
            #expect(page.status == .ok)
            #expect(page.text.contains("Tổ dân phố 3") && page.text.contains("đã xong 0/4"))
            #expect(page.text.contains("Nguyễn Thị Hạnh (1985)") && !page.text.contains("Lê Minh Khôi"))
            #expect(page.text.components(separatedBy: "class=\"sheet\"").count == 2)
            let leaderView = try await t.send(.GET, "/api/v1/sweep?unit=\(v.hamlet)&service=ehealth_book", token: v.leader).decode(SweepResponse.self)
            #expect(leaderView.eligible == 5)
            let team = try await t.team(for: v.hamlet, token: v.commune)
            let byTeam = try await t.send(.GET, "/api/v1/sweep?team=\(team)&service=ehealth_book", token: v.leader).decode(SweepResponse.self)
            #expect(byTeam.unit.code == v.hamlet && byTeam.eligible == 5)
        }
    }
}

@Suite("Residents' rights and the data key")
struct ResidentRightsTests {
    @Test("A resident's record is shown in full, corrected and erased; the figures stay", arguments: Engine.available)
    func showCorrectErase(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            var batch = OutreachTests.Batch()
            batch.activities = [.init(id: UUID(), resident: v.residents[1], service: "vneid_level2", outcome: "done")]
            _ = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch)
            // Only officials produce the full record; a leader gets a refusal.
            #expect(try await t.send(.GET, "/api/v1/residents/\(v.residents[1])/export", token: v.leader).status == .forbidden)
            let export = try await t.send(.GET, "/api/v1/residents/\(v.residents[1])/export", token: v.commune).json()
            #expect(export["cccd"] as? String == OutreachTests.cccdWoman1985)
            #expect((export["supports"] as? [Any])?.count == 1)
            let corrected = try await t.send(.PATCH, "/api/v1/residents/\(v.residents[1])", token: v.leader,
                                             json: ["fullName": "Nguyễn Thị Mỹ Hạnh", "phone": "0987 654 321"])
            #expect(try corrected.decode(ResidentResponse.self).fullName == "Nguyễn Thị Mỹ Hạnh")
            let badCorrection = try await t.send(.PATCH, "/api/v1/residents/\(v.residents[1])", token: v.leader, json: ["cccd": "001085067891"])
            #expect(badCorrection.status == .unprocessableEntity && badCorrection.text.contains("\"field\":\"cccd\""))
            let before = try await t.send(.GET, "/api/v1/sweep?unit=\(v.hamlet)&service=vneid_level2", token: v.commune).decode(SweepResponse.self)

            #expect(try await t.send(.POST, "/api/v1/residents/\(v.residents[1])/erase", token: v.leader).status == .forbidden)
            let erased = try await t.send(.POST, "/api/v1/residents/\(v.residents[1])/erase", token: v.commune).decode(ResidentResponse.self)
            #expect(erased.erased && erased.fullName == "—" && erased.cccd.isEmpty && erased.phone.isEmpty)
            // The head of a household erased: the household's head name goes with it.
            let head = try await t.send(.POST, "/api/v1/residents/\(v.residents[0])/erase", token: v.commune).decode(ResidentResponse.self)
            let household = try #require(try await Household.find(head.household, on: t.app.db))
            #expect(household.headName == "—")
            #expect(try await SupportActivity.query(on: t.app.db).count() == 1)
            #expect(try await t.send(.POST, "/api/v1/residents/lookup", token: v.commune, json: ["cccd": OutreachTests.cccdWoman1985]).json()["total"] as? Int == 0)
            let after = try await t.send(.GET, "/api/v1/sweep?unit=\(v.hamlet)&service=vneid_level2", token: v.commune).decode(SweepResponse.self)
            #expect(after.done == before.done)
            // Nothing of the name stays in the audit trail.
            let audit = try await AuditEntry.query(on: t.app.db).filter(\.$entity == "resident").all()
            #expect(!audit.isEmpty && audit.allSatisfy { !($0.summary + $0.before + $0.after).contains("Hạnh") })
        }
    }

    @Test("rotate-data-key re-seals every CCCD with the new key; look-up keeps working", arguments: [Engine.sqlite])
    func keyRotation(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let oldKey = t.app.lantoaConfig.dataKey
            let newKey = Data((0..<32).map { UInt8(($0 * 7 + 3) % 256) })
            t.app.lantoaConfig.dataKey = newKey
            t.app.lantoaConfig.previousDataKey = oldKey
            let console = Terminal()
            var context = CommandContext(console: console, input: CommandInput(arguments: ["lantoa"]))
            context.application = t.app
            try await console.run(RotateDataKeyCommand(), with: context)
            let residents = try await Resident.query(on: t.app.db).filter(\.$cccdSealed != "").all()
            #expect(residents.count == 3)
            let current = PersonalDataProtector(key: newKey)
            #expect(residents.allSatisfy { current.isCurrent($0.cccdSealed) })
            #expect(try residents.map { try current.open($0.cccdSealed, for: $0.id!) }.sorted()
                    == [OutreachTests.cccdMan1980, OutreachTests.cccdWoman1985, OutreachTests.cccdWoman2001].sorted())
            t.app.lantoaConfig.previousDataKey = nil
            let found = try await t.send(.POST, "/api/v1/residents/lookup", token: v.commune, json: ["cccd": OutreachTests.cccdWoman2001]).json()
            #expect(found["total"] as? Int == 1)
        }
    }

    @Test("A province's own service is seen only within the province", arguments: Engine.available)
    func provinceServices(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let langSon = try await t.account("tinh-ls", role: .province, scope: Fixtures.provinceB)
            let created = try await t.send(.POST, "/api/v1/services", token: langSon, json: [
                "code": "cong_dan_so_xu_lang", "name": "Công dân số Xứ Lạng", "pillar": "society", "province": Fixtures.provinceB,
            ] as [String: String])
            #expect(created.status == .created)
            let inside = try await t.account("xa-ls", role: .commune, scope: Fixtures.communeB)
            let outside = try await t.account("xa-hn", role: .commune, scope: Fixtures.communeA)
            let codesInside = try await t.send(.GET, "/api/v1/services", token: inside).decode([ServiceResponse].self).map(\.code)
            let codesOutside = try await t.send(.GET, "/api/v1/services", token: outside).decode([ServiceResponse].self).map(\.code)
            #expect(codesInside.contains("cong_dan_so_xu_lang") && codesInside.contains("vneid_level2"))
            #expect(!codesOutside.contains("cong_dan_so_xu_lang") && codesOutside.contains("vneid_level2"))
            let again = try await t.send(.POST, "/api/v1/services", token: langSon, json: [
                "code": "cong_dan_so_xu_lang", "name": "X", "pillar": "society", "province": Fixtures.provinceB,
            ] as [String: String])
            #expect(again.status == .conflict)
        }
    }
}

@Suite("Resident import")
struct ResidentImportTests {
    static func csv(_ rows: [[String]]) -> Data { ImportTests.csv(rows) }

    @Test("A bad file writes nothing and names each row without repeating a CCCD; a good one creates households and residents", arguments: Engine.available)
    func importResidents(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            _ = try await t.hamlet("Tổ dân phố 3", in: Fixtures.communeA, token: commune)
            var rows = [ResidentImport.Column.allCases.map(\.header)]
            for i in 0..<30 {
                rows.append(["Tổ dân phố 3", "Số \(i / 3 + 1) ngõ 4", "Chủ hộ \(i / 3)", "Người \(i)", i % 2 == 0 ? "Nam" : "Nữ",
                             "\(1960 + i)", "", "", i % 3 == 0 ? "Có" : "", "01/11/2026"])
            }
            rows[5][6] = "001185067891"     // row 6: a woman's number given to a man born 1964
            rows[8][0] = "Thôn Không Có"    // row 9: unknown hamlet
            let bad = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/resident-imports", token: commune, body: Self.csv(rows), contentType: "text/csv")
            #expect(bad.status == .unprocessableEntity)
            let problems = (try bad.json()["rows"] as? [[String: Any]] ?? []).map { "\($0["row"]!)|\($0["column"]!)" }
            #expect(problems == ["6|Số CCCD", "9|Thôn/Tổ dân phố"])
            #expect(!bad.text.contains("001185067891"))
            #expect(try await Resident.query(on: t.app.db).count() == 0)

            rows[5][6] = "001064012345"
            rows[8][0] = "tdp 3".replacingOccurrences(of: "tdp", with: "Tổ dân phố")
            let good = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/resident-imports", token: commune, body: Self.csv(rows), contentType: "text/csv")
            #expect(good.status == .created, "\(good.text.prefix(400))")
            #expect(try good.json()["households"] as? Int == 10 && good.json()["residents"] as? Int == 30)
            let found = try await t.send(.POST, "/api/v1/residents/lookup", token: commune, json: ["cccd": "001064012345"]).json()
            #expect(found["total"] as? Int == 1)
            let again = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/resident-imports", token: commune, body: Self.csv(rows), contentType: "text/csv")
            #expect(again.status == .unprocessableEntity && again.text.contains("cccd_exists") == false)
            #expect(try await Resident.query(on: t.app.db).count() == 30)
        }
    }
}
