import Foundation
import Testing
@testable import LanToaCore

@Suite("Photos lose their location and every other camera metadata")
struct JPEGMetadataTests {
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
    }

    @Test func exifXmpAndCommentsAreDroppedAndThePictureKept() throws {
        let jfif = Self.segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0])
        let exif = Self.segment(0xE1, Array("Exif\0\0".utf8) + Array("GPSLatitude 21.85 GPSLongitude 106.76".utf8))
        let xmp = Self.segment(0xE1, Array("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>".utf8))
        let comment = Self.segment(0xFE, Array("Chụp tại Khuổi Bó".utf8))
        let table = Self.segment(0xDB, [0] + Array(repeating: 1, count: 64))
        let frame = Self.segment(0xC0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0])
        let scan = Self.segment(0xDA, [1, 1, 0, 0, 0x3F, 0]) + [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]
        let photo = Data([0xFF, 0xD8] + jfif + exif + xmp + comment + table + frame + scan + [0xFF, 0xD9])
        let clean = try JPEGMetadata.stripped(photo)
        #expect(clean == Data([0xFF, 0xD8] + jfif + table + frame + scan + [0xFF, 0xD9]))
        #expect(!String(decoding: clean, as: UTF8.self).contains("GPS"))
    }

    @Test func aProgressivePictureKeepsEveryScanAndLosesWhatFollowsItsEnd() throws {
        let frame = Self.segment(0xC2, [8, 0, 1, 0, 1, 1, 1, 0x11, 0])
        let scan1 = Self.segment(0xDA, [1, 1, 0, 0, 0x3F, 0]) + [0x12, 0xFF, 0x00, 0xFF, 0xD3, 0x34]
        let table = Self.segment(0xC4, [0, 1] + Array(repeating: 0, count: 15) + [5])
        let scan2 = Self.segment(0xDA, [1, 1, 0, 1, 0x3F, 0]) + [0x56, 0x78]
        let trailer = [0xFF, 0xD8] + Self.segment(0xE1, Array("Exif\0\0GPSLatitude 21.85".utf8)) + [0xFF, 0xD9]
        let photo = Data([0xFF, 0xD8] + frame + scan1 + table + scan2 + [0xFF, 0xD9] + trailer)
        let clean = try JPEGMetadata.stripped(photo)
        #expect(clean == Data([0xFF, 0xD8] + frame + scan1 + table + scan2 + [0xFF, 0xD9]))
    }

    @Test func otherFilesAndBrokenOnesAreRefused() {
        #expect(throws: JPEGMetadata.Problem.notJPEG) { try JPEGMetadata.stripped(Data("\u{89}PNG\r\n".utf8)) }
        #expect(throws: JPEGMetadata.Problem.truncated) { try JPEGMetadata.stripped(Data([0xFF, 0xD8, 0xFF, 0xE1, 0x10, 0x00, 0x01])) }
        #expect(throws: JPEGMetadata.Problem.truncated) { try JPEGMetadata.stripped(Data([0xFF, 0xD8, 0x00, 0x00])) }
    }
}
