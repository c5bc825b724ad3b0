import Crypto
import Foundation
import LanToaCore
import Vapor

/// Configuration read once at boot from the environment; bad values stop the start with a message naming the variable.
public struct AppConfig: Sendable {
    public enum Storage: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public var storage: Storage
    /// A PostgreSQL streaming replica that dashboards, rankings, exports and sweep lists read from (`DATABASE_READ_URL`,
    /// docs/postgresql.md "Read replicas"); none when unset.
    public var readReplicaURL: String?
    /// Load the demo province's teams and members into an empty database (development only by default).
    public var loadDemo: Bool
    /// Create a first `admin` account with a printed password when the database has no account.
    public var createFirstAdmin: Bool
    /// Mark the session cookie `Secure` (behind HTTPS).
    public var secureCookies: Bool
    /// The key sealing personal data (32 bytes), and the one before it while a rotation runs.
    public var dataKey: Data
    public var previousDataKey: Data?
    /// The long-lived key of CCCD look-up hashes (derived from `dataKey` when absent).
    public var lookupKey: Data?
    /// PostgreSQL connections the server may hold open in all (its pools, one per event loop, share them).
    public var databaseConnections: Int
    /// How sign-in pauses and locks out guessing.
    public var signIn: SignInPolicy
    /// Whether an account must change a password someone else set (the first admin's, a reset) before anything else.
    public var requirePasswordChange: Bool
    /// Whether a reverse proxy in front says who the client is (`X-Forwarded-For`) and whether it came over TLS
    /// (`X-Forwarded-Proto`); only then are those headers believed.
    public var behindProxy: Bool
    /// The token a Prometheus server off this machine sends to read `/metrics` (`LANTOA_METRICS_TOKEN`); without it,
    /// only this machine may read them.
    public var metricsToken: String?
    /// Whether the periodic jobs run (audit sealing, session purge, report periods and reminders, early warnings): when
    /// serving, not during a command.
    public var periodicJobs = true
    /// The provinces' Zalo Official Accounts (`LANTOA_ZALO_CONFIG`, a JSON file); none when unset.
    var zalo: ZaloSettings?
    /// The outbox's delivery to Zalo: run by `serve` unless `LANTOA_OUTBOX_WORKER=separate` says `lantoa outbox work`
    /// runs it; the lease a worker takes on a message (`LANTOA_OUTBOX_LEASE_SECONDS`, 300 by default).
    var outboxInServer = true
    var outboxLease: TimeInterval = 300
    var clock: AppClock

    public struct Invalid: Error, CustomStringConvertible {
        public var variable: String
        public var problem: String
        public var description: String { "\(variable): \(problem)" }
    }

    /// The key used in development and tests when none is configured; never accepted in production.
    public static let developmentDataKey = Data(SHA256.hash(data: Data("lantoa development key: not for production".utf8)))

    public init(storage: Storage, loadDemo: Bool = false, createFirstAdmin: Bool = false, secureCookies: Bool = false,
                today: LocalDate? = nil, dataKey: Data = AppConfig.developmentDataKey, previousDataKey: Data? = nil,
                databaseConnections: Int = AppConfig.defaultDatabaseConnections, signIn: SignInPolicy = SignInPolicy(),
                requirePasswordChange: Bool = false, behindProxy: Bool = false, lookupKey: Data? = nil) {
        self.storage = storage
        self.lookupKey = lookupKey
        self.signIn = signIn
        self.requirePasswordChange = requirePasswordChange
        self.behindProxy = behindProxy
        self.databaseConnections = databaseConnections
        self.dataKey = dataKey
        self.previousDataKey = previousDataKey
        self.loadDemo = loadDemo
        self.createFirstAdmin = createFirstAdmin
        self.secureCookies = secureCookies
        self.clock = today.map(AppClock.fixed) ?? .system
    }

    /// Within PostgreSQL's default `max_connections` of 100 with room for a few servers and the operators' sessions.
    public static let defaultDatabaseConnections = 16

