import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import LanToaResources
import Leaf
import LeafKit
import NIOSSL
import SQLKit
import Vapor

/// The connections each event loop's pool may hold (each event loop has its own pool).
/// - SQLite: one, kept open (its page cache is per connection; `configure`).
/// - PostgreSQL: the configured total shared among the loops, at least two. A sync waits, holding its connection, for
///   another batch of its hamlet to commit (see `SupportLogService.insert`): with one connection per loop, every
///   request behind it on that loop would wait too, and give up after the pool's timeout.
func connectionsPerEventLoop(_ config: AppConfig, loops: Int) -> Int {
    switch config.storage {
    case .sqlite: 1
    case .postgres: max(2, (config.databaseConnections + loops - 1) / loops)
    }
}

/// Wires Lan Tỏa into a Vapor application: storage, migrations, sessions, templates, middleware and routes.
public func configure(_ app: Application, config: AppConfig) async throws {
    app.lantoaConfig = config
    app.clock = config.clock
    app.catalogue = try Catalogue.load()
    OperationalMetrics.bootstrap()
    app.metrics = AppMetrics()
    InputDecoders.install()

    // Resources are found in the bundle, so the app runs from any working directory.
    app.directory = DirectoryConfiguration(workingDirectory: app.directory.workingDirectory)
    app.directory.viewsDirectory = LanToaResources.directory("Views")
    app.directory.publicDirectory = LanToaResources.directory("Public")

    switch config.storage {
    case let .sqlite(path):
        // Every SQLite call runs on a thread of the application's blocking pool, and a connection waiting for the write
        // lock (`writeTransaction`) sleeps on one; file reads (views), password hashes and spreadsheet parses share it.
        // The default pool has one thread per core and is shared by every application in the process, so a connection
        // waiting for the lock could leave a page's view, or another application's lock holder, no thread until its
        // busy timeout ran out. An own pool: a thread for each connection (one per event loop) and four more.
        // Set before `databases` is first used: the SQLite driver takes the pool then.
        let loops = app.eventLoopGroup.makeIterator().reduce(0) { n, _ in n + 1 }
        let perLoop = connectionsPerEventLoop(config, loops: loops)
        app.threadPool = NIOThreadPool(numberOfThreads: loops * perLoop + 4)
        // No SQL in the log, at any level: statements carry bound values, and those can be personal data.
        app.databases.use(.sqlite(.file(path), maxConnectionsPerEventLoop: perLoop, sqlLogLevel: nil), as: .sqlite)
        // SQLite keeps 2 MiB of pages per connection by default; the rollups' hot pages (the nation's, the provinces')
        // are re-read from the file at every dashboard with so little. Each event loop has one pooled connection, kept
        // open, so the setting holds; a connection reopened later only reads more slowly.
        // The driver's busy handler retries at once, for ever, on a thread of the process's small shared blocking pool:
        // a few writers waiting for the write lock could hold every such thread while the lock's holder waits for one,
        // and SQLite stopped for the whole process. A busy timeout sleeps between tries and gives up after 5 s (the
        // request answers 503 with Retry-After, and nothing was written), so a wait always ends.
        for loop in app.eventLoopGroup.makeIterator() {
            let db = app.databases.database(.sqlite, logger: app.logger, on: loop)! as! any SQLDatabase
            try await db.raw("PRAGMA cache_size = -65536").run()
            try await db.raw("PRAGMA busy_timeout = 5000").run()
        }
    case let .postgres(url):
        // TLS exactly as libpq reads `sslmode` (the driver's own reading checks certificates even for `require`).
        let tls = try PostgresTLS(url: url)
        var pg = try SQLPostgresConfiguration(url: PostgresTLS.stripped(url))
        pg.coreConfiguration.tls = try tls.configuration()
        let loops = app.eventLoopGroup.makeIterator().reduce(0) { n, _ in n + 1 }
        let perLoop = connectionsPerEventLoop(config, loops: loops)
        // The driver logs SQL at some level; at trace only (never set in production, docs/security.md).
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: perLoop, sqlLogLevel: .trace), as: .psql)
        if let readURL = config.readReplicaURL {
            // The replica's pools, the same size; a connection not had within 2 s sends the read to the primary.
            let readTLS = try PostgresTLS(url: readURL)
            var read = try SQLPostgresConfiguration(url: PostgresTLS.stripped(readURL))
            read.coreConfiguration.tls = try readTLS.configuration()
            app.databases.use(.postgres(configuration: read, maxConnectionsPerEventLoop: perLoop, connectionPoolTimeout: .seconds(2),
                                        sqlLogLevel: .trace), as: .psqlRead, isDefault: false)
            app.readReplica = ReadReplica(logger: app.logger)
        }
    }

    app.migrations.add(MigrationList.all)

    app.sessions.use(.fluent)
    app.sessions.configuration.cookieName = "lantoa_session"
    app.sessions.configuration.cookieFactory = { id in
        HTTPCookies.Value(string: id.string, maxAge: 12 * 3600, path: "/", isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    app.views.use(.leaf)
    // Not `.toVisibleFiles`: a development build keeps the bundle under `.build/`.
    app.leaf.sources = .singleSource(NIOLeafFiles(fileio: app.fileio, limits: [.toSandbox, .onlyLeafExtensions],
                                                  sandboxDirectory: LanToaResources.directory("Views"),
                                                  viewDirectory: LanToaResources.directory("Views")))
    app.leaf.tags["t"] = TranslateTag()
    app.leaf.tags["num"] = NumberTag()
    app.leaf.tags["date"] = DateTag()
    if app.environment == .production { app.leaf.cache.isEnabled = true }

    app.middleware = Middlewares()
    let inFlight = InFlightRequests()
    app.middleware.use(inFlight)
    app.lifecycle.use(inFlight)
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(ErrorPageMiddleware())
    app.middleware.use(NULQueryMiddleware())
    app.middleware.use(MethodNotAllowedMiddleware(table: .init(routes: app.routes)))
    if app.readReplica != nil { app.middleware.use(ReplicaWrites()) }
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory, defaultFile: "index.html"))
    app.routes.defaultMaxBodySize = "1mb"
    // At shutdown (a deploy, or a test's end) requests in flight finish before the app lets go of its configuration
    // and databases: Vapor's 10 s default gave up on a slow sync and tore the app down under it.
    app.http.server.configuration.shutdownTimeout = .seconds(60)

    if config.periodicJobs { registerPeriodicJobs(app) }

    try routes(app)
}

