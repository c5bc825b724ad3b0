import FluentKit
import NIOConcurrencyHelpers
import NIOCore
import Prometheus
import SQLKit

/// How long statements wait for a pooled database connection, for `/metrics` (docs/operations.md).
///
/// The drivers' pools (AsyncKit's) say nothing of their waits, so each database the application registers is wrapped:
/// a statement outside a transaction first takes its connection through `withConnection`, and the time until the
/// connection is handed over is recorded, by database (`primary`, `replica`); a transaction's wait lasts until its BEGIN
/// is answered. Inside a transaction or a held connection nothing waits, and the driver's own database is used as it is.
struct PoolWaitConfiguration: DatabaseConfiguration {
    var base: any DatabaseConfiguration
    let waits: PoolWaits

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        Driver(base: base.makeDriver(for: databases), waits: waits)
    }

    struct Driver: DatabaseDriver {
        let base: any DatabaseDriver
        let waits: PoolWaits
        func makeDatabase(with context: DatabaseContext) -> any Database {
            PoolWaitDatabase(base: base.makeDatabase(with: context), waits: waits)
        }
        func shutdown() { base.shutdown() }
        func shutdownAsync() async { await base.shutdownAsync() }
    }
}

/// One database's waits: a histogram of the waits that ended, and how many are waiting now.
final class PoolWaits: Sendable {
    let histogram: DurationHistogram
    let gauge: Gauge
    private let count = NIOLockedValueBox(0)

    init(histogram: DurationHistogram, gauge: Gauge) {
        self.histogram = histogram
        self.gauge = gauge
    }

    /// Statements waiting for a connection now.
    var waiting: Int { count.withLockedValue { $0 } }

    func started() { gauge.set(Double(count.withLockedValue { $0 += 1; return $0 })) }

    func ended(after wait: Duration) {
        gauge.set(Double(count.withLockedValue { $0 -= 1; return $0 }))
        histogram.record(wait)
    }
}

/// A pooled database whose every use outside a transaction takes its connection first, timing the wait.
struct PoolWaitDatabase: Database, SQLDatabase {
    let base: any Database
    let waits: PoolWaits
    private var sql: any SQLDatabase { base as! any SQLDatabase }

    /// Starts timing a wait; the function returned ends it, once, whenever it is called again.
    private func waiting() -> @Sendable () -> Void {
        let start = ContinuousClock.now
        let waits = self.waits
        let ended = NIOLockedValueBox(false)
        waits.started()
        return {
            guard ended.withLockedValue({ done in defer { done = true }; return !done }) else { return }
            waits.ended(after: ContinuousClock.now - start)
        }
    }

    /// Takes a connection from the pool, records the wait, and runs `body` on the driver's database bound to it.
    private func connected<T>(_ body: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let end = waiting()
        return base.withConnection { connection in
            end()
            return body(connection)
        }.always { _ in end() }
    }

    // Database
    var context: DatabaseContext { base.context }
    var inTransaction: Bool { base.inTransaction }
    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> ()) -> EventLoopFuture<Void> {
        connected { $0.execute(query: query, onOutput: onOutput) }
    }
    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { connected { $0.execute(schema: schema) } }
    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { connected { $0.execute(enum: `enum`) } }
    /// The driver's own transaction: a database it binds to a connection says it is in a transaction already
    /// (FluentPostgresDriver), so a transaction begun on one would not begin. The wait ends when the closure starts,
    /// that is once the connection is had and BEGIN answered.
    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let end = waiting()
        return base.transaction { db in
            end()
            return closure(db)
        }.always { _ in end() }
    }
    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        connected(closure)
    }

    // SQLDatabase
    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var dialect: any SQLDialect { sql.dialect }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        connected { ($0 as! any SQLDatabase).execute(sql: query, onRow) }
    }
}
