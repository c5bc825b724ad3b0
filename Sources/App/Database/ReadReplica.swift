import Fluent
import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit
import Vapor

extension DatabaseID {
    /// The read replica (`DATABASE_READ_URL`), beside the primary (`.psql`).
    static let psqlRead = DatabaseID(string: "psql-read")
}

/// A PostgreSQL streaming replica (bản sao chỉ đọc) that answers the heavy reads officials make in the same hour:
/// dashboards, rankings, the monthly review, exports and sweep lists (docs/postgresql.md, "Read replicas").
///
/// What holds:
/// - **Writes, and anything read for a write, stay on the primary.** Only the routes grouped under `ReplicaReads` read
///   through `Request.readDB`; every other handler, and every write, uses `req.db`.
/// - **A writer reads its own writes.** After a request that may write (any method but GET and HEAD) by an account,
///   the primary's WAL position is noted for that account (`ReplicaWrites`). Its reads go to the primary until the
///   replica has replayed up to that position, as the last probe saw; then to the replica again. Other accounts may see
///   the replica's lag (`lantoa_db_replica_lag_seconds`), usually well under a second.
/// - **A replica that fails is left alone.** A probe every second (every 5 s while it is down) reads the replica's
///   replay position and lag. A probe, or one of the replica's own statements (`ReplicaDatabase`), that fails (no
///   connection within 2 s, the server gone, a query cancelled by replay) marks it down, with a log line, and the
///   request is answered again from the primary; the first probe that succeeds brings it back, with a log line. A
///   server that is not in recovery (a promoted replica, or a wrong URL), or not streaming from the primary, is not used.
///
/// The positions are kept in this process. One server process runs Lan Tỏa today; with several behind a balancer, a
/// writer's next request reaching another process could read the replica before it caught up (documented).
final class ReadReplica: Sendable {
    enum Target: Sendable {
        case primary
        case replica
    }

    private struct State {
        var up = false
        /// The replica's replay position, as the last probe read it.
        var replayed: UInt64 = 0
        /// Seconds since the last transaction the replica replayed, when it has not replayed all it received; 0 otherwise.
        var lagSeconds: Double = 0
        /// Each account's last possible write: the primary's WAL position after it.
        var pending: [UUID: UInt64] = [:]
        /// When the replica was last found down: while down, the periodic probe tries every 5 s rather than every
        /// second (each failed connection is also a log line of the driver's).
        var downSince: ContinuousClock.Instant?
        /// Moves at each failure: a probe that began before it does not mark the replica up.
        var generation = 0
        var logger: Logger
    }

    private let state: NIOLockedValueBox<State>

    init(logger: Logger) {
        state = NIOLockedValueBox(State(logger: logger))
    }

    /// Where logs go (a test reads them).
    var logger: Logger {
        get { state.withLockedValue { $0.logger } }
        set { state.withLockedValue { $0.logger = newValue } }
    }

    var isUp: Bool { state.withLockedValue { $0.up } }

    /// The replica's replay position and lag as the last probe read them.
    var position: (replayed: UInt64, lagSeconds: Double) { state.withLockedValue { ($0.replayed, $0.lagSeconds) } }

    /// Where an account's read goes now.
    func target(for account: UUID?) -> Target {
        state.withLockedValue { s in
            guard s.up else { return .primary }
            if let account, let wrote = s.pending[account] {
                if wrote > s.replayed { return .primary }
                s.pending[account] = nil
            }
            return .replica
        }
    }

    /// Notes that the account may have written, up to the primary's WAL position `lsn`.
    func wrote(account: UUID, upTo lsn: UInt64) {
        state.withLockedValue { s in s.pending[account] = max(s.pending[account] ?? 0, lsn) }
    }

    /// A read on the replica failed: reads go to the primary until a probe finds the replica answering again.
    func failed(_ error: any Error) {
        markDown(because: "a read failed (\(String(reflecting: type(of: error))))")
    }

    private func markDown(because reason: String) {
        let logger = state.withLockedValue { s -> Logger? in
            defer {
                s.up = false
                s.downSince = .now
                s.generation += 1
            }
            return s.up ? s.logger : nil
        }
        logger?.warning("Read replica unavailable: \(reason); reads go to the primary until it answers again")
    }

    /// The periodic probe: every call while the replica is up, every 5 s while it is down.
    func probeIfDue(_ app: Application) async {
        let due = state.withLockedValue { s in s.up || (s.downSince.map { $0.duration(to: .now) >= .seconds(5) } ?? true) }
        if due { await probe(app) }
    }

