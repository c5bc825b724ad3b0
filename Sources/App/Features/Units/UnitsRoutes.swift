import Vapor

/// The routes of administrative units (đơn vị hành chính): the dated hierarchy, lineage, hamlets.
enum UnitsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("units", use: UnitsAPIController.index)
        r.authed.post("units", use: UnitsAPIController.create)
        r.authed.get("units", ":code", use: UnitsAPIController.show)
        r.authed.get("units", ":code", "lineage", use: UnitsAPIController.lineage)
        r.authed.put("units", ":code", "former-commune", use: UnitsAPIController.setFormerCommune)
        r.pages.get("units", use: UnitsController.index)
        r.pages.get("units", ":code", use: UnitsController.show)
        r.pages.post("units", ":code", "hamlets", use: UnitsController.createHamlet)
        r.pages.post("units", ":code", "composition-policy", use: UnitsController.updatePolicy)
        r.pages.post("units", ":code", "former-commune", use: UnitsController.setFormerCommune)
    }
}
