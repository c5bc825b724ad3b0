import Fluent
import Foundation
import NIOHTTP1
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("Hostile requests: generated bodies on every JSON route, oversized, deep and broken bodies")
struct HostileRequestTests {
    /// Requests per JSON route; with about 35 routes, some 1,400 requests an engine (the seed makes them the same each run).
    static let casesPerRoute = 40

    @Test("Generated bodies on every route that reads JSON: never a 5xx, and the server keeps answering", arguments: Engine.available)
    func generatedBodies(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let team = try await t.team(for: v.hamlet, token: v.commune)
            let member = try await t.member(team, name: "Lê Thị Thu", phone: "0912000111", role: "leader", token: v.commune)
            let membership = try #require(try member.json()["membershipId"] as? String)
            let admin = try await t.account("bo", role: .admin, scope: nil)
            let userID = try #require(try await User.query(on: t.app.db).filter(\.$login == "to-truong").first()?.id)
            let known = [v.hamlet, Fixtures.communeA, Fixtures.provinceA, team, membership, userID.uuidString] + v.residents.map(\.uuidString)
            let substitutes = ["code": v.hamlet, "id": team]
            var generator = GeneratedBodies(rng: SeededGenerator(seed: 20_261_202), known: known)
            var failures: [String] = []
            var sent = 0
            let routes = t.app.routes.all.filter { route in
                [.POST, .PUT, .PATCH].contains(route.method) && route.path.first?.description == "api"
                    // Bodies are not read there, and the call would sign out, disable or reset the accounts the test uses.
                    && !["logout", "disable", "enable", "unlock", "password", "resident-imports", "team-imports"].contains(route.path.last?.description ?? "")
            }
            #expect(routes.count >= 20)
            for route in routes {
                var path = ""
                for component in route.path {
                    switch component {
                    case let .constant(text): path += "/" + text
                    case let .parameter(name): path += "/" + (name == "id" && route.path.map(\.description).contains("memberships") ? membership
                                                                 : name == "id" && route.path.map(\.description).contains("residents") ? v.residents[2].uuidString
                                                                 : substitutes[name] ?? "x")
                    default: path += "/x"
                    }
                }
                for i in 0..<Self.casesPerRoute {
                    let body = generator.next()
                    let token = i % 2 == 0 ? v.commune : admin
                    let reply = try await t.send(route.method, path, token: token, body: body, contentType: "application/json")
                    sent += 1
                    if reply.status.code >= 500 {
                        failures.append("\(route.method) \(path) case \(i): \(reply.status) for \(String(decoding: body.prefix(200), as: UTF8.self))")
                    }
                }
            }
            #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "\n"))")
            #expect(sent == routes.count * Self.casesPerRoute)
            #expect(try await t.send(.GET, "/health").status == .ok)
            #expect(try await t.send(.GET, "/api/v1/me", token: v.commune).status == .ok)
        }
    }

    @Test("A body past its limit, JSON nested 100,000 deep and bytes that are not UTF-8 get a clear 4xx and write nothing",
          arguments: Engine.available)
    func oversizedDeepAndBroken(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let counts = { (
                try await Resident.query(on: t.app.db).count(), try await Household.query(on: t.app.db).count(),
                try await SupportActivity.query(on: t.app.db).count()
            ) }
            let before = try await counts()

            // 20 MB to the sync (5 MB limit) and to an import (20 MB limit, so one byte more).
            var big = Data("{\"residents\":[".utf8)
            let item = Data("{\"id\":\"\(UUID())\",\"hamlet\":\"\(v.hamlet)\",\"fullName\":\"Người đo\",\"gender\":\"male\",\"birthYear\":1990,\"consentOn\":\"2026-11-01\"},".utf8)
            while big.count < 20 * 1_048_576 { big.append(item) }
            big.append(Data("{}]}".utf8))
            let sync = try await t.send(.POST, "/api/v1/sync", token: v.leader, body: big, contentType: "application/json")
            #expect(sync.status == .payloadTooLarge)
            #expect(sync.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            let csv = Data(repeating: 0x41, count: 20 * 1_048_576 + 1)
            let upload = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/resident-imports", token: v.commune, body: csv, contentType: "text/csv")
            #expect(upload.status == .payloadTooLarge)

            // JSON nested 100,000 deep (within the 1 MB limit of other routes only as far as it fits: the sync takes 5 MB).
            let deep = Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
            let nested = try await t.send(.POST, "/api/v1/sync", token: v.leader, body: deep, contentType: "application/json")
            #expect((400..<500).contains(nested.status.code), "\(nested.status)")
            let deepObject = Data((String(repeating: "{\"a\":", count: 60_000) + "1" + String(repeating: "}", count: 60_000)).utf8)
            let nestedObject = try await t.send(.POST, "/api/v1/sync", token: v.leader, body: deepObject, contentType: "application/json")
            #expect((400..<500).contains(nestedObject.status.code), "\(nestedObject.status)")

            // Not UTF-8: a resident whose name is a broken byte sequence.
            var broken = Data("{\"residents\":[{\"id\":\"\(UUID())\",\"hamlet\":\"\(v.hamlet)\",\"fullName\":\"".utf8)
            broken.append(contentsOf: [0xC3, 0x28, 0xA0, 0xA1])
            broken.append(Data("\",\"gender\":\"male\",\"birthYear\":1990,\"consentOn\":\"2026-11-01\"}]}".utf8))
            let notUTF8 = try await t.send(.POST, "/api/v1/sync", token: v.leader, body: broken, contentType: "application/json")
            #expect((400..<500).contains(notUTF8.status.code), "\(notUTF8.status)")
            let csvNotUTF8 = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/resident-imports", token: v.commune,
                                              body: Data([0xFF, 0xFE, 0x41, 0x2C, 0x42, 0x0A, 0xC3, 0x28]), contentType: "text/csv")
            #expect(csvNotUTF8.status == .unprocessableEntity)

            // The NUL character: PostgreSQL cannot store it, so no engine takes it, in a body, a form or a query.
            let nul = Data(#"{"residents":[{"id":"\#(UUID())","hamlet":"\#(v.hamlet)","fullName":"Lê\u0000Văn","gender":"male","birthYear":1990,"consentOn":"2026-11-01"}]}"#.utf8)
            let nulReply = try await t.send(.POST, "/api/v1/sync", token: v.leader, body: nul, contentType: "application/json")
            #expect(nulReply.status == .unprocessableEntity)
            #expect((try nulReply.json()["errors"] as? [[String: Any]])?.first?["code"] as? String == "error.nul")
            #expect(try await t.send(.GET, "/api/v1/units?q=a%00b", token: v.leader).status == .unprocessableEntity)
            let reported = try await t.send(.POST, "/api/v1/indicator-values", token: v.commune,
                                            json: ["unit": Fixtures.communeA, "indicator": "products_online", "value": "-5"])
            #expect(reported.status == .unprocessableEntity)

            let after = try await counts()
            #expect(after == before)
            #expect(try await t.send(.GET, "/health").status == .ok)
        }
    }
}
