import Foundation
import LanToaCore
import LanToaResources
import Testing
import Vapor
@testable import App

@Suite("The OpenAPI document and the string catalogue stay true")
struct DocumentTests {
    @Test("Every API route is in the OpenAPI document, and every documented operation is routed", arguments: [Engine.sqlite])
    func openAPIMatchesRoutes(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let reply = try await t.send(.GET, "/api/v1/openapi.json")
            #expect(reply.status == .ok)
            let doc = try reply.json()
            #expect((doc["openapi"] as? String)?.hasPrefix("3.1") == true)
            let paths = doc["paths"] as? [String: [String: Any]] ?? [:]
            var documented = Set<String>()
            for (path, operations) in paths {
                // A path served outside `/api/v1` (Zalo's webhook) says so with its own `servers`.
                let base = ((operations["servers"] as? [[String: Any]])?.first?["url"] as? String) == "/" ? "" : "/api/v1"
                for method in operations.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                    let vaporPath = path.split(separator: "/").map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : String($0) }.joined(separator: "/")
                    documented.insert("\(method.uppercased()) \(base)/\(vaporPath)")
                }
            }
            #expect(documented.contains("POST /zalo/webhook/:province"))
            let routed = Set(t.app.routes.all.map { "\($0.method.rawValue) /" + $0.path.map(\.description).joined(separator: "/") }
                .filter { $0.contains(" /api/v1/") || $0.contains(" /zalo/webhook/") })
            #expect(routed == documented, "routed only: \(routed.subtracting(documented)); documented only: \(documented.subtracting(routed))")
        }
    }

    @Test("Every documented path asked with a method it does not serve answers 405 with Allow naming exactly its methods")
    func methodNotAllowed() async throws {
        try await TestApp.run(.sqlite) { t in
            let admin = try await t.account("quantri", role: .admin, scope: nil)
            let doc = try await t.send(.GET, "/api/v1/openapi.json").json()
            let paths = doc["paths"] as? [String: [String: Any]] ?? [:]
            let verbs = ["GET", "POST", "PUT", "PATCH", "DELETE"]
            #expect(!paths.isEmpty)
            // Whether a documented template serves `method` at `concrete` (`/residents/lookup` is also `/residents/{id}`).
            func served(_ method: String, _ concrete: [String]) -> Bool {
                paths.contains { template, ops in
                    let parts = template.split(separator: "/")
                    return ops.keys.contains(method.lowercased()) && parts.count == concrete.count
                        && zip(parts, concrete).allSatisfy { $0.hasPrefix("{") || String($0) == $1 }
                }
            }
            var skipped: [String] = []
            for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
                var allowed = Set(operations.keys.map { $0.uppercased() }.filter(verbs.contains))
                let parts = path.split(separator: "/").map { $0.hasPrefix("{") ? UUID().uuidString.lowercased() : String($0) }
                guard let other = verbs.first(where: { !allowed.contains($0) && !served($0, parts) }) else {
                    skipped.append(path)
                    continue
                }
                if allowed.contains("GET") { allowed.insert("HEAD") }
                let concrete = parts.joined(separator: "/")
                let base = ((operations["servers"] as? [[String: Any]])?.first?["url"] as? String) == "/" ? "/" : "/api/v1/"
                let reply = try await t.send(HTTPMethod(rawValue: other), base + concrete, token: admin)
                #expect(reply.status == .methodNotAllowed, "\(other) \(path): \(reply.status)")
                let header = Set((reply.headers.first(name: "Allow") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                #expect(header == allowed, "\(path)")
                #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            }
            #expect(skipped.isEmpty, "no method left to probe: \(skipped)")
            // An unknown path is still 404, and a page answers 405 too.
            #expect(try await t.send(.DELETE, "/api/v1/nothing-here", token: admin).status == .notFound)
            #expect(try await t.send(.DELETE, "/login").status == .methodNotAllowed)
        }
    }

    @Test("Every catalogue key used by templates and code exists in Vietnamese and English")
    func catalogueIsComplete() throws {
        let catalogue = try Catalogue.load()
        let vi = catalogue.strings[.vi] ?? [:]
        let en = catalogue.strings[.en] ?? [:]
        #expect(Set(vi.keys) == Set(en.keys))
        let views = URL(fileURLWithPath: LanToaResources.directory("Views"))
        var used = Set<String>()
        let pattern = try NSRegularExpression(pattern: #"#t\("([a-zA-Z_.]+)""#)
        for case let url as URL in FileManager.default.enumerator(at: views, includingPropertiesForKeys: nil)! where url.pathExtension == "leaf" {
            let text = try String(contentsOf: url, encoding: .utf8)
            let keys = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range(at: 1), in: text)!]) }
            // Every template that shows text takes it from the catalogue: a pattern that matched nothing would show here.
            #expect(!keys.isEmpty || !text.contains("#t("), "\(url.lastPathComponent): #t( present but no key read")
            used.formUnion(keys)
        }
        for key in used { #expect(vi[key] != nil, "missing key \(key)") }
        // Keys built from enumerations in code.
        var generated: [String] = Role.allCases.map { "role.\($0.rawValue)" }
        generated += UnitKind.allCases.map { "kind.\($0.rawValue)" }
        generated += Affiliation.allCases.map { "affiliation.\($0.rawValue)" }
        generated += Gender.allCases.map { "gender.\($0.rawValue)" }
        generated += TeamRole.allCases.map { "role_in_team.\($0.rawValue)" }
        let findings = CompositionFinding.Kind.allCases.map(\.rawValue)
        generated += findings.map { "finding.\($0)" }
        generated += findings.map { "finding.\($0).detail" }
        // Import problem keys, read from the code that raises them.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let problemPattern = try NSRegularExpression(pattern: #"(?:problem\(\.[a-zA-Z]+, |key: )"([a-z_]+)""#)
        var problemKeys = Set<String>()
        for file in ["Sources/LanToaCore/TeamImport/TeamImport.swift", "Sources/App/Features/TeamImport/TeamImportService.swift",
                     "Sources/LanToaCore/Residents/ResidentImport.swift", "Sources/App/Features/Residents/ResidentImportService.swift"] {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            let keys = problemPattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range(at: 1), in: text)!]) }
            // Each of these files raises problems by key: none read means the pattern no longer fits the code.
            #expect(!keys.isEmpty, "no problem key read from \(file)")
            problemKeys.formUnion(keys)
        }
        generated += problemKeys.map { "import.problem.\($0)" }
        // A member's details: one set of keys, shown on forms and the API and in an import's report.
        generated += MemberRules.Key.allCases.flatMap { ["error.\($0.rawValue)", "import.problem.\($0.rawValue)"] }
        for key in generated { #expect(vi[key] != nil, "missing key \(key)") }
        // Vietnamese strings carry diacritics where the language needs them.
        #expect(vi["team.found"] == "Thành lập Tổ CNSCĐ")
    }
}

