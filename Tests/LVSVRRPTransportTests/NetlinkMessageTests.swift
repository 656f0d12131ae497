import LVSCore
import Testing

@testable import LVSVRRPTransport

/// rtnetlink messages built and parsed without a socket.
@Suite("NetlinkMessage")
struct NetlinkMessageTests {
    @Test func anAddressRequestHasItsLengthHeaderAndAttributes() throws {
        let address = InterfaceAddress(
            address: IPAddress(ipv4: 0x0A00_0064), prefixLength: 24, interfaceIndex: 3, label: "eth0:1",
            broadcast: IPAddress(ipv4: 0x0A00_00FF), scope: .host)
        let bytes = VirtualAddressManager.message(20, flags: 0x605, address).finished
        let messages = try NetlinkMessage.split(bytes[...])
        let message = try #require(messages.first)
        #expect(messages.count == 1)
        #expect(message.type == 20 && message.flags == 0x605)
        #expect(Array(message.payload.prefix(4)) == [2, 24, 0, 254])  // AF_INET, /24, flags, scope host
        #expect(NetlinkMessage.read(Int32.self, message.payload, message.payload.startIndex + 4) == 3)
        let parsed = try #require(try VirtualAddressManager.parse(message))
        #expect(parsed == address)
    }

    @Test func anIPv6AddressAlwaysAsksForNoDAD() throws {
        let address = InterfaceAddress(
            address: IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1), prefixLength: 64, interfaceIndex: 3,
            label: "ignored")
        let message = try #require(
            try NetlinkMessage.split(VirtualAddressManager.message(20, flags: 5, address).finished[...]).first)
        let parsed = try #require(try VirtualAddressManager.parse(message))
        #expect(parsed.flags & InterfaceAddress.noDuplicateAddressDetection != 0)
        #expect(parsed.label == nil)  // IFA_LABEL is IPv4's
    }

    @Test func theMacvlanRequestNestsKindAndPrivateMode() throws {
        let mac = VirtualMACManager.virtualMAC(virtualRouterID: 9, family: .inet)
        let bytes = VirtualMACManager.creation(name: "vrrp.9", parentIndex: 4, mac: mac, flags: 5).finished
        let message = try #require(try NetlinkMessage.split(bytes[...]).first)
        let attributes = try message.attributes(after: 16)
        #expect(NetlinkMessage.string(attributes[3]) == "vrrp.9")  // IFLA_IFNAME
        #expect(NetlinkMessage.integer(UInt32.self, attributes[5]) == 4)  // IFLA_LINK
        #expect(attributes[1].map(Array.init) == [0, 0, 0x5E, 0, 1, 9])  // IFLA_ADDRESS
        let info = try NetlinkMessage.attributes(in: try #require(attributes[18]))  // IFLA_LINKINFO
        #expect(NetlinkMessage.string(info[1]) == "macvlan")
        let data = try NetlinkMessage.attributes(in: try #require(info[2]))
        #expect(NetlinkMessage.integer(UInt32.self, data[1]) == 1)  // MACVLAN_MODE_PRIVATE
    }

    @Test func malformedLengthsThrowInsteadOfTrapping() {
        var bytes = VirtualAddressManager.message(
            20, flags: 5, InterfaceAddress(address: IPAddress(ipv4: 1), prefixLength: 32, interfaceIndex: 1)
        ).finished
        bytes[0] = 0xFF  // a message length past the end
        #expect(throws: NetlinkParseError.self) { try NetlinkMessage.split(bytes[...]) }
        #expect(throws: NetlinkParseError.self) { try NetlinkMessage.attributes(in: [9, 0, 1, 0, 0][...]) }
        #expect(throws: NetlinkParseError.self) { try NetlinkMessage.attributes(in: [2, 0, 1, 0][...]) }
    }
}
