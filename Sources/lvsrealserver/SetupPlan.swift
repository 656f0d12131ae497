/// What a real server needs for a forwarding method, as a list of desired settings; `prepare`
/// applies the ones not yet in place and `status` reports the ones missing. Decides only: no I/O.
struct SetupPlan: Sendable, Equatable {
    /// A sysctl value the method needs, with why (printed by `status`).
    struct Requirement: Sendable, Equatable {
        var sysctl: Sysctl
        var value: String
        var reason: String
    }

    /// The device the VIPs live on: `lo` never answers ARP or neighbour solicitations for its
    /// addresses on other links, so the director stays the only owner of the VIP on the wire.
    static let vipDevice = "lo"
    /// The kernel's IP-IP fallback device, present when the ipip module is loaded.
    static let kernelTunnelDevice = "tunl0"

    var vips: [VirtualAddress]
    var requirements: [Requirement]
    /// Devices to bring up (tunl0 for tunnelling on a kernel with ipip).
    var devicesUp: [String]

    /// The settings for `method`. `interfaces` are the real server's interfaces towards the
    /// director and clients; `kernelHasIPIP` says whether the kernel decapsulates itself (else
    /// `lvs-realserver decap` does, and sets rp_filter on its own device when it creates it).
    init(vips: [VirtualAddress], method: ForwardingMethod, interfaces: [String], kernelHasIPIP: Bool) {
        var unique: [VirtualAddress] = []
        for vip in vips where !unique.contains(vip) { unique.append(vip) }
        self.vips = unique
        var requirements: [Requirement] = []
        var devicesUp: [String] = []
        // ARP and rp_filter are IPv4 settings; an IPv6 VIP on lo needs neither (the kernel
        // answers neighbour solicitations only for addresses on the receiving interface).
        if unique.contains(where: { !$0.address.isIPv6 }) {
            // Reference §5.2: answer ARP only for addresses on the receiving interface, and never
            // use the VIP as the source of our own ARP requests; "all" and the interface both
            // count (the kernel takes the larger value).
            for device in ["all"] + interfaces {
                requirements.append(
                    Requirement(
                        sysctl: .ipv4Conf(device, "arp_ignore"), value: "1",
                        reason: "answer ARP only for addresses on the receiving interface, not for the VIP"))
                requirements.append(
                    Requirement(
                        sysctl: .ipv4Conf(device, "arp_announce"), value: "2",
                        reason: "never announce the VIP as the source of ARP requests"))
            }
            // Reverse-path filtering: the kernel uses the larger of "all" and the interface's value,
            // so both must be 0 for packets whose reply leaves by another route (reference §5.3).
            var rpDevices = ["all"] + interfaces
            if method == .tun && kernelHasIPIP { rpDevices.append(Self.kernelTunnelDevice) }
            for device in rpDevices {
                requirements.append(
                    Requirement(
                        sysctl: .ipv4Conf(device, "rp_filter"), value: "0",
                        reason: "accept packets to the VIP whose reply route is another interface"))
            }
        }
        switch method {
        case .dr:
            break
        case .tun:
            if kernelHasIPIP { devicesUp.append(Self.kernelTunnelDevice) }
        }
        self.requirements = requirements
        self.devicesUp = devicesUp
    }

    /// Every step, in order, as `--dry-run` prints it (what prepare ensures; steps already in
    /// place are skipped when run for real).
    var steps: [SetupStep] {
        vips.map { SetupStep.addAddress($0, device: Self.vipDevice) }
            + devicesUp.map { SetupStep.bringUp(device: $0) }
            + requirements.map { SetupStep.setSysctl($0.sysctl, value: $0.value) }
    }
}
