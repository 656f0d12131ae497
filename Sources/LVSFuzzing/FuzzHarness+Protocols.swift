import LVSCore
import LVSFTP
import LVSSync
import LVSVRRP

extension FuzzHarness {
    /// Byte 0 picks what the receiving instance expects (bit 0: version 3; bits 1–2: no
    /// authentication, a password, or an AH secret); the rest is a whole IPv4 packet through
    /// keepalived's receive checks, and the same bytes as a bare message of either family, the
    /// IPv6 one checked as the IPv6 socket's receive path does.
    static func runVRRP(_ bytes: [UInt8]) {
        guard let flags = bytes.first else { return }
        let packet = Array(bytes.dropFirst())
        let authentication: VRRPAuthentication
        switch (flags >> 1) & 0x03 {
        case 1: authentication = .password(Array("fuzzpass".utf8))
        case 2: authentication = .authenticationHeader(Array("fuzzsecret".utf8))
        default: authentication = .none
        }
        // keepalived's capture in Tests/LVSVRRPTests/Fixtures: router 51, 1 s, 10.9.0.100 and .101.
        let expected = VRRPReceiveExpectations(
            version: flags & 0x01 != 0 ? .v3 : .v2, virtualRouterID: 51, intervalCentiseconds: 100,
            authentication: authentication, addresses: [IPAddress(ipv4: 0x0A09_0064), IPAddress(ipv4: 0x0A09_0065)])
        _ = VRRPReceiveCheck.check(ipv4: packet, against: expected)
        _ = try? VRRPMessage(parsing: packet, family: .inet)
        if let message = try? VRRPMessage(parsing: packet, family: .inet6) {
            let received = VRRPReceivedPacket(
                ipv6Source: IPAddress(ipv6High: 0xFE80_0000_0000_0000, low: 0x00FF_FE00_0001),
                destination: IPAddress(ipv6High: 0xFF02_0000_0000_0000, low: 0x12), hopLimit: 255, message: message)
            _ = VRRPReceiveCheck.check(received, against: expected)
        }
    }

    /// Byte 0 is the backup's sync ID; the rest a sync datagram, decoded plainly and through the
    /// authenticated envelope (one fixed key) as the backup does.
    static func runSync(_ bytes: [UInt8]) {
        guard let syncID = bytes.first else { return }
        let datagram = Array(bytes.dropFirst())
        _ = SyncMessage.decode(datagram, backupSyncID: syncID)
        var verifier = SyncMessageVerifier<UInt32>(keys: [syncKey])
        if case .success(let message) = verifier.verify(datagram, from: 1) {
            _ = SyncMessage.decode(message, backupSyncID: syncID)
        }
    }

    static let syncKey = SyncAuthenticationKey(id: 1, secret: Array("fuzzing-secret".utf8))

    /// Byte 0: bit 0 the family, bit 1 the address policy; the rest segments separated by NUL,
    /// alternating client → server and server → client, through one FTP helper.
    static func runFTP(_ bytes: [UInt8]) {
        guard let flags = bytes.first else { return }
        let ipv6 = flags & 0x01 != 0
        let address: (UInt32) -> IPAddress = { low in
            ipv6 ? IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: UInt64(low)) : IPAddress(ipv4: low)
        }
        var helper = FTPControlHelper(
            family: ipv6 ? .inet6 : .inet, clientAddress: address(0x0A00_0002),
            virtualAddress: address(0xCFAF_2C6E), serverAddress: address(0xAC10_0002),
            policy: flags & 0x02 != 0 ? .mustMatch : .any)
        for (index, segment) in parts(Array(bytes.dropFirst())).enumerated() {
            if index.isMultiple(of: 2) {
                _ = helper.clientSegment(segment)
            } else {
                _ = helper.serverSegment(segment)
            }
        }
    }

    /// A UDP payload as the SIP persistence engine reads it.
    static func runSIP(_ bytes: [UInt8]) {
        _ = SIPCallID.scan(bytes)
        _ = SIPCallID.extract(from: bytes)
        _ = SIPCallID.extract(from: bytes[...])
    }
}
