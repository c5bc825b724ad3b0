import Fluent
import LanToaCore
import Vapor

/// What `serve` does before listening: migrate (loading the reference units into a new database), then, in
/// development, load the demo province and create a first admin whose password is printed.
public enum Bootstrap {
    /// The address `serve` listens on, read from its flags as `ServeCommand` reads them (`--hostname`/`-H`,
    /// `--port`/`-p`, `--bind`/`-b host:port`), with the configured defaults: for the sign-in line printed below.
    public static func servingAddress(_ arguments: [String], configuration: HTTPServer.Configuration) -> String {
        var host = configuration.hostname
        var port = configuration.port
        var i = 0
        while i < arguments.count {
            let flag = arguments[i]
            let value = i + 1 < arguments.count ? arguments[i + 1] : nil
            switch flag {
            case "--hostname", "-H": if let value { host = value; i += 1 }
            case "--port", "-p": if let value, let p = Int(value) { port = p; i += 1 }
            case "--bind", "-b":
                if let value {
                    let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
                    host = parts[0]
                    if parts.count == 2, let p = Int(parts[1]) { port = p }
                    i += 1
                }
            default: break
            }
            i += 1
        }
        return "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
    }

    public static func prepareForServing(_ app: Application, address: String = "http://127.0.0.1:8080") async throws {
        // Only when something is to migrate: a server running as a role without DDL (`lantoa grant-app-role`) cannot
        // even create the migrations table if it exists already, so it must not try. Its upgrades are migrated by
        // the owner first (docs/operations.md).
        let pending = try? await app.migrator.previewPrepareBatch().get()
        if pending.map({ !$0.isEmpty }) ?? true {
            do {
                try await app.autoMigrate()
            } catch {
                app.logger.critical("Migrating failed. If the server runs as a role without DDL, run `lantoa migrate` as the database's owner first.",
                                    metadata: ["error": "\(type(of: error))", "pending": "\(pending?.map(\.0.name) ?? [])"])
                throw error
            }
        }
        try await DataKeyRecord.check(app)
        let config = app.lantoaConfig
        if config.loadDemo, try await Setting.find("demo", on: app.db) == nil, try await Team.query(on: app.db).count() == 0 {
            app.logger.notice("Loading demo data (LANTOA_DEMO=false to skip)…")
            try await DemoData.load(on: app.db, clock: app.clock)
        }
        app.demoLoaded = try await Setting.find("demo", on: app.db) != nil
        if try await User.query(on: app.db).count() == 0 {
            if config.createFirstAdmin {
                let password = DemoData.randomPassword()
                let accounts = app.accounts
                _ = try await accounts.create(CreateUserRequest(login: "admin", password: password, displayName: "Quản trị hệ thống",
                                                                role: "admin", scope: nil), by: .system)
                var lines = ["", "  Lan Tỏa is ready. Sign in at \(address)/login", "",
                             "    admin / \(password)   (whole country)"]
                if app.demoLoaded {
                    for account in DemoData.accounts {
                        _ = try await accounts.create(CreateUserRequest(login: account.login, password: password, displayName: account.name,
                                                                        role: account.role.rawValue, scope: account.scope), by: .system)
                        lines.append("    \(account.login) / \(password)   (\(account.description))")
                    }
                    try await DemoData.loadDifficulties(on: app.db, clock: app.clock)
                    try await DemoData.loadGuides(on: app.db, clock: app.clock)
                }
                lines.append("")
                // Written to the terminal, not the log: the operator needs the passwords once, and they never go to the log.
                app.console.print(lines.joined(separator: "\n"))
            } else {
                app.logger.notice("No account yet: create the first with `lantoa create-user --login admin --password … --role admin`")
            }
        }
    }
}
