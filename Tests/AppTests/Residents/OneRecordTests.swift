import Fluent
import Foundation
import LanToaCore
import Testing
import Vapor
@testable import App

@Suite("One person, one record; corrections stay within their subject and area")
struct OneRecordTests {
    typealias Batch = OutreachTests.Batch

    struct Raw: Encodable {
        var residents: [[String: String]]?
        var activities: [[String: String]]?
    }

    static func items(_ reply: TestApp.Reply) throws -> [[String: Any]] {
        try reply.json()["results"] as? [[String: Any]] ?? []
    }

    static func codes(_ item: [String: Any]) -> [String] {
        (item["errors"] as? [[String: Any]] ?? []).map { "\($0["field"]!)|\($0["code"]!)" }
    }

    @Test("A CCCD already recorded is refused with 409 through the API, the sync, a correction and the import; only inside the area is the record named",
          arguments: Engine.available)
    func cccdIsUnique(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let again = try await t.send(.POST, "/api/v1/residents", token: v.leader, json: Batch.Resident(
                id: UUID(), hamlet: v.hamlet, fullName: "Nguyễn Thị Hạnh", gender: "female", birthYear: 1985, cccd: OutreachTests.cccdWoman1985))
            #expect(again.status == .conflict)
            let error = (try again.json()["errors"] as? [[String: Any]])?.first
            #expect(error?["field"] as? String == "cccd")
            #expect(error?["code"] as? String == "error.cccd_taken")
            #expect((error?["message"] as? String)?.contains("Nguyễn Thị Hạnh") == true)

            // From another province: recorded elsewhere, and nothing else.
            let b = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)
            let hamletB = try await t.hamlet("Thôn Khuổi Bó", in: Fixtures.communeB, token: b)
            let elsewhere = try await t.send(.POST, "/api/v1/residents", token: b, json: Batch.Resident(
                id: UUID(), hamlet: hamletB, fullName: "Nguyễn Thị Hạnh", gender: "female", birthYear: 1985, cccd: OutreachTests.cccdWoman1985))
            #expect(elsewhere.status == .conflict)
            #expect((try elsewhere.json()["errors"] as? [[String: Any]])?.first?["code"] as? String == "error.cccd_elsewhere")
            for secret in ["Hạnh", v.hamlet, "Tổ dân phố 3", v.residents[1].uuidString.lowercased()] {
                #expect(!elsewhere.text.contains(secret), "\(secret)")
            }

