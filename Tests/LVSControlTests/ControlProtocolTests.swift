import Foundation
import LVSCore
import Testing

@testable import LVSControl

@Suite("Control protocol codec")
struct ControlProtocolTests {
    static let service = VirtualServiceConfig(
        id: VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0xCFAF_2C6E), port: 80), scheduler: "rr",
        persistenceTimeout: 360, netmask: .ipv4(mask: 0xFFFF_FF00))
    static let realServer = RealServerConfig(
        address: IPAddress(ipv4: 0xC0A8_0A01), port: 80, forwarding: .masquerading, weight: 3, upperThreshold: 10)

    static let requests: [ControlRequestBody] = [
        .apply(.addService(service)),
        .apply(.addRealServer(service.id, realServer)),
        .apply(.setTimeouts(TimeoutSettings(tcpEstablished: 1, tcpFinWait: 2, udp: 3))),
        .apply(.startDaemon(SyncDaemonConfig(role: .backup, multicastInterface: "lo", syncID: 7))),
        .apply(.zero(nil)),
        .apply(.clear),
        .applyBatch([.addService(service), .addRealServer(service.id, realServer), .deleteService(service.id)]),
        .applyBatch([]),
        .getTable, .getConnections, .getTimeouts, .getDaemons, .ping, .getVRRP, .getSync,
        .getEvents(since: nil, limit: nil), .getEvents(since: 41, limit: 10),
        .explain(
            ExplainQuery(
                service: VirtualServiceID(protocol: .udp, address: IPAddress(ipv4: 0x0A00_0001), port: 53),
                clientAddress: IPAddress(ipv4: 0xC000_0207), clientPort: 4000)),
    ]

    @Test("every request kind survives encode and decode", arguments: requests)
    func requestRoundTrip(body: ControlRequestBody) throws {
        let line = ControlProtocol.encode(ControlRequest(id: 42, body: body))
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
        let decoded = try ControlProtocol.decodeRequest(line.dropLast()).get()
        #expect(decoded == ControlRequest(id: 42, body: body))
    }

    static let replies: [ControlReply] = [
        ControlReply(id: 1, body: .ok),
        ControlReply(
            id: 2, body: .failure(.admin(.alreadyExists, command: .addService(service)))),
        ControlReply(
            id: 3,
            body: .failure(.admin(.notFound, command: .deleteRealServer(service.id, realServer.key), batchIndex: 4))),
        ControlReply(id: nil, body: .failure(ControlFailure(kind: .lineTooLong, message: "too long"))),
        ControlReply(
            id: 5,
            body: .table(
                TableSnapshot(
                    services: [
                        VirtualServiceSnapshot(
                            config: service,
                            realServers: [RealServerSnapshot(config: realServer, activeConnections: 12)],
                            stats: StatsCounters(connections: UInt64.max))
                    ]))),
        ControlReply(
            id: 6,
            body: .connections([
                ConnectionSnapshot(
                    protocolNumber: .tcp, clientAddress: IPAddress(ipv4: 0x0A00_0002), clientPort: 53712,
                    virtualAddress: IPAddress(ipv4: 0xCFAF_2C6E), virtualPort: 80,
                    destinationAddress: IPAddress(ipv4: 0xC0A8_0A01), destinationPort: 80, stateName: "ESTABLISHED",
                    expiresInSeconds: 898)
            ])),
        ControlReply(id: 7, body: .timeouts(TimeoutSettings())),
        ControlReply(id: 8, body: .daemons([SyncDaemonSnapshot(config: SyncDaemonConfig(role: .master))])),
        ControlReply(id: 9, body: .pong(ControlServerInfo(daemonVersion: "0.1.0", dryRun: true))),
        ControlReply(id: 10, body: .vrrp(vrrpReport)),
        ControlReply(id: 11, body: .vrrp(VRRPReport(running: false, instances: [], syncGroups: []))),
        ControlReply(id: 12, body: .sync(syncReport)),
        ControlReply(id: 13, body: .sync(SyncReport(daemons: [], authenticated: false, version: 1, entries: [:]))),
    ]

    /// A master with every parameter set and a backup with defaults, a peer and drops.
    static let syncReport = SyncReport(
        daemons: [
            SyncDaemonReport(
                config: SyncDaemonConfig(
                    role: .master, multicastInterface: "eth0", syncID: 9, maxLength: 1400,
                    multicastGroup: IPAddress(ipv4: 0xEF01_0203), multicastPort: 9000, multicastTTL: 4),
                maxLength: 1400, ports: [9000, 9001], runningFor: 83.25,
                counters: ["messages_sent": 12, "entries_sent": UInt64.max], drops: [:], peers: []),
            SyncDaemonReport(
                config: SyncDaemonConfig(role: .backup, multicastInterface: "eth1"), maxLength: 1472, ports: [8848],
                runningFor: 0.5, counters: ["messages_received": 3],
                drops: ["size_mismatch": 1, "bad_authentication_code": 2],
                peers: [SyncPeerReport(address: "2001:db8::1", messages: 3, entries: 70, lastMessageAgo: 0.125)]),
        ],
        authenticated: true, version: 0, entries: ["created": 70, "rejected_table_full": 1])

    /// One instance with every optional member set and one with none, in a sync group.
    static let vrrpReport = VRRPReport(
        running: true,
        instances: [
            VRRPInstanceReport(
                name: "VI_1", interface: "eth0", virtualRouterID: 51, version: 3, state: "MASTER", priority: 150,
                effectivePriority: 140, advertisementInterval: 0.5, masterAdvertisementInterval: 0.5,
                masterAddress: "192.0.2.10", sourceAddress: "192.0.2.10", virtualAddresses: ["192.0.2.100/32 dev eth0"],
                syncGroup: "VG_1",
                lastTransition: VRRPTransitionReport(
                    from: "BACKUP", to: "MASTER", reason: "master down timer expired", secondsAgo: 2.25),
                counters: [VRRPCounter.advertisementsSent.rawValue: UInt64.max, VRRPCounter.becameMaster.rawValue: 1],
                drops: ["bad_ttl": 3]),
            VRRPInstanceReport(
                name: "VI_6", interface: "eth1", virtualRouterID: 6, version: 2, state: "INIT", priority: 100,
                effectivePriority: 100, advertisementInterval: 1, masterAdvertisementInterval: 1, masterAddress: nil,
                sourceAddress: "2001:db8::1", virtualAddresses: [], syncGroup: nil, lastTransition: nil,
                counters: [:], drops: [:]),
        ],
        syncGroups: [VRRPSyncGroupReport(name: "VG_1", state: "MASTER", members: ["VI_1"], lastTransition: nil)])

    @Test("every reply kind survives encode and decode", arguments: replies)
    func replyRoundTrip(reply: ControlReply) throws {
        let line = ControlProtocol.encode(reply)
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(try ControlProtocol.decodeReply(line.dropLast()) == reply)
    }

    @Test("getVRRP is read-only and travels as its documented wire form")
    func vrrpRequest() throws {
        #expect(ControlRequestBody.getVRRP.changesState == false)
        let text = String(decoding: ControlProtocol.encode(ControlRequest(id: 5, body: .getVRRP)), as: UTF8.self)
        #expect(text == "{\"id\":5,\"type\":\"getVRRP\",\"v\":1}\n")
        let reply = String(
            decoding: ControlProtocol.encode(ControlReply(id: 5, body: .vrrp(Self.vrrpReport))), as: UTF8.self)
        #expect(reply.hasPrefix("{\"id\":5,\"type\":\"vrrp\",\"v\":1,\"vrrp\":{\"instances\":[{"))
        #expect(reply.contains("\"counters\":{\"advert_sent\":18446744073709551615,\"become_master\":1}"))
        #expect(throws: ControlFailure.self) {
            try ControlProtocol.decodeReply(Array("{\"v\":1,\"id\":5,\"type\":\"vrrp\"}".utf8))
        }
    }

    @Test("getSync is read-only and travels as its documented wire form")
    func syncRequest() throws {
        #expect(ControlRequestBody.getSync.changesState == false)
        let text = String(decoding: ControlProtocol.encode(ControlRequest(id: 6, body: .getSync)), as: UTF8.self)
        #expect(text == "{\"id\":6,\"type\":\"getSync\",\"v\":1}\n")
        #expect(try ControlProtocol.decodeRequest(Array(text.utf8.dropLast())).get().body == .getSync)
        let reply = String(
            decoding: ControlProtocol.encode(ControlReply(id: 6, body: .sync(Self.syncReport))), as: UTF8.self)
        #expect(reply.hasPrefix("{\"id\":6,\"sync\":{\"authenticated\":true,\"daemons\":[{\"config\":{"))
        #expect(reply.contains("\"multicastGroup\":\"239.1.2.3\""))
        #expect(reply.contains("\"entries\":{\"created\":70,\"rejected_table_full\":1}"))
        #expect(reply.hasSuffix("\"type\":\"sync\",\"v\":1}\n"))
        #expect(throws: ControlFailure.self) {
            try ControlProtocol.decodeReply(Array("{\"v\":1,\"id\":6,\"type\":\"sync\"}".utf8))
        }
    }

    @Test("a refused command carries the exact ipvsadm message")
    func adminFailureMessage() {
        let failure = ControlFailure.admin(.noSuchService, command: .addRealServer(Self.service.id, Self.realServer))
        #expect(failure.message == "Service not defined")
        #expect(failure.kind == .admin)
        #expect(ControlFailure.permissionDenied.message == "Permission denied (you must be root)")
    }

    @Test("the wire form is the documented one")
    func wireForm() {
        let text = String(decoding: ControlProtocol.encode(ControlRequest(id: 3, body: .ping)), as: UTF8.self)
        #expect(text == "{\"id\":3,\"type\":\"ping\",\"v\":1}\n")
        let ok = String(decoding: ControlProtocol.encode(ControlReply(id: 3, body: .ok)), as: UTF8.self)
        #expect(ok == "{\"id\":3,\"type\":\"ok\",\"v\":1}\n")
    }

    @Test(
        "bad request lines give the right failure and keep the id when known",
        arguments: [
            ("not json", nil as Int?, ControlFailure.Kind.malformedRequest),
            ("[1,2,3]", nil, .malformedRequest),
            ("{\"id\":4,\"type\":\"ping\"}", 4, .malformedRequest),
            ("{\"v\":2,\"id\":5,\"type\":\"ping\"}", 5, .unsupportedVersion),
            ("{\"v\":1,\"id\":6,\"type\":\"reboot\"}", 6, .malformedRequest),
            ("{\"v\":1,\"id\":7,\"type\":\"apply\"}", 7, .malformedRequest),
            ("{\"v\":1,\"id\":8,\"type\":\"apply\",\"command\":{\"explode\":{}}}", 8, .malformedRequest),
            ("{\"v\":1,\"type\":\"ping\"}", nil, .malformedRequest),
            ("{\"v\":\"one\",\"id\":9,\"type\":\"ping\"}", nil, .malformedRequest),
            ("", nil, .malformedRequest),
        ])
    func badRequests(line: String, id: Int?, kind: ControlFailure.Kind) {
        switch ControlProtocol.decodeRequest(Array(line.utf8)) {
        case .success(let request):
            Issue.record("decoded \(request) from \(line)")
        case .failure(let error):
            #expect(error.id == id)
            #expect(error.failure.kind == kind)
            #expect(error.reply.id == id)
        }
    }

    @Test("an unreadable reply is a protocol violation, not a crash")
    func badReply() {
        #expect(throws: ControlFailure.self) { try ControlProtocol.decodeReply(Array("{\"v\":1}".utf8)) }
        #expect(throws: ControlFailure.self) {
            try ControlProtocol.decodeReply(Array("{\"v\":1,\"type\":\"table\"}".utf8))
        }
        #expect(throws: ControlFailure.self) {
            try ControlProtocol.decodeReply(Array("{\"v\":3,\"type\":\"ok\"}".utf8))
        }
    }
}
