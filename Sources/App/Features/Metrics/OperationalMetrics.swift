import Foundation
import Metrics
import NIOConcurrencyHelpers
import Prometheus
import SQLKit
import Vapor

/// Operational metrics (số liệu vận hành) for the engineers who run Lan Tỏa, in the Prometheus text format at
/// `/metrics` (docs/operations.md).
///
/// Two registries are read together:
/// - the process's: what swift-metrics records, which is Vapor's `http_requests_total`, `http_request_errors_total` and
///   `http_request_duration_seconds` by method, route pattern (`/api/v1/teams/:id`, never a raw path) and status;
///   bootstrapped once per process (a test run starts many applications);
/// - the application's own (`AppMetrics`): sync items by kind and status, the waits for a database connection
///   (sampled), the waits given up and busy answers, the outbox's depth by status, the database connections
///   configured, and with a read replica the reads of the read-only routes by the database that answered, the
///   fall-backs to the primary, and the replica's state and lag.
enum OperationalMetrics {
    static let processRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // From a hamlet's dashboard (a few ms) to a sync that waited for its hamlet's lock (seconds).
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Bootstraps swift-metrics for the process, once, before the first request is counted.
    static func bootstrap() { _ = processRegistry }
}

/// One application's own metrics.
final class AppMetrics: Sendable {
    static let afterShutdown = AppMetrics()
    let registry = PrometheusCollectorRegistry()
    private let outboxStatuses = NIOLockedValueBox<Set<String>>([])

    // Computed: the descriptor type is not Sendable.
    static var syncItems: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", metricName: "sync_items", unitName: "total", helpText: "Items received by sync, by kind and status.")
    }
    static var poolTimeouts: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", subsystem: "db", metricName: "pool_timeouts", unitName: "total",
                             helpText: "Requests that got no database connection in time (answered 503).")
    }
    static var poolWait: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", subsystem: "db", metricName: "pool_wait", unitName: "seconds",
                             helpText: "Time a request would wait for a pooled database connection, sampled on each event loop a second after the last sample, by database.")
    }
    static var busy: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", subsystem: "db", metricName: "busy", unitName: "total",
                             helpText: "Requests answered 503 because SQLite was busy.")
    }
    static var outbox: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", metricName: "outbox", unitName: "messages", helpText: "Messages in the outbox, by status.")
    }
    static var connections: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", subsystem: "db", metricName: "connections", unitName: "configured",
                             helpText: "PostgreSQL connections the server may hold open.")
    }

    static var reads: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", subsystem: "db", metricName: "routed_reads", unitName: "total",
                             helpText: "Requests of the read-only routes (dashboards, rankings, exports, sweep lists) by the database that answered them.")
    }
    static var fallbacks: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", subsystem: "db", metricName: "replica_fallbacks", unitName: "total",
                             helpText: "Reads that failed on the read replica and were answered from the primary.")
    }
    static var replicaUp: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", subsystem: "db", metricName: "replica_up", unitName: "",
                             helpText: "Whether the read replica answers and is used (1) or not (0).")
    }
    static var replicaLagSeconds: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", subsystem: "db", metricName: "replica_lag", unitName: "seconds",
                             helpText: "Time since the last transaction the replica replayed, while it has more to replay; 0 when caught up.")
    }
    static var replicaLagBytes: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lantoa", subsystem: "db", metricName: "replica_lag", unitName: "bytes",
                             helpText: "WAL the primary has written that the replica has not replayed.")
    }

    /// A request of a read-only route, by the database that answered it.
    func routedRead(to target: ReadReplica.Target) {
        registry.makeCounter(descriptor: Self.reads, labels: [("database", target == .replica ? "replica" : "primary")]).increment()
    }

    /// A read that failed on the replica and was answered from the primary.
    func replicaFellBack() { registry.makeCounter(descriptor: Self.fallbacks).increment() }

    /// Counts a sync batch's items by kind (household, resident, activity) and status (created, duplicate, rejected).
    func synced(_ results: [SyncItemResult]) {
        for (key, items) in Dictionary(grouping: results, by: { [$0.kind, $0.status] }) {
            registry.makeCounter(descriptor: Self.syncItems, labels: [("kind", key[0]), ("status", key[1])]).increment(by: Int64(items.count))
        }
    }

    /// A request that found no database connection within the pool's timeout (answered 503 with Retry-After).
    func poolTimedOut() { registry.makeCounter(descriptor: Self.poolTimeouts).increment() }

    /// One sample of how long a pool took to hand over a connection (`PoolWaitProbe`), by database (`primary`, `replica`).
    func poolWaited(_ wait: Duration, database: String) {
        registry.makeDurationHistogram(descriptor: Self.poolWait, labels: [("database", database)], buckets: [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]).record(wait)
    }

    /// A SQLite transaction told to come back because another one held the write lock (answered 503 with Retry-After).
    func databaseBusy() { registry.makeCounter(descriptor: Self.busy).increment() }

    /// The figures read at each scrape, then everything in the text format.
    func scrape(_ app: Application) async throws -> String {
        let sql = app.db as! any SQLDatabase
        var depth: [String: Int] = [:]
        for row in try await sql.raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").all() {
            depth[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        // A status seen before and gone now reads 0, not its last count.
        let statuses = outboxStatuses.withLockedValue { known in known.formUnion(depth.keys); return known }
        for status in statuses {
            registry.makeGauge(descriptor: Self.outbox, labels: [("status", status)]).set(Double(depth[status] ?? 0))
        }
        if sql.engine == .postgres {
            registry.makeGauge(descriptor: Self.connections).set(Double(app.lantoaConfig.databaseConnections))
        }
        if let replica = app.readReplica {
            // Read afresh, so that a scrape never shows a figure older than itself.
            await replica.probe(app)
            let (replayed, lag) = replica.position
            registry.makeGauge(descriptor: Self.replicaUp).set(Double(replica.isUp ? 1 : 0))
            if replica.isUp, let written = try await ReadReplica.primaryPosition(app.db) {
                registry.makeGauge(descriptor: Self.replicaLagSeconds).set(lag)
                registry.makeGauge(descriptor: Self.replicaLagBytes).set(Double(written > replayed ? written - replayed : 0))
            } else {
                // No lag is known of a replica that does not answer: the series are left out rather than kept stale.
                registry.unregisterGauge(registry.makeGauge(descriptor: Self.replicaLagSeconds))
                registry.unregisterGauge(registry.makeGauge(descriptor: Self.replicaLagBytes))
            }
        }
        return OperationalMetrics.processRegistry.emitToString() + registry.emitToString()
    }
}

extension Application {
    private struct MetricsKey: StorageKey { typealias Value = AppMetrics }

    /// Set once in `configure`, before any request. A request still answering while the application shuts down (its
    /// storage cleared) counts into a registry nobody reads, instead of stopping the process.
    var metrics: AppMetrics {
        get { storage[MetricsKey.self] ?? AppMetrics.afterShutdown }
        set { storage[MetricsKey.self] = newValue }
    }
}
