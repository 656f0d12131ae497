import IPVSAdmin
import LVSCore
import Testing

/// A resolver answering from fixed tables, so name look-ups in tests are exact.
struct TableResolver: NameResolver {
    var hosts: [String: IPAddress] = [
        "www.example.com": ip("192.0.2.10"),
        "real1.example": ip("192.168.10.1"),
        "mask24": ip("255.255.255.0"),
    ]
    var services: [String: UInt16] = [
        "http/tcp": 80, "https/tcp": 443, "domain/tcp": 53, "domain/udp": 53, "sip/sctp": 5060,
    ]

    func ipv4Address(forHost name: String) -> IPAddress? { hosts[name] }
    func port(forService name: String, protocolName: String) -> UInt16? { services["\(name)/\(protocolName)"] }
    func hostName(for address: IPAddress) -> String? { nil }
    func serviceName(forPort port: UInt16, protocolName: String) -> String? { nil }
}

/// One row of the parser tables: arguments and the exact outcome.
struct ParserCase: Sendable, CustomTestStringConvertible {
    let arguments: [String]
    let expected: Result<IPVSAdminInvocation, IPVSAdminUsageError>

    var testDescription: String { arguments.map { $0.isEmpty ? "''" : $0 }.joined(separator: " ") }
}

/// Splits on single spaces; use the array forms for arguments that contain spaces or are empty.
func words(_ line: String) -> [String] {
    line.split(separator: " ").map(String.init)
}

func ok(_ line: String, _ invocation: IPVSAdminInvocation) -> ParserCase {
    ParserCase(arguments: words(line), expected: .success(invocation))
}

func ok(_ arguments: [String], _ invocation: IPVSAdminInvocation) -> ParserCase {
    ParserCase(arguments: arguments, expected: .success(invocation))
}

/// A validation failure: exit 2.
func fails(_ line: String, _ message: String) -> ParserCase {
    fails(words(line), message)
}

func fails(_ arguments: [String], _ message: String) -> ParserCase {
    ParserCase(
        arguments: arguments, expected: .failure(IPVSAdminUsageError(message: message, exitCode: 2, kind: .validation)))
}

/// A popt error after the command: `<word>: <text>`, exit 255.
func optionError(_ line: String, _ message: String) -> ParserCase {
    ParserCase(
        arguments: words(line),
        expected: .failure(IPVSAdminUsageError(message: message, exitCode: 255, kind: .optionError)))
}

let tryHelpError = IPVSAdminUsageError(
    message: "Try `ipvsadm -h' or 'ipvsadm --help' for more information.", exitCode: 255, kind: .usage)

/// No usable command: the Try hint, exit 255.
func tryHelp(_ line: String) -> ParserCase {
    ParserCase(arguments: words(line), expected: .failure(tryHelpError))
}

func tryHelp(_ arguments: [String]) -> ParserCase {
    ParserCase(arguments: arguments, expected: .failure(tryHelpError))
}

func ip(_ text: String) -> IPAddress {
    if let address = IPAddress(text) ?? IPAddress.parseIPv4(text) { return address }
    Issue.record("bad address literal in test: \(text)")
    return .ipv4Any
}

func tcp(_ address: String, _ port: UInt16) -> VirtualServiceID {
    VirtualServiceID(protocol: .tcp, address: ip(address), port: port)
}

func udp(_ address: String, _ port: UInt16) -> VirtualServiceID {
    VirtualServiceID(protocol: .udp, address: ip(address), port: port)
}

func sctp(_ address: String, _ port: UInt16) -> VirtualServiceID {
    VirtualServiceID(protocol: .sctp, address: ip(address), port: port)
}

func fwmark(_ mark: UInt32, _ family: AddressFamily = .inet) -> VirtualServiceID {
    VirtualServiceID(firewallMark: mark, family: family)
}

func addService(_ config: VirtualServiceConfig) -> IPVSAdminInvocation { .command(.addService(config)) }
func editService(_ config: VirtualServiceConfig) -> IPVSAdminInvocation { .command(.editService(config)) }

/// A `--proxy` real server on port 80 with our proxy options.
func proxied(_ address: String, proxyProtocol: ProxyProtocolVersion = .none, transparent: Bool = false)
    -> RealServerConfig
{
    RealServerConfig(
        address: ip(address), port: 80, forwarding: .proxy, proxyProtocol: proxyProtocol,
        transparentSource: transparent)
}

func server(
    _ address: String, _ port: UInt16, _ forwarding: ForwardingMethod = .directRouting, weight: Int32 = 1,
    upper: UInt32 = 0, lower: UInt32 = 0, tunnel: TunnelType = .ipip, tunnelPort: UInt16 = 0,
    checksum: TunnelChecksum = .none
) -> RealServerConfig {
    RealServerConfig(
        address: ip(address), port: port, forwarding: forwarding, weight: weight, upperThreshold: upper,
        lowerThreshold: lower, tunnelType: tunnel, tunnelPort: tunnelPort, tunnelChecksum: checksum)
}

func addServer(_ id: VirtualServiceID, _ config: RealServerConfig) -> IPVSAdminInvocation {
    .command(.addRealServer(id, config))
}

func list(_ configure: (inout ListOptions) -> Void = { _ in }) -> IPVSAdminInvocation {
    var options = ListOptions()
    configure(&options)
    return .list(options)
}

func daemon(_ config: SyncDaemonConfig) -> IPVSAdminInvocation { .command(.startDaemon(config)) }

/// Runs one table row with the table resolver and compares the whole outcome.
func check(_ row: ParserCase, sourceLocation: SourceLocation = #_sourceLocation) {
    let parser = IPVSAdminParser(resolver: TableResolver())
    let result = parser.parse(row.arguments)
    #expect(result == row.expected, "\(row.testDescription)", sourceLocation: sourceLocation)
}
