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
        /// The methods of each path without parameters (`residents/lookup`), which a parameter route of another
        /// method (`residents/:id`) would otherwise answer as an unknown id.
        private var constant: [String: [String]] = [:]

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

        /// The methods of `path` when it is a registered path without parameters.
        func allowedIfConstant(_ path: String) -> [String]? {
            lock.withLock {
                if built == nil { built = makeRouter() }
                return constant[path.split(separator: "/").joined(separator: "/")]
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
                if entry.path.allSatisfy({ if case .constant = $0 { true } else { false } }) {
                    constant[entry.path.map(\.description).joined(separator: "/")] = list.sorted()
                }
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
        } catch where Self.isNotFound(error) {
            // `PATCH /residents/lookup` reached `PATCH /residents/:id` with the id "lookup": the path is known, the method is not.
            if let allowed = table.allowedIfConstant(request.url.path), !allowed.contains(request.method.rawValue) {
                throw Abort(.methodNotAllowed, headers: ["Allow": allowed.joined(separator: ", ")])
            }
            throw error
        }
    }

    private static func isNotFound(_ error: any Error) -> Bool {
        if let app = error as? AppError, case .notFound = app { return true }
        return (error as? any AbortError)?.status == .notFound
    }
}
