import Vapor

/// Work the server does every so often while it runs, off any request: sealing the audit trail (every 5 s, so an
/// entry is tamper-evident within seconds of its commit without any request waiting for the chain) and purging
/// sessions that are over (every 10 minutes). A failed run is logged by the error's type and tried again next time.
final class PeriodicJob: LifecycleHandler, @unchecked Sendable {
    let name: String
    let interval: Duration
    let work: @Sendable (Application) async throws -> Void
    private var task: Task<Void, Never>?

    init(_ name: String, every interval: Duration, _ work: @escaping @Sendable (Application) async throws -> Void) {
        self.name = name
        self.interval = interval
        self.work = work
    }

    func didBoot(_ application: Application) throws {
        let (app, name, interval, work) = (application, name, interval, work)
        task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                do {
                    try await work(app)
                } catch {
                    app.logger.warning("\(name) failed; it is tried again", metadata: ["error": "\(type(of: error))"])
                }
            }
        }
    }

    func shutdown(_ application: Application) {
        task?.cancel()
    }
}
