import Foundation
import LanToaCore
import LanToaResources
import Leaf
import Vapor

/// The languages of the interface: Vietnamese first, English available.
enum Language: String, CaseIterable, Sendable {
    case vi
    case en
}

/// Every interface string, from one catalogue per language (`Resources/Localization/*.json`), with `{0}`, `{1}`
/// placeholders.
struct Catalogue: Sendable {
    let strings: [Language: [String: String]]

    static func load() throws -> Catalogue {
        var strings: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let url = URL(fileURLWithPath: LanToaResources.directory("Localization") + "\(language.rawValue).json")
            strings[language] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
        }
        return Catalogue(strings: strings)
    }

    /// The string for `key` in `language`, falling back to Vietnamese, then to the key itself (which a test forbids).
    func text(_ key: String, _ language: Language, _ args: [String] = []) -> String {
        var s = strings[language]?[key] ?? strings[.vi]?[key] ?? key
        for (i, arg) in args.enumerated() {
            s = s.replacingOccurrences(of: "{\(i)}", with: arg)
        }
        return s
    }
}

extension Catalogue {
    /// A composition finding in words (`finding.<code>.detail`).
    func describe(_ finding: CompositionFinding, _ language: Language) -> String {
        text("finding.\(finding.code).detail", language, finding.arguments)
    }

    /// An import problem in words (`import.problem.<key>`).
    func describe(_ problem: TeamImport.Problem, _ language: Language) -> ImportProblemResponse {
        ImportProblemResponse(row: problem.row, column: problem.column, message: text("import.problem.\(problem.key)", language, problem.args))
    }
}

extension Application {
    private struct CatalogueKey: StorageKey {
        typealias Value = Catalogue
    }

    var catalogue: Catalogue {
        get { storage[CatalogueKey.self]! }
        set { storage[CatalogueKey.self] = newValue }
    }
}

extension Request {
    /// The interface language: the `lang` cookie (the switch in the page header); on the API also `Accept-Language`;
    /// else Vietnamese, whatever the browser's own language.
    var language: Language {
        if let cookie = cookies["lang"]?.string, let l = Language(rawValue: cookie) { return l }
        if url.path.hasPrefix("/api/"), let accept = headers.first(name: .acceptLanguage)?.lowercased(), accept.hasPrefix("en") { return .en }
        return .vi
    }

    func t(_ key: String, _ args: String...) -> String {
        application.catalogue.text(key, language, args)
    }

    /// A chart's accessible description (`<desc>`) in the request's language.
    func chartSummary(_ summary: SVGChart.Summary) -> String {
        switch summary {
        case let .line(count, first, last, lastValue, highest, target, reached):
            var text = count == 1 ? t("chart.line_one", first, lastValue) : t("chart.line", String(count), first, last, lastValue, highest)
            if let target { text += " " + (reached.map { t("chart.line_reached", target, $0) } ?? t("chart.line_target", target)) }
            return text
        case let .bars(rows, highest, highestValue, reached, withTarget):
            var text = t("chart.bars", String(rows))
            if let highest, let highestValue { text += " " + t("chart.bars_highest", highest, highestValue) }
            if withTarget > 0 { text += " " + t("chart.bars_reached", String(reached), String(withTarget)) }
            return text
        case .empty:
            return t("chart.empty")
        }
    }

    /// A composition finding in the request's language.
    func describeFinding(_ finding: CompositionFinding) -> String {
        application.catalogue.describe(finding, language)
    }
}

/// `#t("key")` or `#t("key", arg…)`: a catalogue string in the request's language.
struct TranslateTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let key = ctx.parameters.first?.string else { throw "#t needs a key" }
        guard let request = ctx.request else { return .string(key) }
        // Whole numbers among the arguments are grouped as the language writes them (1.234.567 / 1,234,567).
        let separator: Character = request.language == .en ? "," : "."
        let args = ctx.parameters.dropFirst().map { p in
            p.celf == .int ? NumberFormatting.grouped(p.int!, separator: separator) : p.string ?? ""
        }
        return .string(request.application.catalogue.text(key, request.language, Array(args)))
    }
}

/// `#num(1234567)` → `1.234.567` (Vietnamese) or `1,234,567` (English).
struct NumberTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let value = ctx.parameters.first?.int else { return .string(ctx.parameters.first?.string ?? "") }
        let separator: Character = ctx.request?.language == .en ? "," : "."
        return .string(NumberFormatting.grouped(value, separator: separator))
    }
}

/// `#date("2025-07-01")` → `01/07/2025`.
struct DateTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let text = ctx.parameters.first?.string, let d = LocalDate(text) else { return .string(ctx.parameters.first?.string ?? "") }
        if d == .distantFuture || d == .distantPast { return .string("") }
        return .string(d.vietnamese)
    }
}
