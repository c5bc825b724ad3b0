import Vapor

/// The routes of the guides library (tài liệu hướng dẫn).
enum GuidesRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("guides", use: GuidesAPIController.list)
        r.authed.on(.POST, "guides", body: .collect(maxSize: "4mb"), use: GuidesAPIController.create)
        r.authed.get("guides", ":id", use: GuidesAPIController.show)
        r.authed.on(.PUT, "guides", ":id", body: .collect(maxSize: "4mb"), use: GuidesAPIController.update)
        r.authed.get("guides", "images", ":id", use: GuidesAPIController.image)
        r.pages.get("guides", use: GuidesController.index)
        r.pages.get("guides", "new", use: GuidesController.new)
        r.pages.on(.POST, "guides", body: .collect(maxSize: "12mb"), use: GuidesController.create)
        r.pages.get("guides", ":id", use: GuidesController.show)
        r.pages.get("guides", ":id", "edit", use: GuidesController.edit)
        r.pages.on(.POST, "guides", ":id", body: .collect(maxSize: "12mb"), use: GuidesController.update)
        r.pages.get("guides", "images", ":id", use: GuidesAPIController.image)
    }
}
