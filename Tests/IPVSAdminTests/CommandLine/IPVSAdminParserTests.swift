import LVSCore
import Testing

@testable import IPVSAdmin

@Suite struct IPVSAdminParserTests {
    @Test(arguments: ServiceCases.all)
    func serviceCommands(_ row: ParserCase) { check(row) }

    @Test(arguments: RealServerCases.all)
    func realServerCommands(_ row: ParserCase) { check(row) }

    @Test(arguments: ListCases.all)
    func listCommand(_ row: ParserCase) { check(row) }

    @Test(arguments: OtherCommandCases.all)
    func otherCommands(_ row: ParserCase) { check(row) }

    @Test func tableCoversTheSpecification() {
        let total =
            ServiceCases.all.count + RealServerCases.all.count + ListCases.all.count
            + OtherCommandCases.all.count
        #expect(total >= 250)
    }

    @Test func nestedRestoreIsAUsageError() {
        let parser = IPVSAdminParser(resolver: TableResolver())
        #expect(parser.parse(["-R"], readingRestoreInput: true) == .failure(tryHelpError))
        #expect(parser.parse([], readingRestoreInput: true) == .failure(tryHelpError))
        #expect(
            parser.parse(["-A", "-t", "10.0.0.1:80"], readingRestoreInput: true)
                == .success(.command(.addService(VirtualServiceConfig(id: tcp("10.0.0.1", 80))))))
    }

    @Test func programNameAppearsInTheHint() {
        let parser = IPVSAdminParser(resolver: NumericResolver(), programName: "lvsadm")
        #expect(
            parser.parse(["--bogus"])
                == .failure(
                    IPVSAdminUsageError(
                        message: "Try `lvsadm -h' or 'lvsadm --help' for more information.", exitCode: 255,
                        kind: .usage)))
    }

    @Test func numericResolverRefusesNames() {
        let parser = IPVSAdminParser(resolver: NumericResolver())
        #expect(
            parser.parse(["-A", "-t", "www.example.com:80"])
                == .failure(
                    IPVSAdminUsageError(
                        message: "illegal virtual server address[:port] specified", exitCode: 2, kind: .validation)))
    }

    @Test func resolverIsAskedWithTheServiceProtocol() {
        struct Recorder: NameResolver {
            func ipv4Address(forHost name: String) -> IPAddress? { nil }
            func port(forService name: String, protocolName: String) -> UInt16? {
                (name, protocolName) == ("svc", "sctp") ? 4242 : nil
            }
            func hostName(for address: IPAddress) -> String? { nil }
            func serviceName(forPort port: UInt16, protocolName: String) -> String? { nil }
        }
        let parser = IPVSAdminParser(resolver: Recorder())
        #expect(
            parser.parse(["-a", "--sctp-service", "10.0.0.1:svc", "-r", "10.0.0.2:svc", "-m"])
                == .success(
                    .command(
                        .addRealServer(
                            sctp("10.0.0.1", 4242),
                            RealServerConfig(address: ip("10.0.0.2"), port: 4242, forwarding: .masquerading)))))
    }

    @Test func versionText() {
        #expect(IPVSAdminParser.versionText == "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)")
    }

    @Test func usageTextFollowsIpvsadmLayout() throws {
        let text = IPVSAdminParser.usageText
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == IPVSAdminParser.versionText)
        #expect(lines.count > 2 && lines[1] == "Usage:")
        #expect(
            lines.contains(
                "  ipvsadm -A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] [--pe persistence_engine] [-b sched-flags]"
            ))
        #expect(lines.contains("  ipvsadm -S [-n]"))
        #expect(lines.contains("  ipvsadm --stop-daemon {master|backup}"))
        #expect(lines.contains("  ipvsadm -h"))
        for heading in ["Commands:", "virtual-service:", "Options:", "Daemon Options:"] {
            #expect(lines.contains(heading), "missing \(heading)")
        }
        #expect(text.contains("rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|fo|ovf|mh"))
        #expect(text.contains("--proxy"))
        #expect(text.contains("--json"))
        #expect(text.hasSuffix("\n"))
        #expect(!text.hasSuffix("\n\n"))
        let ordered = ["Usage:", "Commands:", "virtual-service:", "Options:", "Daemon Options:"].compactMap {
            lines.firstIndex(of: $0)
        }
        #expect(ordered == ordered.sorted() && ordered.count == 5)
        #expect(IPVSAdminParser.usageText(programName: "lvsadm").contains("\n  lvsadm -C\n"))
    }
}
