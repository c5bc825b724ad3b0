import Fluent
import Foundation
import LanToaCore
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("Command line and configuration")
struct CommandTests {
    func run(_ command: any AsyncCommand, _ arguments: [String], on app: Application) async throws {
        let console = Terminal()
        var context = CommandContext(console: console, input: CommandInput(arguments: ["lantoa"] + arguments))
        context.application = app
        try await console.run(command, with: context)
    }

    @Test("create-user makes an account that can sign in; import-teams writes a valid file and refuses a bad one", arguments: Engine.available)
    func commands(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            try await run(CreateUserCommand(), ["--login", "admin", "--password", "mot-hai-ba-4", "--role", "admin"], on: t.app)
            let login = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "admin", "password": "mot-hai-ba-4"])
            #expect(login.status == .ok)
            await #expect(throws: CommandFailed.self) {
                try await run(CreateUserCommand(), ["--login", "xa", "--password", "mot-hai-ba-4", "--role", "commune", "--scope", "99999"], on: t.app)
            }

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lantoa-cli-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var rows = ImportTests.rows(count: 40)
            let good = folder.appendingPathComponent("to.csv")
            try ImportTests.csv(rows).write(to: good)
            rows[12][9] = "Chủ tịch"
            let bad = folder.appendingPathComponent("bad.xlsx")
            try XLSXWriter.workbook(sheetName: "Tổ", rows: rows).write(to: bad)

            await #expect(throws: CommandFailed.self) {
                try await run(ImportTeamsCommand(), [bad.path, "--commune", Fixtures.communeB], on: t.app)
            }
            #expect(try await Team.query(on: t.app.db).count() == 0)
            try await run(ImportTeamsCommand(), [good.path, "--commune", Fixtures.communeB], on: t.app)
            #expect(try await Team.query(on: t.app.db).count() == 5)
            #expect(try await Member.query(on: t.app.db).count() == 40)
        }
    }

    /// The names of the database's indexes.
    static func indexes(_ db: any Database) async throws -> [String] {
        let sql = db as! any SQLDatabase
        let query: SQLQueryString = sql.dialect.name == "postgresql"
            ? "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()"
            : "SELECT name FROM sqlite_master WHERE type = 'index'"
        return try await sql.raw(query).all().map { try $0.decode(column: "name", as: String.self) }.sorted()
    }

    @Test("synth fills a new database at a small scale, with its indexes built again and its rollups summed, and refuses a filled one",
          arguments: Engine.available)
    func synth(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let before = try await Self.indexes(t.app.db)
            #expect(before.contains("support_activities_path") && before.contains("residents_path"))
            try await run(SynthCommand(), ["--scale", "province", "--province", "20", "--hamlets-per-commune", "1", "--residents-per-hamlet", "4",
                                           "--activities", "300"], on: t.app)
            #expect(try await Self.indexes(t.app.db) == before)
            let province = try #require(try await Unit.query(on: t.app.db).filter(\.$code == "20").filter(\.$tier == .province)
                .filter(\.$validTo >= testToday.iso).first())
            let communes = try await Unit.query(on: t.app.db).filter(\.$tier == .commune).filter(\.$validTo >= testToday.iso).all()
                .filter { $0.path.hasPrefix(province.path) }.count
            let hamlets = try await Unit.query(on: t.app.db).filter(\.$tier == .hamlet).count()
            #expect(communes > 50 && hamlets == communes)
            #expect(try await Resident.query(on: t.app.db).count() == hamlets * 4)
            let activities = try await SupportActivity.query(on: t.app.db).all()
            #expect((250...350).contains(activities.count), "\(activities.count) activities for 300 asked")
            // The nation's all-time supports of a service are the log's, weighted by a meeting's count.
            let done = activities.filter { $0.outcome == .done && $0.serviceCode == "vneid_level2" }
                .reduce(Int64(0)) { $0 + Int64($1.anonymousCount > 0 ? $1.anonymousCount : 1) }
            let national = try await FigureReader(db: t.app.db).sums(units: [Rollups.nation], keys: ["done.vneid_level2"], periods: ["T"])
            #expect(done > 0 && national[Rollups.nation]?["done.vneid_level2"] == done)

            await #expect(throws: CommandFailed.self) {
                try await run(SynthCommand(), ["--scale", "province", "--province", "20", "--activities", "10"], on: t.app)
            }
            await #expect(throws: CommandFailed.self) {
                try await run(SynthCommand(), ["--scale", "province", "--hamlets-per-commune", "0"], on: t.app)
            }
            #expect(try await Self.indexes(t.app.db) == before)
            #expect(try await SupportActivity.query(on: t.app.db).count() == activities.count)

            // A support whose date cannot be read stops a rebuild, which then leaves every figure as it was.
            let rollups = try await DashboardTests.rollups(t.app.db)
            let a = activities[0]
            try await (t.app.db as! any SQLDatabase).raw("""
                INSERT INTO support_activities (id, received_at, hamlet_id, unit_path, team_id, resident_id, anonymous_count, service_code,
                outcome, reason, channel, happened_on) VALUES (\(bind: UUID()), \(bind: Date()), \(bind: a.hamletID), \(bind: a.unitPath),
                \(bind: a.teamID), \(bind: a.residentID), 0, 'vneid_level2', 'done', '', 'door_to_door', 'hôm qua')
                """).run()
            await #expect(throws: RollupBuildError.self) { try await RollupBuilder(db: t.app.db).rebuild() }
            #expect(try await DashboardTests.rollups(t.app.db) == rollups)
        }
    }

    @Test("The sign-in line printed by serve names the address serve was told to listen on")
    func servingAddress() {
        let defaults = HTTPServer.Configuration(hostname: "127.0.0.1", port: 8080)
        #expect(Bootstrap.servingAddress(["serve"], configuration: defaults) == "http://127.0.0.1:8080")
        #expect(Bootstrap.servingAddress(["serve", "--port", "8099"], configuration: defaults) == "http://127.0.0.1:8099")
        #expect(Bootstrap.servingAddress(["serve", "-H", "10.0.0.5", "-p", "9000"], configuration: defaults) == "http://10.0.0.5:9000")
        #expect(Bootstrap.servingAddress(["serve", "--bind", "0.0.0.0:8443"], configuration: defaults) == "http://127.0.0.1:8443")
    }

    @Test("Configuration names the variable that is wrong; production loads no demo data")
    func configuration() throws {
        #expect(try AppConfig.parseStorage(nil) == .sqlite(path: "lantoa.sqlite"))
        #expect(try AppConfig.parseStorage("sqlite:///var/lib/lantoa/db.sqlite") == .sqlite(path: "/var/lib/lantoa/db.sqlite"))
        #expect(try AppConfig.parseStorage("postgresql://u:p@db:5432/lantoa") == .postgres(url: "postgresql://u:p@db:5432/lantoa"))
        #expect { try AppConfig.parseStorage("mysql://x") } throws: { ($0 as? AppConfig.Invalid)?.variable == "DATABASE_URL" }
        // A read replica: PostgreSQL beside PostgreSQL only.
        let primary = AppConfig.Storage.postgres(url: "postgres://u@db:5432/lantoa")
        #expect(try AppConfig.parseReadReplica("postgres://u@replica:5432/lantoa", storage: primary) == "postgres://u@replica:5432/lantoa")
        #expect(try AppConfig.parseReadReplica("", storage: primary) == nil)
        #expect { try AppConfig.parseReadReplica("postgres://u@replica/lantoa", storage: .sqlite(path: "x.sqlite")) } throws: {
            ($0 as? AppConfig.Invalid)?.variable == "DATABASE_READ_URL" && "\($0)".contains("DATABASE_URL on PostgreSQL")
        }
        #expect { try AppConfig.fromEnvironment(.development, variables: ["DATABASE_URL": "postgres://u@db/lantoa", "DATABASE_READ_URL": "sqlite:///x"],
                                                development: true) } throws: { ($0 as? AppConfig.Invalid)?.variable == "DATABASE_READ_URL" }
        #expect { try AppConfig.fromEnvironment(.development, variables: ["LANTOA_TODAY": "31/02/2026"], development: true) } throws: {
            ($0 as? AppConfig.Invalid)?.variable == "LANTOA_TODAY"
        }
        // Not production, no key, no --dev: refused, saying how to try it out.
        #expect { try AppConfig.fromEnvironment(.development, variables: [:]) } throws: {
            ($0 as? AppConfig.Invalid)?.variable == "LANTOA_DATA_KEY" && "\($0)".contains("--dev")
        }
        #expect { try AppConfig.fromEnvironment(.production, variables: [:], development: true) } throws: {
            ($0 as? AppConfig.Invalid)?.variable == "--dev"
        }
        #expect { try AppConfig.fromEnvironment(.production, variables: [:]) } throws: {
            ($0 as? AppConfig.Invalid)?.variable == "LANTOA_DATA_KEY"
        }
        #expect { try AppConfig.fromEnvironment(.production, variables: ["LANTOA_DATA_KEY": "c2hvcnQ="]) } throws: {
            ($0 as? AppConfig.Invalid)?.variable == "LANTOA_DATA_KEY"
        }
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        #expect { try AppConfig.fromEnvironment(.production, variables: ["LANTOA_DATA_KEY": key]) } throws: {
            ($0 as? AppConfig.Invalid)?.variable == "LANTOA_LOOKUP_KEY"
        }
        let keys = ["LANTOA_DATA_KEY": key, "LANTOA_LOOKUP_KEY": Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()]
        let production = try AppConfig.fromEnvironment(.production, variables: keys)
        #expect(!production.loadDemo && !production.createFirstAdmin && production.secureCookies && production.requirePasswordChange)
        #expect(production.signIn.passwordCost == 12)
        // A frozen "today" would keep tokens and lockouts from ever expiring.
        #expect { try AppConfig.fromEnvironment(.production, variables: keys.merging(["LANTOA_TODAY": "2026-12-02"]) { $1 }) } throws: {
            ($0 as? AppConfig.Invalid)?.variable == "LANTOA_TODAY"
        }
        #expect(try AppConfig.fromEnvironment(.custom(name: "staging"), variables: ["LANTOA_DATA_KEY": key]).dataKey != AppConfig.developmentDataKey)
        let development = try AppConfig.fromEnvironment(.development, variables: ["LANTOA_DEMO": "false"], development: true)
        #expect(!development.loadDemo && development.createFirstAdmin)
        #expect(development.databaseConnections == AppConfig.defaultDatabaseConnections)
        #expect(try AppConfig.fromEnvironment(.development, variables: ["LANTOA_DB_CONNECTIONS": "40"], development: true).databaseConnections == 40)
        for bad in ["0", "many", "2.5"] {
            #expect { try AppConfig.fromEnvironment(.development, variables: ["LANTOA_DB_CONNECTIONS": bad], development: true) } throws: {
                ($0 as? AppConfig.Invalid)?.variable == "LANTOA_DB_CONNECTIONS"
            }
        }
        #expect(development.metricsToken == nil)
        let token = String(repeating: "a1", count: 12)
        #expect(try AppConfig.fromEnvironment(.development, variables: ["LANTOA_METRICS_TOKEN": token], development: true).metricsToken == token)
        for bad in ["short", String(repeating: "x", count: 20) + " with spaces"] {
            #expect { try AppConfig.fromEnvironment(.development, variables: ["LANTOA_METRICS_TOKEN": bad], development: true) } throws: {
                ($0 as? AppConfig.Invalid)?.variable == "LANTOA_METRICS_TOKEN"
            }
        }
    }

    @Test("The periodic jobs run when serving and not for a command")
    func periodicJobsOnlyWhenServing() async throws {
        try await TestApp.run(.sqlite) { t in
            #expect(t.app.periodicJobs == ["Audit sealing", "Purging expired sessions", "Closing report periods and writing reminders", "Early warnings",
                                         "Database pool wait probe"])
        }
        try await TestApp.run(.sqlite, config: { $0.periodicJobs = false }) { t in
            #expect(t.app.periodicJobs.isEmpty)
        }
    }

    @Test("The real executable refuses to start without a data key unless --dev is given")
    func startWithoutKey() throws {
        let process = Process()
        process.executableURL = try LantoaProcess.executable()
        process.arguments = ["serve", "--port", "0"]
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("lantoa-nokey-\(UUID()).sqlite").path
        process.environment = ["DATABASE_URL": "sqlite://" + database, "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(text.contains("LANTOA_DATA_KEY") && text.contains("--dev"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: database), "nothing is created before the refusal")
    }

    @Test("A database remembers its data key: the development key or another key is refused on it, a rotation is not", arguments: Engine.available)
    func dataKeyRemembered(engine: Engine) async throws {
        let real = Data((0..<32).map { UInt8(($0 * 11 + 5) % 256) })
        try await TestApp.run(engine, config: { $0.dataKey = real }) { t in
            try await Bootstrap.prepareForServing(t.app)
            let recorded = try await Setting.find(DataKeyRecord.settingKey, on: t.app.db)?.value
            #expect(recorded == PersonalDataProtector.identifier(of: real))
            t.app.lantoaConfig.dataKey = AppConfig.developmentDataKey
            await #expect { try await Bootstrap.prepareForServing(t.app) } throws: { "\($0)".contains("the development key") }
            t.app.lantoaConfig.dataKey = Data(repeating: 7, count: 32)
            await #expect(throws: DataKeyRecord.Mismatch.self) { try await Bootstrap.prepareForServing(t.app) }
            // A rotation: the new key with the recorded one as the previous.
            t.app.lantoaConfig.previousDataKey = real
            try await Bootstrap.prepareForServing(t.app)
            try await CommandTests().run(RotateDataKeyCommand(), [], on: t.app)
            #expect(try await Setting.find(DataKeyRecord.settingKey, on: t.app.db)?.value == PersonalDataProtector.identifier(of: Data(repeating: 7, count: 32)))
            t.app.lantoaConfig.previousDataKey = nil
            try await Bootstrap.prepareForServing(t.app)
        }
    }
}

