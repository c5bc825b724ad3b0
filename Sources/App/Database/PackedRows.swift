import Fluent
import Foundation
import LanToaCore
import SQLKit

/// A packed result that does not split into the expected rows and fields.
enum PackedRowsError: Error {
    case malformed
}

extension SQLDatabase {
    /// `column` is one of `ids`, however many ids (thousands of communes). On PostgreSQL one bound array. On SQLite
    /// (which keeps UUIDs as upper-case text) a list of literals, printed here from the UUIDs, never text from a
    /// request: SQLite sorts the list once and walks it in the primary key's order, so a `GROUP BY` on the column
    /// needs no temporary index, which it did with the JSON array bound before (about a quarter of a province
    /// dashboard's time). Written into PostgreSQL's statement instead, the literal array cost more in parsing and
    /// planning than binding it.
    func among(_ column: String, _ ids: [UUID]) -> SQLQueryString {
        if engine == .postgres { return "\(ident: column) = ANY(\(bind: ids))" }
        return "\(ident: column) IN (\(unsafeRaw: ids.isEmpty ? "NULL" : ids.map { "'" + UUIDText.upper($0) + "'" }.joined(separator: ",")))"
    }

    /// The rows of `query`, whose columns are `columns`, as text. The database packs them into one value (fields
    /// separated by U+001F, rows by U+001E), which is split here: for thousands of small rows this is several
    /// times faster than decoding each row through the driver. Values holding either separator are refused.
    func packedRows(_ query: SQLQueryString, columns: [String]) async throws -> [[String]] {
        var rows: [[String]] = []
        try await forEachPackedRow(query, columns: columns) { row in rows.append((0..<columns.count).map { row.string($0) }) }
        return rows
    }

    /// `packedRows(_:columns:)` without copying each field: `body` reads the fields of each row where they lie.
    func forEachPackedRow(_ query: SQLQueryString, columns names: [String], _ body: (PackedRow) throws -> Void) async throws {
        let postgres = engine == .postgres
        let fields = names.map { "CAST(x.\($0) AS TEXT)" }.joined(separator: postgres ? " || chr(31) || " : " || char(31) || ")
        let aggregate = postgres ? "string_agg(\(fields), chr(30))" : "group_concat(\(fields), char(30))"
        let packed = try await raw("SELECT \(unsafeRaw: aggregate) AS packed FROM (" + query + ") AS x").first()?
            .decode(column: "packed", as: String?.self)
        guard var packed, !packed.isEmpty else { return }
        try packed.withUTF8 { bytes in
            var row = PackedRow(bytes: bytes, fields: [])
            row.fields.reserveCapacity(names.count)
            var start = 0
            for i in 0...bytes.count {
                let end = i == bytes.count
                guard end || bytes[i] == 0x1E || bytes[i] == 0x1F else { continue }
                row.fields.append(start..<i)
                start = i + 1
                if end || bytes[i] == 0x1E {
                    guard row.fields.count == names.count else { throw PackedRowsError.malformed }
                    try body(row)
                    row.fields.removeAll(keepingCapacity: true)
                }
            }
        }
    }
}

/// One row of packed text: its fields are read where they lie, during the call that hands it out.
struct PackedRow {
    let bytes: UnsafeBufferPointer<UInt8>
    var fields: [Range<Int>]

    func withBytes<T>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try body(UnsafeBufferPointer(rebasing: bytes[fields[i]]))
    }

    func string(_ i: Int) -> String { withBytes(i) { String(decoding: $0, as: UTF8.self) } }

    /// The integers of a field that lists them separated by commas, an empty item as nil.
    func forEachListed(_ i: Int, _ body: (Int64?) throws -> Void) throws {
        try withBytes(i) { bytes in
            var value: Int64 = 0, negative = false, any = false
            for position in 0...bytes.count {
                if position == bytes.count || bytes[position] == UInt8(ascii: ",") {
                    try body(any ? (negative ? -value : value) : nil)
                    value = 0; negative = false; any = false
                    continue
                }
                let c = bytes[position]
                if c == UInt8(ascii: "-"), !any, !negative { negative = true; continue }
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { throw PackedRowsError.malformed }
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(c - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw PackedRowsError.malformed }
                value = sum
                any = true
            }
        }
    }

    /// The integers of a field that is a JSON array of integers and nulls (`[3,null,-1]`), or that lists them
    /// separated by commas with an empty item for nil (`forEachListed`).
    func forEachValue(_ i: Int, _ body: (Int64?) throws -> Void) throws {
        let isArray = withBytes(i) { $0.first == UInt8(ascii: "[") }
        guard isArray else { return try forEachListed(i, body) }
        try withBytes(i) { bytes in
            guard bytes.count >= 2, bytes[bytes.count - 1] == UInt8(ascii: "]") else { throw PackedRowsError.malformed }
            var start = 1
            for position in 1..<bytes.count where bytes[position] == UInt8(ascii: ",") || position == bytes.count - 1 {
                let item = UnsafeBufferPointer(rebasing: bytes[start..<position])
                start = position + 1
                if item.elementsEqual("null".utf8) { try body(nil); continue }
                guard let value = Self.integer(item) else { throw PackedRowsError.malformed }
                try body(value)
            }
        }
    }

    /// A decimal integer, optionally negative, from its digits; nil for anything else.
    static func integer(_ digits: UnsafeBufferPointer<UInt8>) -> Int64? {
        var value: Int64 = 0, negative = false, any = false
        for (position, c) in digits.enumerated() {
            if position == 0, c == UInt8(ascii: "-") { negative = true; continue }
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
            any = true
        }
        return any ? (negative ? -value : value) : nil
    }

    func uuid(_ i: Int) -> UUID? { withBytes(i) { UUIDText.parse(utf8: $0) } }

    /// A decimal integer, optionally negative.
    func int(_ i: Int) -> Int? { withBytes(i) { Self.integer($0).flatMap { Int(exactly: $0) } } }
}
