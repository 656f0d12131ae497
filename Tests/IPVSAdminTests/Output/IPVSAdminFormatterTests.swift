import IPVSAdmin
import LVSCore
import Synchronization
import Testing

/// Behaviour of the formatter outside the golden files: selection, precedence, resolver use.
@Suite struct IPVSAdminFormatterTests {
    typealias F = FormatterFixtures
    let formatter = IPVSAdminFormatter(resolver: NumericResolver())

    @Test func selectingAnAbsentServiceReturnsNil() {
        var options = ListOptions()
        options.service = F.tcp("10.9.9.9", 1)
        #expect(formatter.list(F.referenceTable, options: options) == nil)
        #expect(formatter.jsonServices(F.referenceTable, options: options) == nil)
    }

    @Test func listWithoutSelectionIsListAll() {
        var options = ListOptions()
        options.numeric = true
        let all = formatter.listAll(F.referenceTable, options: options)
        #expect(formatter.list(F.referenceTable, options: options) == all)
    }

    @Test func selectedServiceInJSONIsTheOnlyOne() throws {
        var options = ListOptions()
        options.service = F.dns53.config.id
        let json = try #require(formatter.jsonServices(F.referenceTable, options: options))
        #expect(json.contains("\"port\": 53,"))
        #expect(!json.contains("\"port\": 443,"))
    }

    /// stats > rate > thresholds > persistent-conn > tun-info > default (reference §2.2–§2.3).
    @Test func layoutPrecedence() {
        func title(_ configure: (inout ListOptions) -> Void) -> Substring {
            var options = ListOptions()
            configure(&options)
            let text = formatter.listService(F.web80, options: options)
            return text.split(separator: "\n")[0]
        }
        #expect(
            title {
                $0.stats = true; $0.rate = true; $0.thresholds = true
            }.hasSuffix("OutBytes"))
        #expect(
            title {
                $0.rate = true; $0.thresholds = true; $0.tunnelInfo = true
            }.hasSuffix("OutBPS"))
        #expect(
            title {
                $0.thresholds = true; $0.persistentConnections = true
            }.contains("Uthreshold"))
        #expect(
            title {
                $0.persistentConnections = true; $0.tunnelInfo = true
            }.contains("PersistConn"))
        #expect(
            formatter.listService(
                F.web80,
                options: {
                    var o = ListOptions(); o.tunnelInfo = true; return o
                }()
            )
            .contains("TunnelInfo"))
        #expect(title { _ in } == "Prot LocalAddress:Port Scheduler Flags")
    }

    @Test func daemonsListMasterFirstWithDefaultsFilledIn() {
        let text = formatter.daemons([
            SyncDaemonSnapshot(config: SyncDaemonConfig(role: .backup, multicastInterface: "eth2", syncID: 9)),
            SyncDaemonSnapshot(config: SyncDaemonConfig(role: .master)),
        ])
        #expect(
            text == "master sync daemon (mcast=eth0, syncid=0, group=224.0.0.81, port=8848, ttl=1)\n"
                + "backup sync daemon (mcast=eth2, syncid=9, group=224.0.0.81, port=8848, ttl=1)\n")
    }

    @Test func persistentConnectionEntryWithoutEngineDataUsesShortLayout() {
        var options = ListOptions()
        options.persistentConnections = true
        let entry = F.entry(.tcp, 61, "ESTABLISHED", "10.0.0.1", 1000, "10.0.0.2", 80, "10.0.0.3", 80)
        let lines = formatter.listConnections([entry], options: options).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[2] == "TCP 01:01  ESTABLISHED 10.0.0.1:1000      10.0.0.2:80        10.0.0.3:80")
    }

    /// Port 0 and protocol 0 (`IP`) entries are never looked up; unknown names stay numeric.
    @Test func resolverIsNotAskedForPortZeroOrProtocolIP() {
        let recorder = RecordingResolver()
        let named = IPVSAdminFormatter(resolver: recorder)
        let templates = [F.entry(.ip, 10, "ASSURED", "10.0.0.2", 0, "0.0.0.1", 0, "192.168.10.1", 0)]
        _ = named.listConnections(templates, options: ListOptions())
        _ = named.listAll(F.referenceTable, options: ListOptions())
        #expect(!recorder.portsAsked.contains(0))
        #expect(recorder.portsAsked.contains(80))
    }

    /// ipvsadm's 60-byte name buffer keeps at most 59 bytes of `host:port` (reference §2.1).
    @Test func endpointTextIsCappedAt59Bytes() {
        let longName = String(repeating: "h", count: 70)
        let named = IPVSAdminFormatter(resolver: LongNameResolver(name: longName))
        let save = named.save(TableSnapshot(services: [F.web80]), numeric: false)
        let firstLine = save.split(separator: "\n")[0]
        #expect(firstLine == "-A -t " + String(repeating: "h", count: 59) + " -s rr")
    }

    @Test func bypassAndProxyForwardingNames() {
        let service = F.service(
            F.tcp("10.0.0.1", 80), "wlc",
            servers: [F.server("10.0.0.3", 80, .proxy), F.server("10.0.0.2", 80, .bypass)])
        var options = ListOptions()
        options.numeric = true
        let lines = formatter.listService(service, options: options).split(separator: "\n")
        #expect(lines[3].hasPrefix("  -> 10.0.0.2:80                  Bypass  1"))
        #expect(lines[4].hasPrefix("  -> 10.0.0.3:80                  Proxy   1"))
        let saved = formatter.save(TableSnapshot(services: [service]), numeric: true)
        #expect(saved.contains("-r 10.0.0.3:80 --proxy -w 1\n"))
    }

    @Test func proxyOptionsAreSavedAndRestoreToTheSameCommand() throws {
        var config = RealServerConfig(address: IPAddress("10.0.0.3")!, port: 8080, forwarding: .proxy, weight: 2)
        config.proxyProtocol = .v2
        config.transparentSource = true
        let id = F.tcp("10.0.0.1", 80)
        let service = VirtualServiceSnapshot(
            config: VirtualServiceConfig(id: id, scheduler: "rr"), realServers: [RealServerSnapshot(config: config)])
        let saved = formatter.save(TableSnapshot(services: [service]), numeric: true)
        #expect(
            saved == """
                -A -t 10.0.0.1:80 -s rr
                -a -t 10.0.0.1:80 -r 10.0.0.3:8080 --proxy -w 2 --proxy-protocol v2 --transparent

                """)
        let line = saved.split(separator: "\n")[1]
        let parsed = IPVSAdminParser(resolver: NumericResolver()).parse(RestoreInput.tokenize(line: String(line)))
        #expect(parsed == .success(.command(.addRealServer(id, config))))
    }
}

final class RecordingResolver: NameResolver {
    private let asked = Mutex<[UInt16]>([])
    var portsAsked: [UInt16] { asked.withLock { $0 } }
    func ipv4Address(forHost name: String) -> IPAddress? { nil }
    func port(forService name: String, protocolName: String) -> UInt16? { nil }
    func hostName(for address: IPAddress) -> String? { nil }
    func serviceName(forPort port: UInt16, protocolName: String) -> String? {
        asked.withLock { $0.append(port) }
        return nil
    }
}

struct LongNameResolver: NameResolver {
    let name: String
    func ipv4Address(forHost name: String) -> IPAddress? { nil }
    func port(forService name: String, protocolName: String) -> UInt16? { nil }
    func hostName(for address: IPAddress) -> String? { name }
    func serviceName(forPort port: UInt16, protocolName: String) -> String? { nil }
}