            // The sync judges each item: a number recorded before, and one repeated within the batch.
            let fresh = "001190012345"
            let (taken, first, repeated) = (UUID(), UUID(), UUID())
            let batch = Batch(residents: [
                .init(id: taken, hamlet: v.hamlet, fullName: "Lê Văn An", gender: "male", birthYear: 1980, cccd: OutreachTests.cccdMan1980),
                .init(id: first, hamlet: v.hamlet, fullName: "Đỗ Thị Mai", gender: "female", birthYear: 1990, cccd: fresh),
                .init(id: repeated, hamlet: v.hamlet, fullName: "Đỗ Thị Mai", gender: "female", birthYear: 1990, cccd: fresh),
            ])
            let synced = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch)
            let results = try Self.items(synced)
            #expect(results.map { $0["status"] as? String } == ["rejected", "created", "rejected"])
            #expect(Self.codes(results[0]) == ["cccd|error.cccd_taken"])
            #expect(Self.codes(results[2]) == ["cccd|error.cccd_repeated"])
            #expect(try await Resident.query(on: t.app.db).count() == 6)

            // A correction to a number someone else holds.
            let twin = try await t.send(.POST, "/api/v1/residents", token: v.leader, json: Batch.Resident(
                id: UUID(), hamlet: v.hamlet, fullName: "Nguyễn Thị Hạnh", gender: "female", birthYear: 1985))
            let twinID = try #require(try twin.json()["id"] as? String)
            let corrected = try await t.send(.PATCH, "/api/v1/residents/\(twinID)", token: v.leader, json: ["cccd": OutreachTests.cccdWoman1985])
            #expect(corrected.status == .conflict)
            #expect((try corrected.json()["errors"] as? [[String: Any]])?.first?["code"] as? String == "error.cccd_taken")

            // The import, row by row, in the area and outside it.
            var rows = [ResidentImport.Column.allCases.map(\.header)]
            rows.append(["Tổ dân phố 3", "Số 9 ngõ 9", "Lê Văn An", "Lê Văn An", "Nam", "1980", OutreachTests.cccdMan1980, "", "", "01/11/2026"])
            let imported = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/resident-imports", token: v.commune,
                                            body: ResidentImportTests.csv(rows), contentType: "text/csv")
            #expect(imported.status == .unprocessableEntity)
            #expect((try imported.json()["rows"] as? [[String: Any]])?.first?["message"] as? String == "Số CCCD đã được ghi nhận cho Lê Văn An trong địa bàn")
            rows[1][0] = "Thôn Khuổi Bó"
            let importedB = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeB)/resident-imports", token: b,
                                             body: ResidentImportTests.csv(rows), contentType: "text/csv")
            #expect((try importedB.json()["rows"] as? [[String: Any]])?.first?["message"] as? String
                == "Số CCCD đã được ghi nhận ở địa bàn khác; liên hệ UBND xã để được hỗ trợ")
            #expect(!importedB.text.contains("Tổ dân phố 3"))
            #expect(try await Resident.query(on: t.app.db).count() == 7)
        }
    }

    @Test("Two records of one person merged by the commune: supports move, the figures equal a rebuild's", arguments: Engine.available)
    func merge(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let kept = v.residents[1]
            let twin = UUID()
            let created = try await t.send(.POST, "/api/v1/residents", token: v.leader, json: Batch.Resident(
                id: twin, hamlet: v.hamlet, fullName: "Nguyễn T. Hạnh", gender: "female", birthYear: 1985))
            #expect(created.status == .created)
            let supports = Batch(activities: [
                .init(id: UUID(), resident: twin, service: "vneid_level2", outcome: "done"),
                .init(id: UUID(), resident: twin, service: "bank_account", outcome: "guided", reason: "no_smartphone"),
                .init(id: UUID(), resident: kept, service: "ehealth_book", outcome: "done", on: "2026-11-18"),
                .init(id: UUID(), resident: twin, service: "ehealth_book", outcome: "done", on: "2026-11-19"),
            ])
            #expect(try await t.send(.POST, "/api/v1/sync", token: v.leader, json: supports).decode(SyncResponse.self).created == 4)
            let before = try await DashboardTests.dashboard(t, unit: Fixtures.communeA, token: v.commune)

            #expect(try await t.send(.POST, "/api/v1/residents/\(twin)/merge", token: v.leader, json: ["into": kept.uuidString]).status == .forbidden)
            let b = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)
            #expect(try await t.send(.POST, "/api/v1/residents/\(twin)/merge", token: b, json: ["into": kept.uuidString]).status == .notFound)
            #expect(try await t.send(.POST, "/api/v1/residents/\(twin)/merge", token: v.commune, json: ["into": twin.uuidString]).status
                == .unprocessableEntity)
            let merged = try await t.send(.POST, "/api/v1/residents/\(twin)/merge", token: v.commune, json: ["into": kept.uuidString])
            #expect(merged.status == .ok, "\(merged.text)")
            #expect(try merged.json()["id"] as? String == kept.uuidString.lowercased() || (try merged.json()["id"] as? String) == kept.uuidString)

            let after = try await DashboardTests.dashboard(t, unit: Fixtures.communeA, token: v.commune)
            func figure(_ d: DashboardResponse, _ key: String) -> Double? { d.indicators.first { $0.code == key }?.actual }
            #expect(figure(after, "residents") == figure(before, "residents").map { $0 - 1 })
            func covered(_ d: DashboardResponse, _ key: String) -> Int64? { d.indicators.first { $0.code == key }?.numerator }
            #expect(figure(after, "vneid_level2.done") == figure(before, "vneid_level2.done"))
            #expect(covered(after, "vneid_level2.coverage") == covered(before, "vneid_level2.coverage"))
            #expect(covered(after, "vneid_level2.coverage") == 1)
            // Supports stay supports; the same person done twice is covered once.
            #expect(figure(after, "ehealth_book.done") == figure(before, "ehealth_book.done"))
            #expect(covered(after, "ehealth_book.coverage") == covered(before, "ehealth_book.coverage").map { $0 - 1 })
            let statuses = try await ServiceStatus.query(on: t.app.db).filter(\.$subjectID == twin).count()
            #expect(statuses == 0)
            let rows = try await DashboardTests.rollups(t.app.db)
            try await RollupBuilder(db: t.app.db).rebuild()
            #expect(try await DashboardTests.rollups(t.app.db) == rows)

            // The merged record is gone from lists, and a phone's later support for it is refused by name.
            let list = try await t.send(.GET, "/api/v1/residents?unit=\(v.hamlet)", token: v.commune)
            #expect(try list.json()["total"] as? Int == 5)
            let late = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: Batch(activities: [
                .init(id: UUID(), resident: twin, service: "safe_internet", outcome: "done"),
            ]))
            #expect(Self.codes(try Self.items(late)[0]) == ["resident|error.resident_merged"])
            #expect(try await t.send(.POST, "/api/v1/residents/\(twin)/merge", token: v.commune, json: ["into": kept.uuidString]).status
                == .unprocessableEntity)
            let audit = try await AuditEntry.query(on: t.app.db).filter(\.$entity == "resident").filter(\.$entityID == twin.uuidString.lowercased())
                .filter(\.$action == "update").count()
            #expect(audit == 1)
        }
    }

    @Test("A correction must be of an entry in the area, of the same person and service; dates and counts are bounded", arguments: Engine.available)
    func corrections(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let original = UUID()
            _ = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: Batch(activities: [
                .init(id: original, resident: v.residents[0], service: "vneid_level2", outcome: "done"),
            ]))
            let otherHamlet = try await t.hamlet("Tổ dân phố 4", in: Fixtures.communeA, token: v.commune)
            let otherLeader = try await t.account("to-truong-4", role: .leader, scope: otherHamlet)
            let b = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)
            let hamletB = try await t.hamlet("Thôn Khuổi Bó", in: Fixtures.communeB, token: b)
            let leaderB = try await t.account("to-truong-b", role: .leader, scope: hamletB)
            let residentB = UUID()
            _ = try await t.send(.POST, "/api/v1/residents", token: leaderB, json: Batch.Resident(
                id: residentB, hamlet: hamletB, fullName: "Hoàng Văn Pả", gender: "male", birthYear: 1975))

            func correction(_ resident: UUID, _ service: String, supersedes: UUID) -> Raw {
                Raw(activities: [["id": UUID().uuidString, "resident": resident.uuidString, "service": service, "outcome": "refused",
                                  "on": "2026-11-21", "supersedes": supersedes.uuidString]])
            }
            let fromOtherHamlet = try await t.send(.POST, "/api/v1/sync", token: otherLeader, json: correction(v.residents[0], "vneid_level2", supersedes: original))
            #expect(Self.codes(try Self.items(fromOtherHamlet)[0]).contains("supersedes|error.supersedes_unknown"))
            let fromOtherProvince = try await t.send(.POST, "/api/v1/sync", token: leaderB, json: correction(residentB, "vneid_level2", supersedes: original))
            #expect(Self.codes(try Self.items(fromOtherProvince)[0]) == ["supersedes|error.supersedes_unknown"])
            let otherPerson = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: correction(v.residents[1], "vneid_level2", supersedes: original))
            #expect(Self.codes(try Self.items(otherPerson)[0]) == ["supersedes|error.supersedes_mismatch"])
            let otherService = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: correction(v.residents[0], "ehealth_book", supersedes: original))
            #expect(Self.codes(try Self.items(otherService)[0]) == ["supersedes|error.supersedes_mismatch"])
            let right = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: correction(v.residents[0], "vneid_level2", supersedes: original))
            #expect(try Self.items(right)[0]["status"] as? String == "created")
            #expect(try await AuditEntry.query(on: t.app.db).filter(\.$entity == "activity").filter(\.$entityID == original.uuidString.lowercased()).count() == 1)

            // Dates before the programme or the team, and counts out of range.
            _ = try await t.team(for: v.hamlet, token: v.commune)
            let bounded = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: Raw(activities: [
                ["id": UUID().uuidString, "resident": v.residents[0].uuidString, "service": "ehealth_book", "outcome": "done", "on": "2021-12-31"],
                ["id": UUID().uuidString, "resident": v.residents[0].uuidString, "service": "ehealth_book", "outcome": "done", "on": "2025-08-14"],
            ]))
            #expect(try Self.items(bounded).map(Self.codes) == [["on|error.date_before"], ["on|error.before_team"]])
            struct Meeting: Encodable { var activities: [[String: MixedValue]] }
            for count in [0, 501] {
                let reply = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: Meeting(activities: [[
                    "id": MixedValue(UUID().uuidString), "hamlet": MixedValue(v.hamlet), "anonymousCount": MixedValue(count),
                    "service": MixedValue("safe_internet"), "outcome": MixedValue("done"),
                ]]))
                #expect(Self.codes(try Self.items(reply)[0]) == ["anonymousCount|error.range"], "\(count)")
            }
            #expect(try await SupportActivity.query(on: t.app.db).count() == 2)
        }
    }
}

/// Any encodable value, for bodies of mixed types.
struct MixedValue: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