/// The work the server does every so often while it runs, off any request.
private func registerPeriodicJobs(_ app: Application) {
    let jobs = [
        PeriodicJob("Audit sealing", every: .seconds(5)) { try await AuditChain.seal(on: $0.db) },
        PeriodicJob("Purging expired sessions", every: .seconds(600)) {
            _ = try await SessionLifetime.purge(on: $0.db, now: $0.clock.now())
        },
        // Ended report periods are closed (their expected reporters fixed) and reminders written, every ten minutes.
        PeriodicJob("Closing report periods and writing reminders", every: .seconds(600)) { app in
            try await ReportSlots.closeEnded(today: app.clock.today(), on: app.db)
            try await ReportReminders.run(today: app.clock.today(), on: app.db)
        },
        // Early warnings for the whole country, every hour (they are also refreshed for a subtree whenever its list is read).
        PeriodicJob("Early warnings", every: .seconds(3600)) { app in
            try await EarlyWarnings(db: app.db, clock: app.clock).refresh(under: "/")
        },
    ]
    var all = jobs
    // The support log's partitions for the year ahead, once a day (PostgreSQL: `SupportLogPartitions`).
    if case .postgres = app.lantoaConfig.storage {
        all.append(PeriodicJob("Support log partitions", every: .seconds(86_400)) { try await SupportLogPartitions.keep($0) })
    }
    // The read replica's state and replay position, every second (`ReadReplica`).
    if let replica = app.readReplica {
        all.append(PeriodicJob("Read replica probe", every: .seconds(1)) { await replica.probeIfDue($0) })
    }
    // How long a request would wait for a database connection, sampled on each event loop's pool (`PoolWaitProbe`).
    all.append(PeriodicJob("Database pool wait probe", every: .seconds(1)) { await PoolWaitProbe.sample($0) })
    for job in all { app.lifecycle.use(job) }
    app.periodicJobs = all.map(\.name)
    // The outbox's delivery to Zalo, when a province has an OA and no separate `lantoa outbox work` runs it.
    if app.lantoaConfig.zalo != nil, app.lantoaConfig.outboxInServer {
        app.lifecycle.use(OutboxWorkerLifecycle())
        app.periodicJobs.append(OutboxWorkerLifecycle.name)
    }
}

extension Application {
    private struct DemoKey: StorageKey {
        typealias Value = Bool
    }

    private struct PeriodicJobsKey: StorageKey {
        typealias Value = [String]
    }

    /// The names of the periodic jobs this process runs (none during a command).
    var periodicJobs: [String] {
        get { storage[PeriodicJobsKey.self] ?? [] }
        set { storage[PeriodicJobsKey.self] = newValue }
    }

    /// Whether the database holds demo data (a banner says so on every page).
    var demoLoaded: Bool {
        get { storage[DemoKey.self] ?? false }
        set { storage[DemoKey.self] = newValue }
    }
}

/// Registers Lan Tỏa's own commands beside Vapor's `serve` and `migrate`.
public func registerCommands(_ app: Application) {
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
    app.asyncCommands.use(ImportTeamsCommand(), as: "import-teams")
    app.asyncCommands.use(RotateDataKeyCommand(), as: "rotate-data-key")
    app.asyncCommands.use(RollupsCommand(), as: "rollups")
    app.asyncCommands.use(ReportsCommand(), as: "reports")
    app.asyncCommands.use(SynthCommand(), as: "synth")
    app.asyncCommands.use(AuditCommand(), as: "audit")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(), as: "restore")
    app.asyncCommands.use(GrantAppRoleCommand(), as: "grant-app-role")
    app.asyncCommands.use(OutboxCommand(), as: "outbox")
    app.asyncCommands.use(PartitionsCommand(), as: "partitions")
}
