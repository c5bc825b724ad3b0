import Foundation
import ZIPFoundation

/// Spreadsheets made to hurt a reader: each is a real ZIP archive, as an attacker would craft it.
enum HostileFiles {
    /// A workbook of the given parts (path → XML text), the minimum a reader opens.
    static func workbook(sheet: String, sharedStrings: String? = nil) throws -> Data {
        try workbook(sheetBytes: Data(sheet.utf8), sharedStrings: sharedStrings)
    }

    /// The same with the worksheet's raw bytes, valid UTF-8 or not.
    static func workbook(sheetBytes: Data, sharedStrings: String? = nil) throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws { try add(path, Data(text.utf8)) }
        func add(_ path: String, _ data: Data) throws {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("[Content_Types].xml", #"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#)
        if let sharedStrings { try add("xl/sharedStrings.xml", sharedStrings) }
        try add("xl/worksheets/sheet1.xml", sheetBytes)
        return archive.data!
    }

    /// A sheet whose rows are given as raw XML.
    static func sheet(_ rows: String) -> String {
        #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + rows + "</sheetData></worksheet>"
    }

    static func inline(_ reference: String, _ text: String) -> String {
        #"<c r="\#(reference)" t="inlineStr"><is><t>\#(text)</t></is></c>"#
    }

    /// The file from the report: about 1 KB, its only cell reference sixteen letters long.
    static func overflowingColumn() throws -> Data {
        try workbook(sheet: sheet(#"<row r="1">\#(inline("AAAAAAAAAAAAAAAA1", "x"))</row>"#))
    }

    /// A header row, then one filled row numbered 999,999,999,999.
    static func farRow() throws -> Data {
        try workbook(sheet: sheet(#"<row r="1">\#(inline("A1", "Họ và tên"))</row><row r="999999999999">\#(inline("A999999999999", "x"))</row>"#))
    }

    /// A worksheet that inflates to `megabytes` MiB of whitespace inside one cell, compressed about a thousandfold.
    static func zipBomb(megabytes: Int) throws -> Data {
        let archive = try Archive(accessMode: .create)
        let head = Data(sheet(#"<row r="1"><c r="A1" t="inlineStr"><is><t>"#).utf8)
        let tail = Data("</t></is></c></row></sheetData></worksheet>".utf8)
        let total = Int64(megabytes) << 20
        let padding = Int(total) - head.count - tail.count
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: total, compressionMethod: .deflate) { position, size in
            var chunk = Data(count: size)
            _ = chunk.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0x20) }
            let start = Int(position)
            // The head and the tail land where they belong; everything between is spaces.
            for (i, byte) in head.enumerated() where (start..<start + size).contains(i) { chunk[i - start] = byte }
            for (i, byte) in tail.enumerated() where (start..<start + size).contains(head.count + padding + i) {
                chunk[head.count + padding + i - start] = byte
            }
            return chunk
        }
        return archive.data!
    }

    /// Entity expansion ("billion laughs") in the shared strings.
    static func entityExpansion() throws -> Data {
        var entities = #"<!ENTITY l0 "lol">"#
        for i in 1...9 { entities += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">" }
        let shared = #"<?xml version="1.0"?><!DOCTYPE sst [\#(entities)]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&l9;</t></si></sst>"#
        return try workbook(sheet: sheet(#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#), sharedStrings: shared)
    }
}

extension HostileFiles {
    /// `zipBomb` whose headers claim the worksheet inflates to 1 KiB: only counting the bytes as they come stops it.
    static func lyingZipBomb(megabytes: Int) throws -> Data {
        var data = try zipBomb(megabytes: megabytes)
        func patch(_ offset: Int) {
            let small: [UInt8] = [0x00, 0x04, 0x00, 0x00]
            for i in 0..<4 { data[offset + i] = small[i] }
        }
        let bytes = [UInt8](data)
        for i in 0..<(bytes.count - 4) {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x03, bytes[i + 3] == 0x04 { patch(i + 22) }
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x01, bytes[i + 3] == 0x02 { patch(i + 24) }
        }
        return data
    }
}

extension HostileFiles {
    /// The inflated text of one part of a workbook.
    static func entry(_ path: String, of data: Data) throws -> String {
        let archive = try Archive(data: data, accessMode: .read)
        guard let entry = archive[path] else { return "" }
        var out = Data()
        _ = try archive.extract(entry) { out.append($0) }
        return String(decoding: out, as: UTF8.self)
    }
}
