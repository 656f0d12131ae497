import Foundation
import Testing

/// The decap tests' network, after the kernel selftest's TUN mode (reference §9) without the
/// ipip module: a "director" namespace and a "real server" namespace joined by a veth pair; the
/// real server prepared with `lvs-realserver prepare --method tun` and running
/// `lvs-realserver decap`. Clients live beyond the director (the real server routes them back
/// via it), so the director namespace, which does not forward, neither answers nor resets the
/// real server's replies: its AF_PACKET socket just sees them. `tearDown()` stops decap by its
/// process id and deletes both namespaces; call it in every path.
final class TunnelTopology {
    static let vip = "207.175.44.110"
    static let vip6 = "2001:db8:44::110"
    static let director = "10.0.0.1"
    static let realServer = "10.0.0.2"
    static let client = "10.9.0.2"
    static let director6 = "2001:db8:1::1"
    static let realServer6 = "2001:db8:1::2"
    static let client6 = "2001:db8:9::2"

    let suffix = NamespaceSupport.uniqueSuffix()
    let directorNS: TestNamespace
    let serverNS: TestNamespace
    let directorDevice: String
    let serverDevice: String
    let tunDevice: String
    let stateFile: String
    private(set) var decap: RunningProcess?

    init() throws {
        directorDevice = "vd\(suffix)"
        serverDevice = "vr\(suffix)"
        tunDevice = "lt\(suffix)"
        stateFile = "/tmp/lvsrs-state-\(suffix)"
        directorNS = try TestNamespace("lvsrs-d-\(suffix)")
        do {
            serverNS = try TestNamespace("lvsrs-r-\(suffix)")
        } catch {
            directorNS.remove()
            throw error
        }
        do {
            try build()
        } catch {
            tearDown()
            throw error
        }
    }

    private func build() throws {
        let (d, r) = (directorNS.name, serverNS.name)
        try IP.run(["-n", d, "link", "add", directorDevice, "type", "veth", "peer", "name", serverDevice])
        try IP.run(["-n", d, "link", "set", serverDevice, "netns", r])
        try IP.run(["-n", d, "address", "add", "\(Self.director)/24", "dev", directorDevice])
        try IP.run(["-n", r, "address", "add", "\(Self.realServer)/24", "dev", serverDevice])
        try IP.run(["-n", d, "address", "add", "\(Self.director6)/64", "dev", directorDevice, "nodad"])
        try IP.run(["-n", r, "address", "add", "\(Self.realServer6)/64", "dev", serverDevice, "nodad"])
        try IP.run(["-n", d, "link", "set", directorDevice, "up"])
        try IP.run(["-n", r, "link", "set", serverDevice, "up"])
        try IP.run(["-n", r, "route", "add", "10.9.0.0/24", "via", Self.director])
        try IP.run(["-n", r, "-6", "route", "add", "2001:db8:9::/64", "via", Self.director6])

        let prepared = try HelperProcess.realServer(
            in: r,
            [
                "prepare", "--vip", Self.vip, "--vip", Self.vip6, "--method", "tun", "--interface", serverDevice,
                "--state-file", stateFile,
            ])
        try #require(prepared.status == 0, "prepare failed: \(prepared.standardError)")

        let decap = try RunningProcess(
            #require(HelperProcess.tool("ip")),
            [
                "netns", "exec", r, HelperProcess.executable(), "decap", "--vip", Self.vip, "--vip", Self.vip6,
                "--device", tunDevice,
            ])
        self.decap = decap
        try #require(decap.waitForLine(startingWith: "ready:"), "decap did not start: \(decap.collected)")
    }

    /// Stops decap (SIGTERM) and returns everything it printed.
    func stopDecap() -> String { decap?.stop() ?? "" }

    func tearDown() {
        decap?.killIfRunning()
        directorNS.remove()
        serverNS.remove()
        try? FileManager.default.removeItem(atPath: stateFile)
    }
}
