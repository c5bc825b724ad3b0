import AsyncHTTPClient
import Fluent
import Foundation
import LanToaCore
import SQLKit
import Vapor
import ZaloFake
@testable import App

// Outbox delivery: N deadline reminders waiting in the outbox for N leaders who linked Zalo are delivered through the
// fake Zalo server by the real `lantoa outbox work`, a process of its own whose resident memory is sampled as it
// works; the baseline sends the same N texts through the same Zalo client straight from this process, 8 at a time
// (the worker's parallelism), with no outbox: no lease, no marks, no records.
//
//   swift build -c release -Xswiftc -enable-testing --product OutboxDelivery --product lantoa --scratch-path .build-release
//   .build-release/release/OutboxDelivery [--messages 10000]

@main
enum OutboxDelivery {
    static func main() async throws {
        let count: Int = {
            var n = 10_000
            var arguments = CommandLine.arguments.dropFirst().makeIterator()
            while let argument = arguments.next() {
                if argument == "--messages", let value = Int(arguments.next() ?? "") { n = value }
            }
            return n
        }()
        let lantoa = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lantoa")
        guard FileManager.default.isExecutableFile(atPath: lantoa.path) else {
            print("Build the lantoa product beside this one first: \(lantoa.path)")
            exit(1)
        }

        func residentKiB(_ pid: Int32) -> Int {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }

        let fake = try await FakeZalo.start()
        let settingsJSON = """
            {"endpoints": {"oauth": "\(fake.baseURL)", "openAPI": "\(fake.baseURL)", "business": "\(fake.baseURL)"},
             "provinces": {"20": {"appId": "fake-app", "appSecret": "fake-app-secret", "oaId": "oa-20", "oaSecret": "oa-secret",
                                  "refreshToken": "first-refresh"}}}
            """
        let configFile = NSTemporaryDirectory() + "lantoa-bench-zalo-\(getpid()).json"
        try Data(settingsJSON.utf8).write(to: URL(fileURLWithPath: configFile))
        let databasePath = NSTemporaryDirectory() + "lantoa-bench-outbox-\(getpid()).sqlite"
        try? FileManager.default.removeItem(atPath: databasePath)

        var env = Environment.production
        env.arguments = ["bench"]
        let app = try await Application.make(env)
        app.logger.logLevel = .warning
        var config = AppConfig(storage: .sqlite(path: databasePath), today: LocalDate(year: 2026, month: 11, day: 22)!)
        config.periodicJobs = false
        config.zalo = try ZaloSettings.load(Data(settingsJSON.utf8))
        try await configure(app, config: config)
        app.logger.logLevel = .warning
        try await app.autoMigrate()

        // N links and N reminders, written in bulk before the clock starts.
        let sql = app.db as! any SQLDatabase
        let now = app.clock.now()
        for start in stride(from: 0, to: count, by: 500) {
            let range = start..<min(start + 500, count)
            var links: [[any SQLExpression]] = []
            var messages: [[any SQLExpression]] = []
            for i in range {
                let user = UUID()
                links.append([SQLBind(user), SQLBind("20"), SQLBind(true), SQLBind("bench-\(i)"), SQLBind(true)])
                let text = "Nhắc nộp báo cáo tháng 11/2026 của tổ trước ngày 03/12/2026 (tổ \(i))."
                messages.append([SQLBind(UUID()), SQLBind(now), SQLBind(user), SQLBind("/bench/"), SQLBind("report_reminder"), SQLBind("bench \(i)"),
                                 SQLBind(text), SQLBind("pending"), SQLBind(0)])
            }
            let linkInsert = sql.insert(into: "zalo_links").columns("user_id", "province", "enabled", "zalo_user_id", "followed")
            for row in links { linkInsert.values(row) }
            try await linkInsert.run()
            let messageInsert = sql.insert(into: "outbox")
                .columns("id", "created_at", "recipient_id", "unit_path", "kind", "dedupe_key", "message", "status", "attempts")
            for row in messages { messageInsert.values(row) }
            try await messageInsert.run()
        }

        let written = try await sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'").first()?.decode(column: "n", as: Int.self) ?? 0
        guard written == count else {
            print("only \(written) of \(count) reminders written")
            exit(1)
        }

        // The worker: the real command, in its own process.
        let worker = Process()
        worker.executableURL = lantoa
        worker.arguments = ["outbox", "work", "--dev"]
        worker.environment = ["DATABASE_URL": "sqlite://" + databasePath, "LANTOA_ZALO_CONFIG": configFile, "LANTOA_TODAY": "2026-11-22",
                              "PATH": "/usr/bin:/bin", "LOG_LEVEL": "warning"]
        worker.standardOutput = FileHandle.nullDevice
        let workerLog = NSTemporaryDirectory() + "lantoa-bench-worker-\(getpid()).log"
        _ = FileManager.default.createFile(atPath: workerLog, contents: nil)
        worker.standardError = FileHandle(forWritingAtPath: workerLog)
        let started = Date()
        try worker.run()
        var samples: [(sent: Int, kib: Int)] = []
        while fake.sent.count < count {
            samples.append((fake.sent.count, residentKiB(worker.processIdentifier)))
            try await Task.sleep(for: .milliseconds(250))
            if Date().timeIntervalSince(started) > 1800 || !worker.isRunning {
                print("the worker stopped or took over 30 minutes; its log: \(workerLog)")
                worker.terminate()
                exit(1)
            }
        }
        let workerSeconds = Date().timeIntervalSince(started)
        // Its records are written after each answer: wait for the last.
        while try await sql.raw("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'").first()?.decode(column: "n", as: Int.self) ?? 0 < count {
            try await Task.sleep(for: .milliseconds(100))
        }
        worker.terminate()
        worker.waitUntilExit()
        let delivered = fake.sent.count
        let distinct = Set(fake.sent.map(\.recipient)).count

        // The baseline: the same texts through the same client, 8 at a time, nothing recorded.
        let client = app.zaloClient!
        let baselineStart = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask { _ = try await client.sendText(province: "20", userID: "base-\(i)", text: "Nhắc nộp báo cáo tháng 11/2026 (tổ \(i)).") }
            }
            for _ in 0..<min(8, count) { add() }
            while try await group.next() != nil { if next < count { add() } }
        }
        let baselineSeconds = Date().timeIntervalSince(baselineStart)

        let recorded = samples
        func at(_ fraction: Double) -> Int {
            recorded.first { Double($0.sent) >= fraction * Double(count) }?.kib ?? recorded.last?.kib ?? 0
        }
        print(String(format: "Outbox delivery: %d reminders, %d delivered to %d recipients (none twice: %@)", count, delivered, distinct,
                     delivered == distinct ? "yes" : "NO"))
        print(String(format: "worker: %.1f s (%.0f messages/s) · baseline client alone: %.1f s (%.0f messages/s) · ratio %.2f",
                     workerSeconds, Double(count) / workerSeconds, baselineSeconds, Double(count) / baselineSeconds, baselineSeconds / workerSeconds))
        print("worker resident memory (MiB) at 10 % / 50 % / 90 % sent, and the peak:",
              [0.1, 0.5, 0.9].map { String(format: "%.1f", Double(at($0)) / 1024) }.joined(separator: " / "),
              String(format: "/ %.1f", Double(samples.map(\.kib).max() ?? 0) / 1024))
        try await app.asyncShutdown()
        try await fake.stop()
        try? FileManager.default.removeItem(atPath: configFile)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
    }
}