@Suite("Web pages")
struct WebTests {
    @Test("Signing in, seeing a commune's teams, founding one and adding a member through forms", arguments: Engine.available)
    func communeWorkflow(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            _ = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let login = try await t.send(.GET, "/login")
            #expect(login.status == .ok && login.text.contains("Đăng nhập"))
            let session = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            let hamlet = try await session.send(.POST, "/units/\(Fixtures.communeA)/hamlets", form: ["name": "Tổ dân phố 7"])
            #expect(hamlet.status == .seeOther)
            let communePage = try await session.send(.GET, "/units/\(Fixtures.communeA)")
            #expect(communePage.text.contains("Tổ dân phố 7"))
            let code = "\(Fixtures.communeA)-001"
            let founded = try await session.send(.POST, "/teams", form: ["unit": code, "decisionNumber": "5/QĐ-UBND",
                                                                         "decisionDate": "2025-08-20", "decisionSigner": "Trần Văn Bình"])
            #expect(founded.status == .seeOther)
            let teamPath = founded.headers.first(name: "Location") ?? ""
            #expect(teamPath.hasPrefix("/teams/"))
            let bad = try await session.send(.POST, teamPath + "/members", form: ["fullName": "Lê Thị Hoa", "phone": "0123", "gender": "female",
                                                                                   "birthYear": "1990", "role": "member"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("Số điện thoại: “0123” không phải số di động Việt Nam hợp lệ"))
            let good = try await session.send(.POST, teamPath + "/members", form: ["fullName": "Lê Thị Hoa", "phone": "0912 000 111", "gender": "female",
                                                                                    "birthYear": "1990", "role": "leader", "affiliations[]": "hamlet_head"])
            #expect(good.status == .seeOther)
            let page = try await session.send(.GET, teamPath)
            #expect(page.text.contains("Lê Thị Hoa") && page.text.contains("0912 000 111"))
            #expect(page.text.contains("Tổ có 1 thành viên, cần ít nhất 5"))
            // Without the CSRF token a form is refused and nothing changes.
            let forged = try await session.send(.POST, teamPath + "/members", form: ["fullName": "X", "phone": "0912000222", "gender": "male",
                                                                                      "birthYear": "1990", "role": "member"], csrf: false)
            #expect(forged.status == .forbidden)
            #expect(try await Member.query(on: t.app.db).count() == 1)
            // English is one click away.
            let english = try await t.send(.GET, teamPath, headers: [("Cookie", session.cookie + "; lang=en")])
            #expect(english.text.contains("The team has 1 members; at least 5 are needed"))
        }
    }
}