    /// Reads the replica's replay position and lag, and marks it up or down. Never throws: a failure marks it down.
    func probe(_ app: Application) async {
        let sql = app.db(.psqlRead) as! any SQLDatabase
        let started = state.withLockedValue { $0.generation }
        let row: (any SQLRow)?
        do {
            row = try await sql.raw("""
                SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed,
                       (SELECT COUNT(*) FROM pg_stat_wal_receiver) AS receivers, (SELECT status FROM pg_stat_wal_receiver) AS receiving,
                       CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)::float8 END AS lag
                """).first()
        } catch {
            markDown(because: "it does not answer (\(String(reflecting: type(of: error))))")
            return
        }
        guard let row, (try? row.decode(column: "standby", as: Bool.self)) == true,
              let text = try? row.decode(column: "replayed", as: String?.self), let replayed = Self.lsn(text) else {
            markDown(because: "the server is not a standby in recovery (promoted, or not a replica)")
            return
        }
        // Replaying what it had, but not receiving from the primary, it would serve figures of any age. (A role without
        // `pg_read_all_stats` sees the receiver's row with its status hidden: then the row is enough.)
        let receivers = (try? row.decode(column: "receivers", as: Int.self)) ?? 0
        let receiving = (try? row.decode(column: "receiving", as: String?.self)) ?? nil
        guard receivers > 0, receiving == nil || receiving == "streaming" else {
            markDown(because: "it is not streaming from the primary")
            return
        }
        let lag = (try? row.decode(column: "lag", as: Double.self)) ?? 0
        let logger = state.withLockedValue { s -> Logger? in
            // A read failed while this probe ran: the failure is newer than what the probe saw.
            guard s.generation == started else { return nil }
            defer {
                s.up = true
                s.downSince = nil
                s.replayed = replayed
                s.lagSeconds = lag
                s.pending = s.pending.filter { $0.value > replayed }
            }
            return s.up ? nil : s.logger
        }
        logger?.notice("Read replica answering: dashboards, rankings, exports and sweep lists read from it")
    }

    /// The primary's WAL position now.
    static func primaryPosition(_ db: any Database) async throws -> UInt64? {
        let row = try await (db as! any SQLDatabase).raw("SELECT pg_current_wal_lsn()::text AS lsn").first()
        return try row.flatMap { lsn(try $0.decode(column: "lsn", as: String.self)) }
    }

    /// A WAL position as PostgreSQL writes it (`16/B374D848`), as a number.
    static func lsn(_ text: String) -> UInt64? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16),
              high <= UInt64(UInt32.max), low <= UInt64(UInt32.max) else { return nil }
        return high << 32 | low
    }

    /// Whether an error from a read on the replica says the replica, not the request, is at fault: no connection, the
    /// server gone or shutting down, or a query cancelled because replay needed what it read.
    static func isReplicaFault(_ error: any Error) -> Bool {
        switch error {
        case is ConnectionPoolTimeoutError, is ConnectionPoolError, is ChannelError, is IOError:
            return true
        case let pg as PSQLError:
            guard pg.code == .server else { return true }
            let state = pg.serverInfo?[.sqlState] ?? ""
            // 40001: cancelled by a conflict with recovery; 57P01-57P03: shutting down or starting; 25006: read-only
            // (a write routed here by mistake); 3D000: the database not (yet) on the replica.
            return state == "40001" || state.hasPrefix("57P") || state == "25006" || state == "3D000"
        default:
            return false
        }
    }
}

extension Application {
    private struct ReadReplicaKey: StorageKey { typealias Value = ReadReplica }

    /// The read replica, when `DATABASE_READ_URL` is set.
    var readReplica: ReadReplica? {
        get { storage[ReadReplicaKey.self] }
        set { storage[ReadReplicaKey.self] = newValue }
    }
}

extension Request {
    private struct ReadTargetKey: StorageKey { typealias Value = ReadReplica.Target }
    private struct FaultKey: StorageKey { typealias Value = ReplicaDatabase.Fault }

    /// Where this request's reads go; the primary unless `ReplicaReads` chose the replica.
    var readTarget: ReadReplica.Target {
        get { storage[ReadTargetKey.self] ?? .primary }
        set { storage[ReadTargetKey.self] = newValue }
    }

    /// The replica's failure in this request, if one of its statements failed.
    var replicaFault: ReplicaDatabase.Fault {
        if let fault = storage[FaultKey.self] { return fault }
        let fault = ReplicaDatabase.Fault()
        storage[FaultKey.self] = fault
        return fault
    }

