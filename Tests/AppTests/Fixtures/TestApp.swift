import AsyncHTTPClient
import Testing
import Fluent
import FluentPostgresDriver
import Foundation
import LanToaCore
import NIOCore
import NIOHTTP1
import Vapor
@testable import App

/// The database engines the suite runs on: SQLite always, PostgreSQL when `LANTOA_TEST_POSTGRES_URL` is set.
enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var available: [Engine] {
        ProcessInfo.processInfo.environment["LANTOA_TEST_POSTGRES_URL"].map { $0.isEmpty ? [.sqlite] : [.sqlite, .postgres] } ?? [.sqlite]
    }

    var testDescription: String { rawValue }
}

/// Every test's "today", so that dates in fixtures stay valid.
let testToday = LocalDate(year: 2026, month: 11, day: 22)!

/// How many test apps run at once. Swift Testing starts every test at the same time; on a two-core machine two hundred
/// servers, Chromium and LibreOffice sharing the cores made a browser's page load wait past WebDriver's two minutes.
/// `LANTOA_TEST_APPS` sets the width; the default is three per core, at least four.
actor TestAppGate {
    static let shared = TestAppGate(width: ProcessInfo.processInfo.environment["LANTOA_TEST_APPS"].flatMap { Int($0) }
        ?? max(4, 3 * ProcessInfo.processInfo.activeProcessorCount))
    /// Set while the current task holds a place, so that an app it starts inside does not wait for itself.
    @TaskLocal static var held = false

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { free = max(1, width) }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the place to the longest waiting test, or frees it.
    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// Fresh databases for tests, copied from a template that is migrated (reference units loaded) once per run.
actor TestDatabases {
    static let shared = TestDatabases()

    private var sqliteTemplate: Task<String, any Error>?
    private var postgresTemplate: Task<String, any Error>?
    private var counter = 0
    private let runID = "\(ProcessInfo.processInfo.processIdentifier)_\(Int(Date().timeIntervalSince1970) % 100000)"

    func fresh(_ engine: Engine) async throws -> AppConfig.Storage {
        counter += 1
        let n = counter
        switch engine {
        case .sqlite:
            if sqliteTemplate == nil { sqliteTemplate = Task { try await Self.makeSQLiteTemplate(runID: runID) } }
            let template = try await sqliteTemplate!.value
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("lantoa-test-\(runID)-\(n).sqlite").path
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: template, toPath: path)
            return .sqlite(path: path)
        case .postgres:
            if postgresTemplate == nil { postgresTemplate = Task { try await Self.makePostgresTemplate(runID: runID) } }
            let template = try await postgresTemplate!.value
            let name = "lantoa_test_\(runID)_\(n)"
            // FILE_COPY (PostgreSQL 15 and later): the template's files are copied, where the default strategy writes
            // every page to the WAL, which the standby then replays: some 3 GB a run.
            try await Self.admin { sql in
                try await sql.raw("CREATE DATABASE \(unsafeRaw: name) TEMPLATE \(unsafeRaw: template) STRATEGY FILE_COPY").run()
            }
            return .postgres(url: Self.url(database: name))
        }
    }

    static func makeSQLiteTemplate(runID: String) async throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lantoa-template-\(runID).sqlite").path
        try? FileManager.default.removeItem(atPath: path)
        try await migrate(.sqlite(path: path))
        return path
    }

    static func makePostgresTemplate(runID: String) async throws -> String {
        let name = "lantoa_template_\(runID)"
        try await admin { sql in try await sql.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        try await migrate(.postgres(url: url(database: name)))
        return name
    }

    static func migrate(_ storage: AppConfig.Storage) async throws {
        let app = try await Application.make(.testing)
        do {
            try await configure(app, config: AppConfig(storage: storage, today: testToday))
            try await app.autoMigrate()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// Removes a test's database once its app is shut down, so that runs do not pile up files and databases.
    static func drop(_ storage: AppConfig.Storage) async throws {
        switch storage {
        case let .sqlite(path):
            for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        case let .postgres(url):
            guard let name = URLComponents(string: url)?.path.dropFirst(), name.hasPrefix("lantoa_test_") else { return }
            try await admin { sql in try await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: String(name)) WITH (FORCE)").run() }
        }
    }

    /// The server URL with another database name.
    static func url(database: String) -> String {
        let base = ProcessInfo.processInfo.environment["LANTOA_TEST_POSTGRES_URL"]!
        var components = URLComponents(string: base)!
        components.path = "/" + database
        return components.string!
    }

    /// Runs SQL on the server's maintenance database (CREATE DATABASE cannot run inside the test database).
    static func admin(_ body: @Sendable (any SQLDatabase) async throws -> Void) async throws {
        try await connect(url(database: "postgres")) { db in try await body(db as! any SQLDatabase) }
    }

    /// Runs `body` on a PostgreSQL database through sessions of its own, not those of an app under test.
    static func connect(_ url: String, _ body: @Sendable (any Database) async throws -> Void) async throws {
        let app = try await Application.make(.testing)
        do {
            var config = try SQLPostgresConfiguration(url: url)
            config.coreConfiguration.tls = .disable
            app.databases.use(.postgres(configuration: config), as: .psql)
            try await body(app.db)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

/// A running Lan Tỏa on a fresh database, answering real HTTP on a loopback port.
final class TestApp: @unchecked Sendable {
    let app: Application
    let engine: Engine
    let baseURL: String
    let client: HTTPClient

    private init(app: Application, engine: Engine, baseURL: String, client: HTTPClient) {
        self.app = app
        self.engine = engine
        self.baseURL = baseURL
        self.client = client
    }

    /// Boots the real `configure` on a fresh database, starts the server, runs `body`, shuts down; at most
    /// `TestAppGate`'s width at once (an app started inside another's `body` does not wait).
    static func run<T>(_ engine: Engine, config adjust: (inout AppConfig) -> Void = { _ in },
                       _ body: (TestApp) async throws -> T) async throws -> T {
        if TestAppGate.held { return try await started(engine, config: adjust, body) }
        await TestAppGate.shared.acquire()
        do {
            let result = try await TestAppGate.$held.withValue(true) { try await started(engine, config: adjust, body) }
            await TestAppGate.shared.release()
            return result
        } catch {
            await TestAppGate.shared.release()
            throw error
        }
    }

    private static func started<T>(_ engine: Engine, config adjust: (inout AppConfig) -> Void,
                                   _ body: (TestApp) async throws -> T) async throws -> T {
        let storage = try await TestDatabases.shared.fresh(engine)
        let app = try await Application.make(.testing)
        let testApp: TestApp
        do {
            var config = AppConfig(storage: storage, today: testToday)
            // Bcrypt's least cost: at 12, the suite's accounts spent half its time hashing (`SignInPolicy.passwordCost`).
            config.signIn.passwordCost = 4
            adjust(&config)
            try await configure(app, config: config)
            registerCommands(app)
            app.http.server.configuration.hostname = "127.0.0.1"
            app.http.server.configuration.port = 0
            app.logger.logLevel = .warning
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = app.http.server.shared.localAddress!.port!
            // Room for every request a test sends at once (the default is 8 connections per host), and a minute to
            // connect (the default is 10 s): on a loaded two-core machine running the whole suite, LibreOffice and
            // Chromium, a request queued behind busy connections or a connection made late would otherwise fail with a
            // client timeout that says nothing about the server.
            var clientConfig = HTTPClient.Configuration(redirectConfiguration: .disallow)
            clientConfig.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
            clientConfig.timeout = .init(connect: .seconds(60))
            testApp = TestApp(app: app, engine: engine, baseURL: "http://127.0.0.1:\(port)",
                              client: HTTPClient(eventLoopGroupProvider: .shared(app.eventLoopGroup), configuration: clientConfig))
        } catch {
            try? await app.asyncShutdown()
            try? await TestDatabases.drop(storage)
            throw error
        }
        do {
            let result = try await body(testApp)
            try await testApp.shutdown()
            try await TestDatabases.drop(storage)
            return result
        } catch {
            try? await testApp.shutdown()
            try? await TestDatabases.drop(storage)
            throw error
        }
    }

    private func shutdown() async throws {
        try await client.shutdown()
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    struct Reply {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }

        func json() throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(T.self, from: body)
        }
    }

    /// Sends a real HTTP request. `json` is encoded as the body; `token` becomes a bearer header.
    func send(_ method: HTTPMethod, _ path: String, token: String? = nil, json: (any Encodable)? = nil,
              body: Data? = nil, contentType: String? = nil, headers extra: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(json)))
        } else if let body {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/octet-stream")
            request.body = .bytes(ByteBuffer(data: body))
        }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        // Generous: in CI the whole suite shares two cores, and a 1,000-row import on SQLite waits its turn on the
        // process's two blocking threads; a request this late is stuck, not slow.
        let response = try await client.execute(request, timeout: .seconds(900))
        let buffer = try await response.body.collect(upTo: 50 * 1024 * 1024)
        let reply = Reply(status: response.status, headers: response.headers, body: Data(buffer: buffer))
        ContractCheck.check(method: method.rawValue, path: path, status: Int(reply.status.code),
                            contentType: reply.headers.first(name: "Content-Type"), body: reply.body)
        return reply
    }

    // MARK: fixtures

    /// Creates an account over the API (`POST /api/v1/users`) with `by`'s token, and returns an API token for it.
    func accountOverAPI(_ login: String, role: Role, scope: String?, by token: String, password: String = "Mat-khau-rieng-2026") async throws -> String {
        let created = try await send(.POST, "/api/v1/users", token: token, json: ["login": login, "password": password, "role": role.rawValue,
                                                                                  "scope": scope ?? ""])
        guard created.status == .created else { throw TestFailure("account \(login) not created: \(created.status) \(created.text)") }
        let reply = try await send(.POST, "/api/v1/auth/login", json: ["login": login, "password": password])
        guard reply.status == .ok, let token = try reply.json()["token"] as? String else {
            throw TestFailure("login failed for \(login): \(reply.status) \(reply.text)")
        }
        return token
    }

    /// Creates an account directly through the service and returns an API token for it.
    func account(_ login: String, role: Role, scope: String?, password: String = "mat-khau-123") async throws -> String {
        _ = try await app.accounts
            .create(CreateUserRequest(login: login, password: password, displayName: nil, role: role.rawValue, scope: scope), by: .system)
        let reply = try await send(.POST, "/api/v1/auth/login", json: ["login": login, "password": password])
        guard reply.status == .ok, let token = try reply.json()["token"] as? String else {
            throw TestFailure("login failed for \(login): \(reply.status) \(reply.text)")
        }
        return token
    }

    /// Creates a hamlet under a commune through the API and returns its code.
    func hamlet(_ name: String, in commune: String, token: String) async throws -> String {
        let reply = try await send(.POST, "/api/v1/units", token: token, json: ["parentCode": commune, "name": name])
        guard reply.status == .created, let code = try reply.json()["code"] as? String else {
            throw TestFailure("hamlet not created: \(reply.status) \(reply.text)")
        }
        return code
    }

    /// Founds a team for a unit through the API and returns its id.
    func team(for unit: String, token: String) async throws -> String {
        let reply = try await send(.POST, "/api/v1/teams", token: token, json: [
            "unit": unit, "decisionNumber": "12/QĐ-UBND", "decisionDate": "2025-08-15", "decisionSigner": "Nguyễn Văn Hùng",
        ])
        guard reply.status == .created, let id = try reply.json()["id"] as? String else {
            throw TestFailure("team not founded: \(reply.status) \(reply.text)")
        }
        return id
    }

    /// Adds a member through the API.
    @discardableResult
    func member(_ team: String, name: String, phone: String, role: String = "member", affiliations: [String] = [],
                token: String) async throws -> Reply {
        struct Body: Encodable {
            var fullName: String
            var phone: String
            var gender = "female"
            var birthYear = 1985
            var role: String
            var affiliations: [String]
        }
        return try await send(.POST, "/api/v1/teams/\(team)/members", token: token,
                              json: Body(fullName: name, phone: phone, role: role, affiliations: affiliations))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Two real communes of different provinces used across tests: Phường Ba Đình (Hà Nội) and Phường Tam Thanh (Lạng Sơn).
enum Fixtures {
    static let communeA = "00004"
    static let provinceA = "01"
    static let communeB = "05986"
    static let provinceB = "20"
}

/// The real `lantoa` executable built beside the tests, run as its own process.
enum LantoaProcess {
    static func executable() throws -> URL {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var lantoa = folder.appendingPathComponent("lantoa")
        if !FileManager.default.fileExists(atPath: lantoa.path) {
            // swift-testing's runner sits one folder deeper in the test bundle on some layouts.
            lantoa = folder.deletingLastPathComponent().appendingPathComponent("lantoa")
        }
        guard FileManager.default.fileExists(atPath: lantoa.path) else { throw TestFailure("build the lantoa product first: \(lantoa.path)") }
        return lantoa
    }

    /// Starts `lantoa` with `arguments` and only `environment`; its output is dropped.
    static func start(_ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
