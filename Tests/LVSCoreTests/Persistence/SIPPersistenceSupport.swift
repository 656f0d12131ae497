@testable import LVSCore

extension ConnectionHarness {
    var sipService: VirtualServiceID { VirtualServiceID(protocol: .udp, address: vipAddress, port: 5060) }

    /// A UDP service on VIP:5060 with `-p timeout --pe sip` (and `-o` when `ops`), real servers
    /// 192.168.10.1:5060 and .2:5060.
    static func sip(
        ops: Bool = true, timeout: UInt32 = 360, netmask: PersistenceNetmask? = nil, master: Bool = false,
        engine: String? = "sip"
    ) throws -> ConnectionHarness {
        let h = master ? ConnectionHarness.master() : ConnectionHarness()
        try h.apply(
            .addService(
                VirtualServiceConfig(
                    id: h.sipService, scheduler: "rr", persistenceTimeout: timeout, netmask: netmask,
                    onePacketScheduling: ops, persistenceEngine: engine)))
        for n: UInt32 in [1, 2] { try h.addServer(n, to: h.sipService, port: 5060) }
        return h
    }

    /// A SIP request as a UDP payload; without `callID` it has no Call-ID header.
    static func sipPayload(callID: String?, method: String = "INVITE") -> [UInt8] {
        var lines = [
            method + " sip:bob@example.com SIP/2.0", "Via: SIP/2.0/UDP 198.51.100.1:5060", "CSeq: 1 " + method,
        ]
        if let callID { lines.append("Call-ID: " + callID) }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    /// A client datagram to VIP:5060 carrying `payload`, handled as a packet engine would: the
    /// payload is read only when the director names an engine for the packet.
    @discardableResult
    func sendSIP(payload: [UInt8], client: UInt32 = 1, port: UInt16 = 5060) -> InboundVerdict {
        let data = director.persistenceEngine(forPacketTo: .udp, address: vipAddress, port: 5060)?
            .persistenceData(from: payload)
        return director.inbound(
            InboundPacket(
                protocolNumber: .udp, clientAddress: Self.client(client), clientPort: port,
                destinationAddress: vipAddress, destinationPort: 5060, length: UInt32(28 + payload.count),
                persistenceData: data),
            now: now)
    }

    @discardableResult
    func sendSIP(callID: String?, client: UInt32 = 1, port: UInt16 = 5060) -> InboundVerdict {
        sendSIP(payload: Self.sipPayload(callID: callID), client: client, port: port)
    }

    /// The templates carrying persistence-engine data, by Call-ID.
    var sipTemplates: [String: ConnectionSnapshot] {
        var result: [String: ConnectionSnapshot] = [:]
        for t in templates { if let data = t.persistenceEngineData { result[data] = t } }
        return result
    }
}
