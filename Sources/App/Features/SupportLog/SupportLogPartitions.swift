import Fluent
import Foundation
import LanToaCore
import SQLKit
import Vapor

/// The support log on PostgreSQL, partitioned by month of the day the support was given (`happened_on`): one
/// partition per month (`support_activities_2026_12`), from the first day a support may have (January 2022) to a
/// year ahead, and a default partition for any day outside them. SQLite keeps one table. docs/postgresql.md, "Partitioning".
///
/// The primary key becomes (id, happened_on): PostgreSQL's unique indexes on a partitioned table must hold its key. A
/// phone's retry carries the same id and day, so it still meets the key, also when two retries race past the sync's
/// check for ids already received; an id sent again with another day is answered `duplicate` by that check, which
/// two such requests at the same instant could both pass.
enum SupportLogPartitions {
    static let table = SupportActivity.schema
    static let defaultPartition = "support_activities_default"
    /// Months created ahead of the current one, by the migration, the daily job and `lantoa partitions`.
    static let monthsAhead = 12

    /// A month's partition: `support_activities_2026_12` for "2026-12".
    static func name(month: String) -> String { "\(table)_" + month.replacingOccurrences(of: "-", with: "_") }

    /// Whether the support log is partitioned (PostgreSQL after migration 028).
    static func isPartitioned(_ sql: any SQLDatabase) async throws -> Bool {
        guard sql.engine == .postgres else { return false }
        return try await sql.raw("""
            SELECT 1 AS found FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
            WHERE c.relname = \(bind: table) AND c.relnamespace = current_schema()::regnamespace
            """).first() != nil
    }

    /// The months that have their own partition, oldest first ("2026-12").
    static func months(_ sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("""
            SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = \(bind: table)::regclass AND c.relname <> \(bind: defaultPartition) ORDER BY 1
            """).all().map { row in
            let name = try row.decode(column: "name", as: String.self)
            return String(name.dropFirst(table.count + 1)).replacingOccurrences(of: "_", with: "-")
        }
    }

    /// Rebuilds the support log as a partitioned table (or, `partitioned: false`, as one plain table again) in the
    /// caller's transaction, every row, index, foreign key and trigger kept.
    static func rebuild(partitioned: Bool, today: LocalDate, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let before = "\(table)_before"
        // What the table has besides its columns, read as DDL before it is renamed (the definitions name the table).
        let indexes = try await sql.raw("""
            SELECT c.relname AS name, pg_get_indexdef(x.indexrelid) AS def FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
            WHERE x.indrelid = \(bind: table)::regclass AND NOT x.indisprimary ORDER BY 1
            """).all().map { (try $0.decode(column: "name", as: String.self), try $0.decode(column: "def", as: String.self)) }
        let foreignKeys = try await sql.raw("""
            SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
            WHERE conrelid = \(bind: table)::regclass AND contype = 'f' ORDER BY 1
            """).all().map { (try $0.decode(column: "name", as: String.self), try $0.decode(column: "def", as: String.self)) }
        let triggers = try await sql.raw("""
            SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE tgrelid = \(bind: table)::regclass AND NOT tgisinternal ORDER BY tgname
            """).all().map { try $0.decode(column: "def", as: String.self) }

        for (name, _) in indexes { try await sql.raw("DROP INDEX \(ident: name)").run() }
        try await sql.raw("ALTER TABLE \(ident: table) RENAME TO \(ident: before)").run()
        try await sql.raw("ALTER TABLE \(ident: before) RENAME CONSTRAINT \(ident: table + "_pkey") TO \(ident: before + "_pkey")").run()
        if partitioned {
            // Days compare byte by byte, like unit paths, so that a partition's bounds and every query's range agree
            // under any server locale and PostgreSQL prunes the months a query does not reach.
            try await sql.raw("ALTER TABLE \(ident: before) ALTER COLUMN happened_on TYPE TEXT COLLATE \"C\"").run()
            try await sql.raw("""
                CREATE TABLE \(ident: table) (LIKE \(ident: before) INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE,
                PRIMARY KEY (id, happened_on)) PARTITION BY RANGE (happened_on)
                """).run()
            try await sql.raw("CREATE TABLE \(ident: defaultPartition) PARTITION OF \(ident: table) DEFAULT").run()
            // Every day a support may have, from the first (`SupportLogService.earliestSupport`, January 2022): records
            // kept on paper or in Excel are entered months late, and a month's days that reached the default
            // partition would keep its own from being created. Only a day outside them all goes to the default.
            let first = Month(SupportLogService.earliestSupport)
            for month in Month.range(from: first, to: Month(today).adding(months: monthsAhead)) {
                try await create(month, on: sql)
            }
        } else {
            try await sql.raw("""
                CREATE TABLE \(ident: table) (LIKE \(ident: before) INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE, PRIMARY KEY (id))
                """).run()
        }
        try await sql.raw("INSERT INTO \(ident: table) SELECT * FROM \(ident: before)").run()
        try await sql.raw("DROP TABLE \(ident: before)").run()
        for (_, definition) in indexes { try await sql.raw(SQLQueryString(plainIndex(definition))).run() }
        for (name, definition) in foreignKeys {
            try await sql.raw("ALTER TABLE \(ident: table) ADD CONSTRAINT \(ident: name) \(unsafeRaw: definition)").run()
        }
        for definition in triggers { try await sql.raw(SQLQueryString(definition)).run() }
    }

