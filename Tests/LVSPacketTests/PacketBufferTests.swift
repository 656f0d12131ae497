import LVSPacket
import Testing

@Suite struct PacketBufferTests {
    @Test func readsBigEndianAndRefusesOutOfBounds() {
        PacketBuffer.withCopy(of: [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09]) { buffer in
            #expect(buffer.u8(at: 0) == 0x01)
            #expect(buffer.u16(at: 1) == 0x0203)
            #expect(buffer.u32(at: 5) == 0x0607_0809)
            #expect(buffer.u64(at: 1) == 0x0203_0405_0607_0809)
            #expect(buffer.u32(at: 6) == nil)
            #expect(buffer.u8(at: 9) == nil)
            #expect(buffer.u8(at: -1) == nil)
            #expect(buffer.u16(at: Int.max) == nil)
            #expect(buffer.u64(at: Int.min) == nil)
            #expect(!buffer.contains(offset: 1, length: Int.max))
        }
    }

    @Test func writesAndThrowsOutOfBounds() throws {
        let result = try PacketBuffer.withCopy(of: [UInt8](repeating: 0, count: 6)) { (buffer) throws(PacketError) in
            try buffer.setU16(0xABCD, at: 0)
            try buffer.setU32(0x0102_0304, at: 2)
            #expect(throws: PacketError.outOfBounds) { try buffer.setU16(1, at: 5) }
            #expect(throws: PacketError.outOfBounds) { try buffer.setU8(1, at: -1) }
            return buffer.bytes
        }
        #expect(result == [0xAB, 0xCD, 1, 2, 3, 4])
    }

    @Test func headroomPrependAndRemoveFront() throws {
        let result = try PacketBuffer.withCopy(of: [9, 9], headroom: 4, tailroom: 2) { (buffer) throws(PacketError) in
            #expect(buffer.headroom == 4)
            #expect(buffer.tailroom == 2)
            try buffer.prepend(3)
            try buffer.write([1, 2, 3], at: 0)
            #expect(throws: PacketError.noHeadroom) { try buffer.prepend(2) }
            try buffer.setCount(6)
            #expect(throws: PacketError.outOfBounds) { try buffer.setCount(8) }
            try buffer.removeFront(1)
            return buffer.bytes
        }
        #expect(result == [2, 3, 9, 9, 0])
    }

    @Test func clampsAHostileView() {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
        defer { memory.deallocate() }
        let view = PacketBuffer(storage: memory, start: 6, count: 100)
        #expect(view.count == 2)
        let negative = PacketBuffer(storage: memory, start: -5, count: -1)
        #expect(negative.start == 0 && negative.count == 0)
    }

    @Test func addressesParseAndPrint() {
        #expect(WireAddress("10.0.0.1") == WireAddress(ipv4: 0x0A00_0001))
        #expect(WireAddress("2001:db8::1") == WireAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1))
        #expect(WireAddress("::ffff:1.2.3.4") == WireAddress(ipv6High: 0, low: 0xFFFF_0102_0304))
        #expect(WireAddress("::") == WireAddress(ipv6High: 0, low: 0))
        #expect(WireAddress("1::2::3") == nil)
        #expect(WireAddress("256.1.1.1") == nil)
        #expect(WireAddress("1.2.3") == nil)
        #expect(WireAddress("10.0.0.1")?.description == "10.0.0.1")
        #expect(MACAddress("02:00:5e:10:00:ff") == MACAddress(0x02, 0x00, 0x5E, 0x10, 0x00, 0xFF))
        #expect(MACAddress("02:00:5e:10:00:ff")?.description == "02:00:5e:10:00:ff")
        #expect(MACAddress("02:00:5e:10:00") == nil)
        #expect(MACAddress.broadcast.isBroadcast && MACAddress.broadcast.isMulticast)
    }
}
