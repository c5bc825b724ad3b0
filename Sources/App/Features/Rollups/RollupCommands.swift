import Fluent
import LanToaCore
import SQLKit
import Vapor

/// `lantoa rollups rebuild`: recomputes every figure from the raw rows.
struct RollupsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "rebuild")
        var action: String
        @Option(name: "batch-weight", help: "supports and residents read per batch (default 250000; 0: the whole country at once, which needs the most memory)")
        var batchWeight: Int?
    }

    var help: String { "Rollups: `rebuild` recomputes every dashboard figure from the raw rows, in one transaction." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "rebuild" else {
            context.console.error("Unknown action \(signature.action): the only one is `rebuild`.")
            throw CommandFailed()
        }
        guard (signature.batchWeight ?? 0) >= 0 else {
            context.console.error("--batch-weight is 0 (one batch) or more.")
            throw CommandFailed()
        }
        let started = Date()
        var builder = RollupBuilder(db: context.application.db, progress: { context.console.info("  \($0)") })
        if let weight = signature.batchWeight { builder.weightPerBatch = weight == 0 ? Int.max : weight }
        try await builder.rebuild()
        let rows = try await (context.application.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM rollups").first(decodingColumn: "n", as: Int.self) ?? 0
        context.console.success("Rebuilt \(rows) rollup rows (a unit and period each) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s.")
    }
}

/// `lantoa synth --scale national|province`: synthetic data for benchmarks, reproducible from a seed.
struct SynthCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "scale", help: "national (every commune) or province (one province at real size)")
        var scale: String?
        @Option(name: "province", help: "the province for --scale province (code, default 20 Lạng Sơn)")
        var province: String?
        @Option(name: "seed", help: "the random seed (default 2026)")
        var seed: UInt64?
        @Option(name: "activities", help: "support activities in all (default 20,000,000 national, 500,000 province)")
        var activities: Int?
        @Option(name: "residents-per-hamlet", help: "residents per hamlet (default 50)")
        var residentsPerHamlet: Int?
        @Option(name: "hamlets-per-commune", help: "hamlets per commune on average (default 30)")
        var hamletsPerCommune: Int?
    }

    var help: String { "Builds synthetic hamlets, teams, members, residents and supports on the real unit structure (a new database)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let scale = signature.scale ?? "national"
        guard scale == "national" || scale == "province" else {
            context.console.error("--scale is national or province.")
            throw CommandFailed()
        }
        try await app.autoMigrate()
        var options = SyntheticData.Options(today: app.clock.today())
        options.provinceCodes = scale == "province" ? [signature.province ?? "20"] : []
        options.seed = signature.seed ?? 2026
        options.activities = signature.activities ?? (scale == "national" ? 20_000_000 : 500_000)
        options.residentsPerHamlet = signature.residentsPerHamlet ?? 50
        options.hamletsPerCommune = signature.hamletsPerCommune ?? 30
        guard options.residentsPerHamlet > 0, options.hamletsPerCommune > 0, options.activities >= 0 else {
            context.console.error("--residents-per-hamlet and --hamlets-per-commune are at least 1, --activities at least 0.")
            throw CommandFailed()
        }
        let bar = context.console.progressBar(title: "Synthetic \(scale) data")
        let box = ProgressBox(bar: bar)
        let started = Date()
        var stage = started
        // Each stage's time, and its memory handed back before the next (`BatchMemory`).
        func ended(_ name: String) {
            context.console.info("  \(name): \(String(format: "%.1f", Date().timeIntervalSince(stage))) s")
            stage = Date()
            BatchMemory.release()
        }
        let counts: SyntheticData.Counts
        do {
            counts = try await SyntheticData(db: app.db, options: options, progress: { _, done, total in box.update(done, total) }).run()
            box.finish(success: true)
        } catch let error as SynthError {
            box.finish(success: false)
            context.console.error(error.description)
            throw CommandFailed()
        }
        ended("raw rows and their indexes")
        context.console.info("Writing the periodic reports of the ended months…")
        let reports = try await SyntheticReports(db: app.db, seed: options.seed, today: options.today).run()
        ended("reports")
        context.console.info("Computing the rollups…")
        try await RollupBuilder(db: app.db, progress: { context.console.info("  \($0)") }).rebuild()
        ended("rollups")
        // PostgreSQL plans from statistics, which a bulk load leaves unset until autovacuum comes round: the first
        // measurements after `synth` would be of plans made blind. SQLite reads the rollups by their primary key and
        // is left as it is.
        let sql = app.db as! any SQLDatabase
        if sql.engine == .postgres {
            context.console.info("Updating PostgreSQL's statistics (VACUUM ANALYZE)…")
            try await sql.raw("VACUUM ANALYZE").run()
            ended("statistics")
        }
        context.console.success("""
            \(counts.hamlets) hamlets, \(counts.teams) teams, \(counts.members) members, \(counts.households) households, \
            \(counts.residents) residents, \(counts.activities) support activities, \(reports.reports) reports over \(reports.periods) periods in \(Int(Date().timeIntervalSince(started))) s.
            """)
    }
}
