import NIOConcurrencyHelpers
import Vapor

/// Counts the requests whose handlers are still running, and holds the shutdown until they are over. The server's own
/// quiescing waits for open connections only: a client that hangs up mid-request (a phone losing its network, a browser
/// closed during a sync) closes its connection while the handler goes on, and that handler must not find the
/// databases gone. Lifecycle handlers shut down before the application's storage (its databases), so waiting here is
/// enough; it gives up after `limit`.
final class InFlightRequests: AsyncMiddleware, LifecycleHandler, Sendable {
    private let running = NIOLockedValueBox(0)
    let limit: Duration

    init(limit: Duration = .seconds(60)) {
        self.limit = limit
    }

    var count: Int { running.withLockedValue { $0 } }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        running.withLockedValue { $0 += 1 }
        defer { running.withLockedValue { $0 -= 1 } }
        return try await next.respond(to: request)
    }

    func shutdownAsync(_ application: Application) async {
        let deadline = ContinuousClock.now + limit
        while count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if count > 0 { application.logger.warning("Shutting down with requests still running", metadata: ["requests": "\(count)"]) }
    }
}
