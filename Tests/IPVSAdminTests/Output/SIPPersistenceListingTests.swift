import IPVSAdmin
import LVSCore
import Testing

/// A director running a `--pe sip` service, listed as ipvsadm lists it (reference §2.1, §2.4,
/// §2.6): the service flags and the PE columns of `-L -c --persistent-conn` come from the
/// director's own snapshots.
@Suite struct SIPPersistenceListingTests {
    let formatter = IPVSAdminFormatter(resolver: NumericResolver())
    let vip = IPAddress(ipv4: 0xCFAF_2C6E)  // 207.175.44.110
    let client = IPAddress(ipv4: 0x0A00_0005)  // 10.0.0.5
    var service: VirtualServiceID { VirtualServiceID(protocol: .udp, address: vip, port: 5060) }

    func director() throws -> (Director, MonotonicInstant) {
        let now = MonotonicInstant.seconds(100)
        let d = Director(seed: 1)
        try d.apply(
            batch: [
                .addService(
                    VirtualServiceConfig(
                        id: service, scheduler: "rr", persistenceTimeout: 360, onePacketScheduling: true,
                        persistenceEngine: "sip")),
                .addRealServer(
                    service,
                    RealServerConfig(address: IPAddress(ipv4: 0xC0A8_0A01), port: 5060, forwarding: .masquerading)),
            ], now: now)
        return (d, now)
    }

    @Test func serviceLineAndSaveNameTheEngine() throws {
        let (d, _) = try director()
        var options = ListOptions()
        options.numeric = true
        let listing = formatter.listAll(d.snapshot(), options: options)
        #expect(listing.contains("\nUDP  207.175.44.110:5060 rr persistent 360 pe sip ops\n"))
        let save = formatter.save(d.snapshot(), numeric: true)
        #expect(save.hasPrefix("-A -u 207.175.44.110:5060 -s rr -p 360 --pe sip -o\n"))
    }

    @Test func persistentConnListingShowsTheCallID() throws {
        let (d, now) = try director()
        let payload = Array(
            "INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: a84b4c76e66710\r\nCSeq: 1 INVITE\r\n\r\n".utf8)
        let engine = try #require(d.persistenceEngine(forPacketTo: .udp, address: vip, port: 5060))
        let verdict = d.inbound(
            InboundPacket(
                protocolNumber: .udp, clientAddress: client, clientPort: 5060, destinationAddress: vip,
                destinationPort: 5060, persistenceData: engine.persistenceData(from: payload)),
            now: now.adding(seconds: 3))
        guard case .forward = verdict else {
            Issue.record("not forwarded: \(verdict)")
            return
        }
        var options = ListOptions()
        options.numeric = true
        options.connections = true
        options.persistentConnections = true
        let text = formatter.listConnections(d.connectionSnapshots(now: now.adding(seconds: 6)), options: options)
        #expect(
            text == """
                IPVS connection entries
                pro expire state       source             virtual            destination        pe name          pe_data
                UDP 05:57  NONE        10.0.0.5:0         207.175.44.110:5060 192.168.10.1:5060 sip                a84b4c76e66710

                """)
        // Without --persistent-conn the PE columns are not shown.
        options.persistentConnections = false
        let plain = formatter.listConnections(d.connectionSnapshots(now: now.adding(seconds: 6)), options: options)
        #expect(plain.hasSuffix("UDP 05:57  NONE        10.0.0.5:0         207.175.44.110:5060 192.168.10.1:5060\n"))
    }
}