@Suite("PostgreSQL TLS as libpq reads sslmode")
struct PostgresTLSTests {
    @Test("Every sslmode is honoured; an unknown one is refused naming it")
    func sslModes() throws {
        let base = "postgres://u:p@db.example:5432/lantoa"
        #expect(try PostgresTLS(url: base).mode == .prefer)
        for mode in ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] {
            #expect(try PostgresTLS(url: base + "?sslmode=" + mode).mode.rawValue == mode)
        }
        #expect(try PostgresTLS(url: base + "?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem").rootCertificate == "/etc/ssl/ca.pem")
        #expect(PostgresTLS.stripped(base + "?sslmode=verify-full&application_name=lantoa") == base + "?application_name=lantoa")
        #expect(PostgresTLS.stripped(base + "?sslmode=disable") == base)
        #expect { try PostgresTLS(url: base + "?sslmode=always") } throws: { "\($0)".contains("sslmode=always") }
        // disable answers plain text; every other mode builds a TLS context (verify modes check certificates).
        let disabled = try PostgresTLS(url: base + "?sslmode=disable").configuration()
        #expect(!disabled.isAllowed && !disabled.isEnforced)
        for mode in ["require", "verify-ca", "verify-full"] {
            #expect(try PostgresTLS(url: base + "?sslmode=" + mode).configuration().isEnforced, "\(mode)")
        }
        let preferred = try PostgresTLS(url: base).configuration()
        #expect(preferred.isAllowed && !preferred.isEnforced)
    }
}
