import Vapor

/// The routes of difficulties (vướng mắc) and the FAQ.
enum DifficultiesRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.on(.POST, "difficulties", body: .collect(maxSize: "2mb"), use: DifficultiesAPIController.raise)
        r.authed.get("difficulties", use: DifficultiesAPIController.list)
        r.authed.get("difficulties", "mine", use: DifficultiesAPIController.mine)
        r.authed.get("difficulties", ":id", use: DifficultiesAPIController.show)
        r.authed.get("difficulties", ":id", "photo", use: DifficultiesAPIController.photo)
        r.authed.post("difficulties", ":id", "answer", use: DifficultiesAPIController.answer)
        r.authed.post("difficulties", ":id", "forward", use: DifficultiesAPIController.forward)
        r.authed.post("difficulties", ":id", "solve", use: DifficultiesAPIController.solve)
        r.authed.post("difficulties", ":id", "reopen", use: DifficultiesAPIController.reopen)
        r.authed.post("difficulties", ":id", "promote", use: DifficultiesAPIController.promote)
        r.authed.get("faq", use: DifficultiesAPIController.faq)
        r.pages.get("difficulties", use: DifficultiesController.index)
        r.pages.on(.POST, "difficulties", body: .collect(maxSize: "2mb"), use: DifficultiesController.raise)
        r.pages.get("difficulties", ":id", use: DifficultiesController.show)
        r.pages.get("difficulties", ":id", "photo", use: DifficultiesAPIController.photo)
        r.pages.post("difficulties", ":id", use: DifficultiesController.act)
        r.pages.get("faq", use: DifficultiesController.faq)
    }
}
