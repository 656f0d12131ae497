import IPVSAdmin
import LVSCore

/// What `lvsd --demo` configures, as ipvsadm command lines: one TCP virtual service on
/// 127.0.0.1 with the `rr` scheduler over the demo real servers, forwarding method proxy,
/// weight 1 each. `rr` is chosen because its rotation is visible from the first curl.
///
/// The lines go through the same parser as `lvsadm` and the same request as its socket, so the
/// demo shows exactly what typing them would do.
public struct DemoPlan: Sendable, Hashable {
    public static let address = "127.0.0.1"
    public static let preferredVirtualPort = 8080
    public static let preferredRealServerPorts = [8081, 8082, 8083]
    public static let scheduler = "rr"

    /// The virtual service's port on 127.0.0.1.
    public var virtualPort: Int
    /// The real servers' ports, real server 1 first.
    public var realServerPorts: [Int]
    /// Where lvsadm finds the daemon.
    public var controlSocketPath: String

    public init(virtualPort: Int, realServerPorts: [Int], controlSocketPath: String) {
        self.virtualPort = virtualPort
        self.realServerPorts = realServerPorts
        self.controlSocketPath = controlSocketPath
    }

    /// `127.0.0.1:8080`.
    public var virtualService: String { "\(Self.address):\(virtualPort)" }

    public func realServer(_ index: Int) -> String { "\(Self.address):\(realServerPorts[index])" }

    /// The ipvsadm lines, in the order they are applied. Real servers are added last to first:
    /// like the kernel, the director puts a new real server at the head of the service's list,
    /// and `rr` walks that list from the head, so this order makes the rotation 1, 2, 3.
    public var ipvsadmLines: [[String]] {
        var lines = [["-A", "-t", virtualService, "-s", Self.scheduler]]
        for index in realServerPorts.indices.reversed() {
            lines.append(["-a", "-t", virtualService, "-r", realServer(index), "--proxy", "-w", "1"])
        }
        return lines
    }

    /// The lines parsed as `lvsadm` parses them.
    public func commands() throws(DemoError) -> [AdminCommand] {
        let parser = IPVSAdminParser(resolver: NumericResolver(), programName: "lvsd")
        var commands: [AdminCommand] = []
        for line in ipvsadmLines {
            switch parser.parse(line) {
            case .success(.command(let command)):
                commands.append(command)
            case .success(.list), .success(.save), .success(.restore), .success(.help), .success(.version):
                throw DemoError("demo line '\(line.joined(separator: " "))' does not change the configuration")
            case .failure(let error):
                throw DemoError("demo line '\(line.joined(separator: " "))': \(error.message)")
            }
        }
        return commands
    }
}
