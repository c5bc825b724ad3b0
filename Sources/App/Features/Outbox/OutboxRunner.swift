import Foundation
import NIOConcurrencyHelpers
import Vapor

extension Application {
    private struct ZaloGateKey: StorageKey {
        typealias Value = ZaloRefreshGate
    }

    /// The Zalo client for the provinces configured, one refresh gate per process; nil when no province has an OA.
    var zaloClient: ZaloClient? {
        guard let settings = lantoaConfig.zalo else { return nil }
        let gate = storage[ZaloGateKey.self] ?? {
            let gate = ZaloRefreshGate()
            storage[ZaloGateKey.self] = gate
            return gate
        }()
        let now = clock.now
        return ZaloClient(settings: settings, tokens: ZaloTokenStore(db: db, protector: protector, now: now), gate: gate,
                          http: http.client.shared, logger: logger, now: now)
    }

    /// The outbox's delivery worker with this process's configuration.
    func outboxWorker(_ tune: (inout OutboxWorker.Options) -> Void = { _ in }) -> OutboxWorker {
        var options = OutboxWorker.Options()
        options.lease = lantoaConfig.outboxLease
        tune(&options)
        return OutboxWorker(db: db, client: zaloClient, clock: clock, logger: logger, options: options)
    }
}

/// Runs the outbox's delivery worker while the server runs; it stops at shutdown between messages' writes.
final class OutboxWorkerLifecycle: LifecycleHandler, Sendable {
    static let name = "Outbox delivery to Zalo"
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBoot(_ application: Application) throws {
        let worker = application.outboxWorker()
        task.withLockedValue { $0 = Task { await worker.run() } }
    }

    func shutdown(_ application: Application) {
        task.withLockedValue { $0?.cancel() }
    }
}

/// `lantoa outbox work`: the outbox's delivery worker on its own, until SIGTERM or SIGINT (set
/// `LANTOA_OUTBOX_WORKER=separate` on the server then, so that one process refreshes the provinces' Zalo tokens).
struct OutboxCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "work")
        var action: String
    }

    var help: String { "The outbox: `work` delivers its messages to Zalo until stopped." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "work" else {
            context.console.error("Unknown action \(signature.action): the only one is `work`.")
            throw CommandFailed()
        }
        let app = context.application
        guard app.lantoaConfig.zalo != nil else {
            context.console.error("LANTOA_ZALO_CONFIG is not set: no province has a Zalo OA, there is nothing to deliver.")
            throw CommandFailed()
        }
        let worker = app.outboxWorker()
        let running = Task { await worker.run() }
        let signals = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { running.cancel() }
            source.resume()
            return source
        }
        context.console.info("Delivering the outbox to Zalo (\(app.lantoaConfig.zalo!)); stop with Ctrl-C.")
        await running.value
        signals.forEach { $0.cancel() }
    }
}