@Suite("Province composition rules")
struct PolicyTests {
    @Test("A province caps hamlet teams at five on its page; its teams are re-checked at once", arguments: Engine.available)
    func provinceSetsItsOwnRules(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let hamlet = try await t.hamlet("Thôn Đoài", in: Fixtures.communeA, token: commune)
            let team = try await t.team(for: hamlet, token: commune)
            try await t.member(team, name: "Người 1", phone: "0912000001", role: "leader", affiliations: ["hamlet_head"], token: commune)
            try await t.member(team, name: "Người 2", phone: "0912000002", role: "deputy", token: commune)
            for i in 3...6 { try await t.member(team, name: "Người \(i)", phone: "091200000\(i)", token: commune) }
            #expect(try await t.send(.GET, "/api/v1/teams/\(team)", token: commune).decode(TeamResponse.self).compliant)

            _ = try await t.account("tinh", role: .province, scope: Fixtures.provinceA)
            let session = try await WebSession.signIn(t, login: "tinh", password: "mat-khau-123")
            let page = try await session.send(.GET, "/units/\(Fixtures.provinceA)")
            #expect(page.text.contains("Đang áp dụng quy định chung toàn quốc."))
            #expect(page.text.contains("1 tổ, 1 đạt cơ cấu"))
            let bad = try await session.send(.POST, "/units/\(Fixtures.provinceA)/composition-policy", form: ["minimumMembers": "0"])
            #expect(bad.status == .unprocessableEntity)
            let saved = try await session.send(.POST, "/units/\(Fixtures.provinceA)/composition-policy",
                                               form: ["minimumMembers": "3", "maximumMembersHamlet": "5", "maximumMembersCommune": "10",
                                                      "leaderMustBeHamletHead": "on"])
            #expect(saved.status == .seeOther)
            let shown = try await t.send(.GET, "/api/v1/teams/\(team)", token: commune).decode(TeamResponse.self)
            #expect(shown.compliance.map(\.code) == ["too_many_members"])
            #expect(!shown.compliant)
            let policy = try await t.send(.GET, "/api/v1/units/\(Fixtures.provinceA)/composition-policy", token: commune).decode(CompositionPolicyResponse.self)
            #expect(policy.own && policy.maximumMembersHamlet == 5 && policy.minimumMembers == 3)
            // A commune may read its province's rules but not change them.
            let refused = try await t.send(.PUT, "/api/v1/units/\(Fixtures.provinceA)/composition-policy", token: commune, json: ["minimumMembers": 2])
            #expect(refused.status == .forbidden)
        }
    }
}