    /// An index's definition as `pg_get_indexdef` prints it, for creating it again: a partitioned table's index reads
    /// `ON ONLY`, which would leave its partitions without it.
    static func plainIndex(_ definition: String) -> String {
        definition.replacingOccurrences(of: " ON ONLY ", with: " ON ")
    }

    struct Extension: Sendable {
        /// Months whose partition was created now.
        var created: [String] = []
        /// Months left without their own partition because the default partition already holds days of them (its
        /// rows would have to move first: docs/postgresql.md).
        var blocked: [String] = []
    }

    /// Creates the partitions missing from the current month through `monthsAhead` months after it. Nothing on an
    /// unpartitioned support log.
    @discardableResult
    static func extend(today: LocalDate, on db: any Database) async throws -> Extension {
        let sql = db as! any SQLDatabase
        guard try await isPartitioned(sql) else { return Extension() }
        let existing = Set(try await months(sql))
        var result = Extension()
        for month in Month.range(from: Month(today), to: Month(today).adding(months: monthsAhead)) where !existing.contains(month.text) {
            if try await sql.raw("""
                SELECT 1 AS found FROM \(ident: defaultPartition) WHERE happened_on >= \(bind: month.firstDay) AND happened_on < \(bind: month.adding(months: 1).firstDay) LIMIT 1
                """).first() != nil {
                result.blocked.append(month.text)
            } else {
                try await create(month, on: sql)
                result.created.append(month.text)
            }
        }
        return result
    }

    /// The daily job and `lantoa partitions`: extends the partitions and says what it did. A server whose role may not
    /// create tables (`lantoa grant-app-role`) fails here with a log line; its owner runs `lantoa partitions` instead.
    @discardableResult
    static func keep(_ app: Application) async throws -> Extension {
        let result = try await extend(today: app.clock.today(), on: app.db)
        if !result.created.isEmpty {
            app.logger.notice("support log: partitions created for \(result.created.joined(separator: ", "))")
        }
        if !result.blocked.isEmpty {
            app.logger.warning(
                "support log: no partition for \(result.blocked.joined(separator: ", ")): the default partition holds days of it (docs/postgresql.md, \"Partitioning\")")
        }
        return result
    }

    private static func create(_ month: Month, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            CREATE TABLE \(ident: name(month: month.text)) PARTITION OF \(ident: table)
            FOR VALUES FROM (\(literal: month.firstDay)) TO (\(literal: month.adding(months: 1).firstDay))
            """).run()
    }

    /// A calendar month of the support log's days.
    struct Month: Comparable, Sendable {
        var year: Int
        var month: Int

        init(year: Int, month: Int) { (self.year, self.month) = (year, month) }

        init(_ day: LocalDate) { self.init(year: day.year, month: day.month) }

        /// The month of an ISO day ("2026-12-04"), nil for anything else.
        init?(day: String?) {
            guard let day, day.count >= 7, let year = Int(day.prefix(4)), let month = Int(day.dropFirst(5).prefix(2)),
                  (1...12).contains(month) else { return nil }
            self.init(year: year, month: month)
        }

        var text: String { String(format: "%04d-%02d", year, month) }
        var firstDay: String { text + "-01" }

        func adding(months: Int) -> Month {
            let index = year * 12 + (month - 1) + months
            return Month(year: index / 12, month: index % 12 + 1)
        }

        static func < (a: Month, b: Month) -> Bool { (a.year, a.month) < (b.year, b.month) }

        static func range(from first: Month, to last: Month) -> [Month] {
            var months: [Month] = []
            var month = first
            while month <= last { months.append(month); month = month.adding(months: 1) }
            return months
        }
    }
}
