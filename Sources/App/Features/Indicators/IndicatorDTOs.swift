import Foundation
import LanToaCore
import Vapor

/// An indicator (chỉ số) as the API answers it.
struct IndicatorResponse: Content {
    var code: String
    var kind: IndicatorKind
    var name: String
    var nameEn: String
    var service: String?
    var figure: String?
    /// The province whose own indicator this is; nil for national ones.
    var province: String?
}

struct CreateIndicatorRequest: Content {
    var code: String?
    var kind: String?
    var name: String?
    var nameEn: String?
    var service: String?
    var province: String?
}

struct ReportValueRequest: Content {
    var unit: String?
    var indicator: String?
    var on: String?
    var value: Int64?
}
