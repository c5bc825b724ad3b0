import Foundation
import LanToaCore

/// What a report template holds, and the national defaults.
enum ReportTemplateDefinition {
    enum Reporter: String, Codable, Sendable, CaseIterable {
        case team
        case commune
        case province

        /// The tier of the unit whose accounts review: the one above.
        var reviewerTier: Tier? {
            switch self {
            case .team: .commune
            case .commune: .province
            case .province: nil
            }
        }
    }

    enum FirstPeriod: String, Codable, Sendable, CaseIterable {
        case whole
        case any
    }

    /// A field of a report: a figure read from the rollups (shown, not typed, read again at submission), a typed
    /// number (which may feed a manual indicator once approved), or free text.
    struct Field: Codable, Sendable, Equatable {
        enum Kind: String, Codable, Sendable { case figure, number, text }

        var code: String
        var kind: Kind
        var name: String
        var nameEn: String
        /// The indicator a figure is read from, or the manual indicator a number feeds once approved.
        var indicator: String?
        var required: Bool?
    }

    struct Content: Codable, Sendable, Equatable {
        var fields: [Field]
        var rules: [ReportRule]
    }

    /// The template codes of the national defaults.
    static let teamMonthly = "to_thang"
    static let communeMonthly = "xa_thang"
    static let provinceMonthly = "tinh_thang"

    static var sharedFields: [Field] {
        [
            Field(code: "supports_vneid", kind: .figure, name: "Lượt hỗ trợ kích hoạt VNeID mức 2", nameEn: "VNeID level 2 supports",
                  indicator: "vneid_level2.done"),
            Field(code: "supports_public_service", kind: .figure, name: "Lượt hỗ trợ tài khoản dịch vụ công",
                  nameEn: "Public-service account supports", indicator: "public_service_account.done"),
            Field(code: "supports_bank", kind: .figure, name: "Lượt hỗ trợ mở tài khoản ngân hàng", nameEn: "Bank account supports",
                  indicator: "bank_account.done"),
            Field(code: "households_visited", kind: .figure, name: "Số hộ đã được đến hỗ trợ", nameEn: "Households visited",
                  indicator: "households_visited"),
            Field(code: "residents", kind: .figure, name: "Số người dân đã ghi nhận", nameEn: "Residents recorded", indicator: "residents"),
        ]
    }

    static var textFields: [Field] {
        [
            Field(code: "results", kind: .text, name: "Kết quả nổi bật", nameEn: "Main results", required: true),
            Field(code: "difficulties", kind: .text, name: "Khó khăn, vướng mắc", nameEn: "Difficulties"),
            Field(code: "proposals", kind: .text, name: "Đề xuất, kiến nghị", nameEn: "Proposals"),
        ]
    }

    static var sharedRules: [ReportRule] {
        [ReportRule(code: "vneid_at_most_residents", kind: .atMost, left: "supports_vneid", right: "residents")]
    }

    /// The national monthly reports of teams, communes and provinces, in the order they are created.
    static var national: [(code: String, name: String, nameEn: String, reporter: Reporter, includes: String, content: Content)] {
        [
            (teamMonthly, "Báo cáo tháng của Tổ CNSCĐ", "Team's monthly report", .team, "",
             Content(fields: sharedFields + [
                Field(code: "products_online", kind: .number, name: "Số sản phẩm được đưa lên sàn thương mại điện tử",
                      nameEn: "Products listed online", indicator: "products_online", required: true),
                Field(code: "phones_donated", kind: .number, name: "Số điện thoại thông minh được trao tặng", nameEn: "Smartphones donated"),
                Field(code: "sessions_held", kind: .number, name: "Số buổi hướng dẫn tập trung", nameEn: "Group sessions held"),
             ] + textFields, rules: sharedRules + [ReportRule(code: "products_usual", kind: .usual, left: "products_online", k: 3)])),
            (communeMonthly, "Báo cáo tháng của UBND xã", "Commune's monthly report", .commune, teamMonthly,
             Content(fields: sharedFields + [
                Field(code: "trainings_held", kind: .number, name: "Số lớp tập huấn cho thành viên Tổ", nameEn: "Member trainings held",
                      required: true),
             ] + textFields, rules: sharedRules)),
            (provinceMonthly, "Báo cáo tháng của Sở KH&CN", "Province's monthly report", .province, communeMonthly,
             Content(fields: sharedFields + [
                Field(code: "trainings_held", kind: .number, name: "Số lớp tập huấn cho thành viên Tổ", nameEn: "Member trainings held",
                      required: true),
             ] + textFields, rules: sharedRules)),
        ]
    }
}

extension ReportTemplateDefinition {
    /// Completeness and timeliness of each national template, as indicators with targets like any other.
    static var nationalIndicators: [IndicatorRecord] {
        national.flatMap { t in
            [
                Indicators.make("\(t.code).complete", .reporting, "Tỷ lệ nộp đủ: \(t.name.lowercasedFirstLetter)",
                                "Completeness: \(t.nameEn)", figure: "complete.\(t.code)"),
                Indicators.make("\(t.code).on_time", .reporting, "Tỷ lệ nộp đúng hạn: \(t.name.lowercasedFirstLetter)",
                                "On time: \(t.nameEn)", figure: "on_time.\(t.code)"),
            ]
        }
    }
}

extension String {
    fileprivate var lowercasedFirstLetter: String { prefix(1).lowercased() + dropFirst() }
}
