import NIOConcurrencyHelpers
import Vapor

/// A known path asked with a method it does not serve answers 405 with `Allow` (RFC 9110 §15.5.6), not 404: the
/// router only says that no route matched, so the paths of every registered route are looked up here, once, lazily.
struct MethodNotAllowedMiddleware: AsyncMiddleware {
    /// Every registered path with the methods it serves, built at the first miss (routes are all registered by then).
    /// The router is only touched under the lock (a miss is rare: a wrong method or an unknown path).
    final class Table: @unchecked Sendable {
        private let routes: Routes
        private let lock = NIOLock()
        private var built: TrieRouter<[String]>?

        init(routes: Routes) {
            self.routes = routes
        }

        func allowed(_ path: String) -> [String] {
            lock.withLock {
                let router = built ?? makeRouter()
                built = router
                var parameters = Parameters()
                return router.route(path: path.split(separator: "/").map(String.init), parameters: &parameters) ?? []
            }
        }

        private func makeRouter() -> TrieRouter<[String]> {
            var methods: [String: (path: [PathComponent], methods: Set<String>)] = [:]
            for route in routes.all {
                let key = route.path.map(\.description).joined(separator: "/")
                methods[key, default: (route.path, [])].methods.insert(route.method.rawValue)
            }
            let router = TrieRouter<[String]>()
            for (_, entry) in methods where !entry.path.isEmpty {   // `/` itself: the router cannot hold it, and it serves GET only
                var list = entry.methods
                if list.contains("GET") { list.insert("HEAD") }
                router.register(list.sorted(), at: entry.path)
            }
            return router
        }
    }

    let table: Table

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch is RouteNotFound {
            let allowed = table.allowed(request.url.path)
            guard !allowed.isEmpty else { throw Abort(.notFound) }
            throw Abort(.methodNotAllowed, headers: ["Allow": allowed.joined(separator: ", ")])
        }
    }
}
