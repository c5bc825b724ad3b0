import Foundation
import Testing

/// Holds every `/api/v1` response the suite receives to the OpenAPI document (`Resources/Data/openapi.json`): the
/// status must be documented for the operation, and a JSON body must match the documented schema. `TestApp.send`
/// calls it for each reply, so a test that sees an undocumented answer fails where it saw it.
///
/// The validator covers the part of JSON Schema the document uses: `$ref`, `type` (with `null`), `properties`,
/// `required`, `additionalProperties`, `items`, `enum`, `const`, `minimum`/`maximum`, `minLength`/`maxLength`,
/// `minItems`/`maxItems`, `pattern`, `format` (`uuid`, `date`, `date-time`), `oneOf`, `anyOf`, `allOf`.
enum ContractCheck {
    nonisolated(unsafe) static let document: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Resources/Data/openapi.json")
        guard let data = try? Data(contentsOf: url), let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            fatalError("openapi.json not readable at \(url.path)")
        }
        return json
    }()

    /// Paths of the document as patterns, constant paths first (`/residents/lookup` before `/residents/{id}`).
    static let templates: [(template: String, parts: [String])] = {
        let paths = (document["paths"] as? [String: Any] ?? [:]).keys
        return paths.map { ($0, $0.split(separator: "/").map(String.init)) }
            .sorted { a, b in
                let pa = a.parts.filter { $0.hasPrefix("{") }.count, pb = b.parts.filter { $0.hasPrefix("{") }.count
                return pa != pb ? pa < pb : a.template < b.template
            }
    }()

    static func template(for path: String) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        return templates.first { t in
            t.parts.count == parts.count && zip(t.parts, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }?.template
    }

    /// The problems with one reply; empty when it matches the document.
    static func problems(method: String, path fullPath: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard fullPath.hasPrefix("/api/v1/") else { return [] }
        let path = String(fullPath.dropFirst("/api/v1".count).prefix { $0 != "?" })
        // 405 is answered for any known path and another method (documented once in docs/api.md); 401 before routing.
        if status == 405 { return [] }
        guard let template = template(for: path),
              let item = (document["paths"] as? [String: Any])?[template] as? [String: Any] else {
            return status == 404 ? [] : ["\(method) \(path): no such path in the document"]
        }
        guard let operation = item[method.lowercased()] as? [String: Any] else {
            return ["\(method) \(template): no such operation in the document"]
        }
        let responses = operation["responses"] as? [String: Any] ?? [:]
        guard let response = (responses[String(status)] ?? responses["\(status / 100)XX"] ?? responses["default"]) as? [String: Any] else {
            return ["\(method) \(template): status \(status) is not documented (\(responses.keys.sorted().joined(separator: ", ")))"]
        }
        let resolvedResponse = resolve(response)
        guard let content = resolvedResponse["content"] as? [String: Any], !content.isEmpty else { return [] }
        let type = (contentType ?? "").split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = (content[type] ?? (type.hasSuffix("json") ? content.first { $0.key.hasSuffix("json") }?.value : nil)) as? [String: Any] else {
            return ["\(method) \(template) \(status): content type \(type) is not documented (\(content.keys.sorted().joined(separator: ", ")))"]
        }
        guard type.hasSuffix("json"), let schema = media["schema"] as? [String: Any] else { return [] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            return ["\(method) \(template) \(status): the body is not JSON"]
        }
        var found: [String] = []
        validate(value, schema, at: "$", into: &found)
        return found.prefix(5).map { "\(method) \(template) \(status): \($0)" }
    }

    static func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String, ref.hasPrefix("#/") else { return schema }
        var node: Any = document
        for part in ref.dropFirst(2).split(separator: "/") {
            node = (node as? [String: Any])?[String(part)] as Any
        }
        return resolve(node as? [String: Any] ?? [:])
    }

    /// A JSON value as decoded (numbers keep whether they were written as integers, booleans stay booleans).
    indirect enum JSONValue: Decodable, CustomStringConvertible {
        case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            // The commonest first: each type tried in vain is an error thrown, and the test library records a
            // backtrace for each.
            if c.decodeNil() { self = .null }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let i = try? c.decode(Int64.self) { self = .integer(i) }
            else if let o = try? c.decode([String: JSONValue].self) { self = .object(o) }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else { self = .array(try c.decode([JSONValue].self)) }
        }

        var typeName: String {
            switch self {
            case .null: "null"
            case .bool: "boolean"
            case .integer: "integer"
            case .number(let d): d == d.rounded() ? "integer" : "number"
            case .string: "string"
            case .array: "array"
            case .object: "object"
            }
        }

        var description: String {
            switch self {
            case .null: "null"
            case .bool(let b): String(b)
            case .integer(let i): String(i)
            case .number(let d): String(d)
            case .string(let s): "\"\(s)\""
            case .array: "[…]"
            case .object: "{…}"
            }
        }

        /// Whether `other`, a value of the document (`enum`, `const`), is this value.
        func equals(_ other: Any) -> Bool {
            switch self {
            case .null: other is NSNull
            case .bool(let b): (other as? Bool) == b
            case .integer(let i): (other as? NSNumber)?.int64Value == i && !(other is Bool)
            case .number(let d): (other as? NSNumber)?.doubleValue == d
            case .string(let s): (other as? String) == s
            default: false
            }
        }
    }

    static func validate(_ value: JSONValue, _ raw: [String: Any], at path: String, into found: inout [String]) {
        let schema = resolve(raw)
        if let all = schema["allOf"] as? [[String: Any]] {
            for s in all { validate(value, s, at: path, into: &found) }
        }
        for key in ["oneOf", "anyOf"] {
            if let options = schema[key] as? [[String: Any]] {
                let matching = options.filter { option in
                    var sub: [String] = []
                    validate(value, option, at: path, into: &sub)
                    return sub.isEmpty
                }
                if key == "oneOf" ? matching.count != 1 : matching.isEmpty {
                    found.append("\(path): matches \(matching.count) of the \(key) schemas")
                }
            }
        }
        let actual = value.typeName
        if let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map({ [$0] }) {
            var allowed = Set(types)
            if schema["nullable"] as? Bool == true { allowed.insert("null") }
            if allowed.contains("number") { allowed.insert("integer") }
            guard allowed.contains(actual) else {
                found.append("\(path): \(actual) where \(types.joined(separator: "|")) is documented")
                return
            }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: value.equals) {
            found.append("\(path): \(value) is not one of \(options)")
        }
        if let constant = schema["const"], !value.equals(constant) {
            found.append("\(path): \(value) is not \(constant)")
        }
        switch value {
        case .string(let s):
            if let min = (schema["minLength"] as? NSNumber)?.intValue, s.count < min { found.append("\(path): shorter than \(min)") }
            if let max = (schema["maxLength"] as? NSNumber)?.intValue, s.count > max { found.append("\(path): longer than \(max)") }
            if let pattern = schema["pattern"] as? String, s.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(path): \"\(s)\" does not match \(pattern)")
            }
            switch schema["format"] as? String {
            case "uuid"?: if UUID(uuidString: s) == nil { found.append("\(path): \"\(s)\" is not a UUID") }
            case "date"?: if s.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil { found.append("\(path): \"\(s)\" is not a date") }
            case "date-time"?: if ISO8601DateFormatter().date(from: s) == nil, s.range(of: #"^\d{4}-\d{2}-\d{2}T"#, options: .regularExpression) == nil {
                found.append("\(path): \"\(s)\" is not a date-time")
            }
            default: break
            }
        case .integer, .number:
            let n: Double = if case .integer(let i) = value { Double(i) } else if case .number(let d) = value { d } else { 0 }
            if let min = (schema["minimum"] as? NSNumber)?.doubleValue, n < min { found.append("\(path): \(n) below \(min)") }
            if let max = (schema["maximum"] as? NSNumber)?.doubleValue, n > max { found.append("\(path): \(n) above \(max)") }
        case .array(let items):
            if let min = (schema["minItems"] as? NSNumber)?.intValue, items.count < min { found.append("\(path): fewer than \(min) items") }
            if let max = (schema["maxItems"] as? NSNumber)?.intValue, items.count > max { found.append("\(path): more than \(max) items") }
            if let itemSchema = schema["items"] as? [String: Any] {
                for (i, item) in items.enumerated() { validate(item, itemSchema, at: "\(path)[\(i)]", into: &found) }
            }
        case .object(let object):
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                found.append("\(path): required \(name) is missing")
            }
            for (name, item) in object {
                if let property = properties[name] as? [String: Any] {
                    validate(item, property, at: "\(path).\(name)", into: &found)
                } else if let extra = schema["additionalProperties"] {
                    if let allowed = extra as? Bool, !allowed { found.append("\(path): \(name) is not documented") }
                    if let extraSchema = extra as? [String: Any] { validate(item, extraSchema, at: "\(path).\(name)", into: &found) }
                }
            }
        default:
            break
        }
    }

    /// Records each problem of a reply as an issue of the running test.
    static func check(method: String, path: String, status: Int, contentType: String?, body: Data) {
        for problem in problems(method: method, path: path, status: status, contentType: contentType, body: body) {
            Issue.record("Contract: \(problem)")
        }
    }
}
