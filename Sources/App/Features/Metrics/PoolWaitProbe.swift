import FluentKit
import NIOCore
import PostgresNIO
import SQLiteNIO
import Vapor

/// How long a request would wait for a pooled database connection, sampled: a second after the last sample, on each
/// event loop in turn (each has its own pool), a connection is asked of the pool and given back at once, and the time
/// until it was handed over is recorded by database (`primary`; `replica` while the read replica is in use). Read on
/// `/metrics` as `lantoa_db_pool_wait_seconds` (docs/operations.md).
///
/// Sampled rather than timed on every statement: the drivers' pools (AsyncKit's) say nothing of their waits, and a
/// wrapper that took each statement's connection itself went through FluentSQLiteDriver's `withConnection`, which starts
/// two tasks per statement; under load that cost the province dashboard 13% of its throughput (Benchmarks/README.md,
/// "Load run"). The probe asks each pool through the engine's own `withConnection`, which stays on the event loop.
enum PoolWaitProbe {
    /// One sample of every pool: the default (primary) database's on each event loop, and the replica's while it is used.
    static func sample(_ app: Application) async {
        var targets: [(DatabaseID?, String)] = [(nil, "primary")]
        if let replica = app.readReplica, replica.isUp { targets.append((.psqlRead, "replica")) }
        for loop in app.eventLoopGroup.makeIterator() {
            for (id, label) in targets {
                guard let db = app.databases.database(id, logger: app.logger, on: loop) else { continue }
                // A replica that fails here is the replica monitor's to notice; no sample is recorded.
                if let wait = try? await waitForConnection(db, on: loop).get() {
                    app.metrics.poolWaited(wait, database: label)
                }
            }
        }
    }

    /// Asks `db`'s pool on `loop` for a connection and gives it back, answering how long the pool took to hand it over.
    static func waitForConnection(_ db: any Database, on loop: any EventLoop) -> EventLoopFuture<Duration> {
        loop.flatSubmit {
            let start = ContinuousClock.now
            return withPooledConnection(db, on: loop) { loop.makeSucceededFuture(ContinuousClock.now - start) }
        }
    }

    /// Runs `body` while holding one connection of `db`'s pool on `loop`, taken through the engine's own
    /// `withConnection` (Fluent's goes through a task on SQLite).
    static func withPooledConnection<T: Sendable>(_ db: any Database, on loop: any EventLoop,
                                                  _ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if let sqlite = db as? any SQLiteDatabase {
            return sqlite.withConnection { _ in body() }
        }
        if let postgres = db as? any PostgresDatabase {
            return postgres.withConnection { _ in body() }
        }
        return loop.makeFailedFuture(Abort(.internalServerError, reason: "no pool to sample"))
    }
}
