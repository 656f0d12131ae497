import ArgumentParser

/// The options `prepare`, `status` and `undo` share.
struct SetupOptions: ParsableArguments {
    @Option(name: .customLong("vip"), help: "A virtual IP address (IPv4 or IPv6); repeat for several.")
    var vips: [VirtualAddress] = []

    @Option(help: "The director's forwarding method: dr (direct routing, -g) or tun (IP-IP tunnelling, -i).")
    var method: ForwardingMethod = .dr

    @Option(
        name: .customLong("interface"),
        help: "An interface that receives traffic for the VIP (ARP and rp_filter set on it too); repeatable.")
    var interfaces: [String] = []

    @Option(help: "Where prepare records what it changed, for undo.")
    var stateFile: String = StateFile.defaultPath

    func validateInterfaces() throws {
        for name in interfaces {
            guard !name.isEmpty, name.utf8.count < 16, !name.contains("/"), name != ".", name != ".." else {
                throw ValidationError("'\(name)' is not a valid interface name")
            }
        }
    }

    /// The plan for these options on this kernel.
    var plan: SetupPlan {
        SetupPlan(vips: vips, method: method, interfaces: interfaces, kernelHasIPIP: SystemAccess.kernelHasIPIP)
    }
}
