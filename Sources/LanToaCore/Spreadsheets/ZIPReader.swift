import CLanToaZlib
import Foundation

/// Reads the entries of a ZIP archive held in memory (an uploaded `.xlsx`), written for hostile input: every offset
/// and length is checked against the archive before it is used, inflating stops at a byte budget, a stream that ends
/// early or makes no progress is an error rather than a loop, and each entry's CRC-32 is checked. ZIP64 and
/// encryption, which no spreadsheet upload needs, are refused.
///
/// (ZIPFoundation, which writes the workbooks, traps on some malformed archives and loops on a truncated deflate
/// stream when reading them; uploads are therefore read here.)
public struct ZIPReader: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        case malformed(String)
        case unsupported(String)
        /// Inflating would pass the budget (bytes).
        case tooLarge(Int)
    }

    public struct Entry: Sendable, Equatable {
        public var path: String
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: Int
        public var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    private let data: [UInt8]
    public let entries: [Entry]

    public init(_ archive: Data) throws(Failure) {
        let bytes = [UInt8](archive)
        self.data = bytes
        self.entries = try Self.readDirectory(bytes)
    }

    public subscript(path: String) -> Entry? { entries.first { $0.path == path } }

    // MARK: reading the directory

    private static func u16(_ b: [UInt8], _ at: Int) throws(Failure) -> UInt16 {
        guard at >= 0, at + 2 <= b.count else { throw .malformed("truncated at \(at)") }
        return UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    private static func u32(_ b: [UInt8], _ at: Int) throws(Failure) -> UInt32 {
        guard at >= 0, at + 4 <= b.count else { throw .malformed("truncated at \(at)") }
        return UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    private static func readDirectory(_ b: [UInt8]) throws(Failure) -> [Entry] {
        // The end-of-central-directory record: 22 bytes and a comment of at most 65,535, at the end.
        guard b.count >= 22 else { throw .malformed("too short") }
        var end = -1
        var at = b.count - 22
        let lowest = max(0, b.count - 22 - 65_535)
        while at >= lowest {
            if b[at] == 0x50, b[at + 1] == 0x4B, b[at + 2] == 0x05, b[at + 3] == 0x06 { end = at; break }
            at -= 1
        }
        guard end >= 0 else { throw .malformed("no end of central directory") }
        let count = Int(try u16(b, end + 10))
        let size = Int(try u32(b, end + 12))
        let offset = Int(try u32(b, end + 16))
        guard count != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else { throw .unsupported("ZIP64") }
        guard offset <= end, size <= end - offset else { throw .malformed("central directory outside the archive") }
        var entries: [Entry] = []
        var cursor = offset
        for _ in 0..<count {
            guard try u32(b, cursor) == 0x0201_4B50 else { throw .malformed("central directory entry") }
            let flags = try u16(b, cursor + 8)
            let method = try u16(b, cursor + 10)
            let crc = try u32(b, cursor + 16)
            let compressed = Int(try u32(b, cursor + 20))
            let uncompressed = Int(try u32(b, cursor + 24))
            let nameLength = Int(try u16(b, cursor + 28))
            let extraLength = Int(try u16(b, cursor + 30))
            let commentLength = Int(try u16(b, cursor + 32))
            let local = Int(try u32(b, cursor + 42))
            let nameStart = cursor + 46
            guard nameStart + nameLength <= offset + size else { throw .malformed("entry name outside the directory") }
            guard compressed != 0xFFFF_FFFF, uncompressed != 0xFFFF_FFFF, local != 0xFFFF_FFFF else { throw .unsupported("ZIP64") }
            let path = String(decoding: b[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            entries.append(Entry(path: path, method: method, flags: flags, crc: crc, compressedSize: compressed, uncompressedSize: uncompressed,
                                 localHeaderOffset: local))
            cursor = nameStart + nameLength + extraLength + commentLength
            guard cursor <= offset + size else { throw .malformed("central directory overruns") }
        }
        return entries
    }

    // MARK: extracting

    /// The entry's bytes, refusing to inflate more than `budget` bytes (which is reduced by what was inflated).
    public func extract(_ entry: Entry, budget: inout Int) throws(Failure) -> Data {
        guard entry.flags & 0x1 == 0 else { throw .unsupported("encrypted entry") }
        guard entry.uncompressedSize <= budget else { throw .tooLarge(budget) }
        let b = data
        let local = entry.localHeaderOffset
        guard try Self.u32(b, local) == 0x0403_4B50 else { throw .malformed("local header of \(entry.path)") }
        let start = local + 30 + Int(try Self.u16(b, local + 26)) + Int(try Self.u16(b, local + 28))
        guard start <= b.count, entry.compressedSize <= b.count - start else { throw .malformed("data of \(entry.path) outside the archive") }
        let input = b[start..<(start + entry.compressedSize)]
        let output: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else { throw .malformed("stored sizes of \(entry.path)") }
            output = Array(input)
        case 8:
            output = try Self.inflate(Array(input), budget: budget)
        default:
            throw .unsupported("compression method \(entry.method)")
        }
        budget -= output.count
        guard output.count == entry.uncompressedSize else { throw .malformed("size of \(entry.path)") }
        let crc = output.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        guard crc == entry.crc else { throw .malformed("checksum of \(entry.path)") }
        return Data(output)
    }

    /// Raw DEFLATE with zlib, at most `budget` bytes out; every call must make progress and the stream must end.
    static func inflate(_ input: [UInt8], budget: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .malformed("zlib")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var source = input
        let result: Int32 = source.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            while true {
                let produced: Int
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    return CLanToaZlib.inflate(&stream, Z_NO_FLUSH)
                }
                produced = chunk.count - Int(stream.avail_out)
                if produced > 0 {
                    guard output.count + produced <= budget else { return -100 }
                    output.append(contentsOf: chunk[0..<produced])
                }
                if status == Z_STREAM_END { return Z_STREAM_END }
                guard status == Z_OK else { return status }
                // No byte in and none out: the stream ended early (and would be asked again forever).
                if produced == 0, stream.avail_in == 0 { return Z_BUF_ERROR }
            }
        }
        if result == -100 { throw .tooLarge(budget) }
        guard result == Z_STREAM_END else { throw .malformed("deflate stream (\(result))") }
        return output
    }
}
