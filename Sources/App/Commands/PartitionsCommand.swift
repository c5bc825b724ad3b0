import Fluent
import SQLKit
import Vapor

/// `lantoa partitions`: on PostgreSQL, creates the support log's monthly partitions for the year ahead
/// (`SupportLogPartitions`). The server does it once a day itself; a server whose role has no DDL
/// (`lantoa grant-app-role`) cannot, and the owner runs this instead, at least once a year.
struct PartitionsCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "PostgreSQL: creates the support log's partitions for the months ahead (run by the owner)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard case .postgres = app.lantoaConfig.storage else {
            context.console.error("The support log is partitioned on PostgreSQL only: SQLite keeps one table.")
            throw CommandFailed()
        }
        let result = try await SupportLogPartitions.keep(app)
        let months = try await SupportLogPartitions.months(app.db as! any SQLDatabase)
        context.console.success("""
            The support log has \(months.count) monthly partitions, \(months.first ?? "–") to \(months.last ?? "–")\
            \(result.created.isEmpty ? "" : "; created now: " + result.created.joined(separator: ", ")).
            """)
        if !result.blocked.isEmpty { throw CommandFailed() }
    }
}