    /// Reads `DATABASE_URL`, `DATABASE_READ_URL`, `LANTOA_DB_CONNECTIONS`, `LANTOA_DEMO`, `LANTOA_SECURE_COOKIES`, `LANTOA_METRICS_TOKEN`, the keys and
    /// `LANTOA_TODAY` (the last for demos and tests).
    ///
    /// Personal data is never sealed with a key anyone can read in the source: without `LANTOA_DATA_KEY` the start is
    /// refused, unless `development` (the `--dev` flag of a local try-out, never in production) says otherwise.
    public static func fromEnvironment(_ environment: Environment, variables: [String: String] = ProcessInfo.processInfo.environment,
                                       development: Bool = false) throws -> AppConfig {
        let storage = try parseStorage(variables["DATABASE_URL"])
        let production = environment == .production
        if production && development {
            throw Invalid(variable: "--dev", problem: "a development start cannot run in production")
        }
        func flag(_ name: String, default value: Bool) throws -> Bool {
            guard let raw = variables[name], !raw.isEmpty else { return value }
            switch raw.lowercased() {
            case "1", "true", "yes": return true
            case "0", "false", "no": return false
            default: throw Invalid(variable: name, problem: "expected true or false, got \(raw)")
            }
        }
        var today: LocalDate?
        if let raw = variables["LANTOA_TODAY"], !raw.isEmpty {
            guard let d = LocalDate(raw) else { throw Invalid(variable: "LANTOA_TODAY", problem: "expected yyyy-MM-dd, got \(raw)") }
            today = d
            if production {
                throw Invalid(variable: "LANTOA_TODAY", problem: "only for demonstrations and tests, never in production")
            }
        }
        func key(_ name: String) throws -> Data? {
            guard let raw = variables[name], !raw.isEmpty else { return nil }
            guard let data = Data(base64Encoded: raw), data.count == 32 else {
                throw Invalid(variable: name, problem: "expected 32 random bytes in base64 (openssl rand -base64 32)")
            }
            return data
        }
        var connections = defaultDatabaseConnections
        if let raw = variables["LANTOA_DB_CONNECTIONS"], !raw.isEmpty {
            guard let n = Int(raw), (1...1000).contains(n) else {
                throw Invalid(variable: "LANTOA_DB_CONNECTIONS", problem: "expected a whole number from 1 to 1000, got \(raw)")
            }
            connections = n
        }
        func count(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
            guard let raw = variables[name], !raw.isEmpty else { return value }
            guard let n = Int(raw), range.contains(n) else {
                throw Invalid(variable: name, problem: "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(raw)")
            }
            return n
        }
        var signIn = SignInPolicy()
        signIn.loginFailures = try count("LANTOA_SIGNIN_LOGIN_FAILURES", default: signIn.loginFailures, in: 3...100)
        signIn.addressFailures = try count("LANTOA_SIGNIN_ADDRESS_FAILURES", default: signIn.addressFailures, in: 10...100_000)
        signIn.lockoutSeconds = 60 * (try count("LANTOA_SIGNIN_LOCKOUT_MINUTES", default: signIn.lockoutSeconds / 60, in: 1...1440))
        let dataKey = try key("LANTOA_DATA_KEY")
        if dataKey == nil && !development {
            throw Invalid(variable: "LANTOA_DATA_KEY", problem: "required to seal personal data: 32 random bytes in base64 (openssl rand -base64 32); "
                          + "for a local try-out with demo data, start with --dev (`swift run lantoa serve --dev`)")
        }
        let lookupKey = try key("LANTOA_LOOKUP_KEY")
        if production && lookupKey == nil {
            throw Invalid(variable: "LANTOA_LOOKUP_KEY", problem: "required in production: the long-lived key of CCCD look-ups, 32 random bytes in base64, never rotated")
        }
        var metricsToken: String?
        if let raw = variables["LANTOA_METRICS_TOKEN"], !raw.isEmpty {
            guard raw.count >= 24, raw.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw Invalid(variable: "LANTOA_METRICS_TOKEN", problem: "expected at least 24 characters without spaces (openssl rand -hex 24)")
            }
            metricsToken = raw
        }
        var config = AppConfig(storage: storage,
                         loadDemo: try flag("LANTOA_DEMO", default: !production),
                         createFirstAdmin: !production,
                         secureCookies: try flag("LANTOA_SECURE_COOKIES", default: production),
                         today: today,
                         dataKey: dataKey ?? developmentDataKey,
                         previousDataKey: try key("LANTOA_DATA_KEY_PREVIOUS"),
                         databaseConnections: connections,
                         signIn: signIn,
                         requirePasswordChange: try flag("LANTOA_REQUIRE_PASSWORD_CHANGE", default: production),
                         behindProxy: try flag("LANTOA_BEHIND_PROXY", default: false),
                         lookupKey: lookupKey)
        config.metricsToken = metricsToken
        config.readReplicaURL = try parseReadReplica(variables["DATABASE_READ_URL"], storage: storage)
        switch variables["LANTOA_OUTBOX_WORKER"] ?? "" {
        case "", "serve": config.outboxInServer = true
        case "separate": config.outboxInServer = false
        default: throw Invalid(variable: "LANTOA_OUTBOX_WORKER", problem: "expected serve or separate")
        }
        if let lease = variables["LANTOA_OUTBOX_LEASE_SECONDS"], !lease.isEmpty {
            guard let seconds = Int(lease), (1...3600).contains(seconds) else {
                throw Invalid(variable: "LANTOA_OUTBOX_LEASE_SECONDS", problem: "expected a whole number of seconds from 1 to 3600")
            }
            config.outboxLease = TimeInterval(seconds)
        }
        if let path = variables["LANTOA_ZALO_CONFIG"], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Invalid(variable: "LANTOA_ZALO_CONFIG", problem: "cannot read \(path)")
            }
            do { config.zalo = try ZaloSettings.load(data) } catch let error as ZaloSettings.Invalid {
                throw Invalid(variable: "LANTOA_ZALO_CONFIG", problem: "\(error.field): \(error.problem)")
            }
        }
        return config
    }

    static func parseReadReplica(_ url: String?, storage: Storage) throws -> String? {
        guard let url, !url.isEmpty else { return nil }
        guard case .postgres = storage else {
            throw Invalid(variable: "DATABASE_READ_URL", problem: "a read replica needs DATABASE_URL on PostgreSQL (postgres://…)")
        }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw Invalid(variable: "DATABASE_READ_URL", problem: "expected postgres://user:password@host:port/database of a streaming replica")
        }
        return url
    }

    static func parseStorage(_ url: String?) throws -> Storage {
        guard let url, !url.isEmpty else { return .sqlite(path: "lantoa.sqlite") }
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw Invalid(variable: "DATABASE_URL", problem: "sqlite:// needs a file path, e.g. sqlite:///var/lib/lantoa/lantoa.sqlite") }
            return .sqlite(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return .postgres(url: url)
        }
        throw Invalid(variable: "DATABASE_URL", problem: "expected sqlite:///path or postgres://user:password@host:port/database")
    }
}