    /// The database a read-only route reads from: the replica when `ReplicaReads` chose it, else the primary.
    var readDB: any Database {
        readTarget == .replica ? ReplicaDatabase(base: db(.psqlRead), fault: replicaFault) : db
    }

    /// Data access restricted to the signed-in account's subtree, over `readDB`.
    var readScope: Scope {
        get throws { Scope(actor: try actor, db: readDB) }
    }
}

/// The replica as one request reads it: the same database, noting on the request when one of its own statements
/// fails for the replica's sake (`ReadReplica.isReplicaFault`). So only the replica's failures send a request to the
/// primary; a failure of the primary's part of the request (a unit looked up, a read recorded) is the request's.
struct ReplicaDatabase: Database, SQLDatabase {
    final class Fault: Sendable {
        private let error = NIOLockedValueBox<(any Error)?>(nil)
        var happened: (any Error)? { error.withLockedValue { $0 } }
        func note(_ e: any Error) {
            guard ReadReplica.isReplicaFault(e) else { return }
            error.withLockedValue { if $0 == nil { $0 = e } }
        }
    }

    let base: any Database
    let fault: Fault
    private var sql: any SQLDatabase { base as! any SQLDatabase }

    private func noting<T>(_ future: EventLoopFuture<T>) -> EventLoopFuture<T> {
        future.flatMapErrorThrowing { [fault] in fault.note($0); throw $0 }
    }

    // Database
    var context: DatabaseContext { base.context }
    var inTransaction: Bool { base.inTransaction }
    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> ()) -> EventLoopFuture<Void> {
        noting(base.execute(query: query, onOutput: onOutput))
    }
    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { noting(base.execute(schema: schema)) }
    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { noting(base.execute(enum: `enum`)) }
    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        noting(base.transaction { [fault] in closure(ReplicaDatabase(base: $0, fault: fault)) })
    }
    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        noting(base.withConnection { [fault] in closure(ReplicaDatabase(base: $0, fault: fault)) })
    }

    // SQLDatabase
    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var dialect: any SQLDialect { sql.dialect }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        noting(sql.execute(sql: query, onRow))
    }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        do { try await sql.execute(sql: query, onRow) } catch { fault.note(error); throw error }
    }
    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        do { return try await sql.withSession(closure) } catch { fault.note(error); throw error }
    }
}

/// The routes whose reads may go to the replica (dashboards, rankings, the review, report review and exports, sweep
/// lists): chooses the replica for the request when it is up and the account has nothing unreplayed, and, when one of
/// the replica's statements failed for the replica's sake, marks it down and answers the request again from the
/// primary. (Those handlers write nothing before their replica reads are done, so answering again writes nothing twice.)
struct ReplicaReads: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // Without a replica there is nothing to choose, and nothing counted.
        guard let replica = request.application.readReplica else { return try await next.respond(to: request) }
        guard replica.target(for: request.auth.get(User.self)?.id) == .replica else {
            request.application.metrics.routedRead(to: .primary)
            return try await next.respond(to: request)
        }
        request.readTarget = .replica
        do {
            let response = try await next.respond(to: request)
            request.application.metrics.routedRead(to: .replica)
            return response
        } catch {
            guard let fault = request.replicaFault.happened else { throw error }
            replica.failed(fault)
            request.application.metrics.replicaFellBack()
            request.readTarget = .primary
            request.application.metrics.routedRead(to: .primary)
            return try await next.respond(to: request)
        }
    }
}

/// After a request that may have written (any method but GET and HEAD) by an account, notes the primary's WAL position
/// for that account, so that its next reads wait for the replica to replay it (see `ReadReplica`).
struct ReplicaWrites: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let replica = request.application.readReplica, request.method != .GET, request.method != .HEAD else {
            return try await next.respond(to: request)
        }
        do {
            let response = try await next.respond(to: request)
            await note(request, replica)
            return response
        } catch {
            await note(request, replica)
            throw error
        }
    }

    private func note(_ request: Request, _ replica: ReadReplica) async {
        // The account is known once the route's authenticator ran, that is after `next`.
        guard let account = request.auth.get(User.self)?.id else { return }
        do {
            if let lsn = try await ReadReplica.primaryPosition(request.db) { replica.wrote(account: account, upTo: lsn) }
        } catch {
            request.logger.warning("Could not read the primary's WAL position after a write; this account may read the replica's lag",
                                   metadata: ["error": "\(String(reflecting: type(of: error)))"])
        }
    }
}
