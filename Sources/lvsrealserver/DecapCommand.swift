import ArgumentParser
import CLinuxNet
import Glibc
import LVSPacket

/// `lvs-realserver decap`: decapsulates IP-IP in user space for kernels without the ipip module
/// (reference §5.3 expects `modprobe ipip; ip link set tunl0 up`). Raw sockets for protocols 4
/// and 41 receive the tunnelled packets addressed to this host; the inner packet, if it is for a
/// configured VIP, is written to a TUN device so the local stack delivers it to the VIP on lo.
struct DecapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decap",
        abstract: "Decapsulate IP-IP (protocols 4 and 41) in user space into a TUN device.",
        discussion: """
            For kernels without the ipip module. Runs until SIGINT or SIGTERM, then prints its \
            counters and removes the TUN device. Packets whose inner destination is not a --vip are \
            dropped and counted.
            """)

    static let defaultDevice = "lvstun0"

    @Option(help: "The TUN device to create and inject into.")
    var device: String = defaultDevice

    @Option(name: .customLong("vip"), help: "A virtual IP address to accept inner packets for; repeatable.")
    var vips: [VirtualAddress] = []

    @Option(help: "Print the counters every N seconds (0: only on exit).")
    var statsInterval: Int = 0

    @Flag(help: "Print what it would set up, change nothing.")
    var dryRun = false

    func validate() throws {
        guard !vips.isEmpty else {
            throw ValidationError("give at least one --vip (inner packets for others are dropped)")
        }
        guard !device.isEmpty, device.utf8.count < 16, !device.contains("/"), !device.contains(" ") else {
            throw ValidationError("'\(device)' is not a valid interface name (1 to 15 bytes, no '/')")
        }
        guard statsInterval >= 0 else { throw ValidationError("--stats-interval must be 0 or more") }
    }

    /// The raw sockets to open: family, protocol, and what each delivers.
    static let sockets: [(family: Int32, protocolNumber: UInt8, label: String)] = [
        (AF_INET, IPProtocolNumbers.ipip, "IPv4 in IPv4"),
        (AF_INET, IPProtocolNumbers.ipv6, "IPv6 in IPv4"),
        (AF_INET6, IPProtocolNumbers.ipip, "IPv4 in IPv6"),
        (AF_INET6, IPProtocolNumbers.ipv6, "IPv6 in IPv6"),
    ]

    private var rpFilter: Sysctl { .ipv4Conf(device, "rp_filter") }

    func run() throws {
        let vipList = vips.map(\.description).joined(separator: ", ")
        if dryRun {
            print("open /dev/net/tun: TUNSETIFF \(device) (IFF_TUN | IFF_NO_PI)")
            print(SetupStep.bringUp(device: device))
            print(SetupStep.setSysctl(rpFilter, value: "0"))
            for socket in Self.sockets {
                let family = socket.family == AF_INET ? "AF_INET" : "AF_INET6"
                print("raw socket \(family) protocol \(socket.protocolNumber): \(socket.label)")
            }
            print("inject inner packets for \(vipList) into \(device); drop the rest")
            return
        }
        guard SystemAccess.hasNetAdmin else { throw HelperError.needsRoot(to: "create the TUN device \(device)") }
        // Block the stop signals before anything can start a thread, so the signalfd sees them.
        let signalFD = clinuxtun_stop_signalfd()
        guard signalFD >= 0 else { throw HelperError("cannot create a signalfd: \(Self.errorText())") }
        defer { close(signalFD) }

        var actualName = [CChar](repeating: 0, count: 16)
        let tunFD = clinuxtun_open(device, &actualName)
        guard tunFD >= 0 else {
            if errno == EPERM || errno == EACCES { throw HelperError.needsRoot(to: "create the TUN device \(device)") }
            throw HelperError("cannot create the TUN device \(device) via /dev/net/tun: \(Self.errorText())")
        }
        // Closing the fd removes the (non-persistent) device: the clean exit.
        defer { close(tunFD) }
        guard clinuxtun_set_up(device) == 0 else {
            throw HelperError("cannot bring \(device) up: \(Self.errorText())")
        }
        try SystemAccess.write(rpFilter, value: "0")
        if let all = SystemAccess.read(.ipv4Conf("all", "rp_filter")), all != "0" {
            print(
                "warning: net.ipv4.conf.all.rp_filter is \(all): the kernel will drop decapsulated packets; "
                    + "run `lvs-realserver prepare --method tun --vip ...` first")
        }

        var receivers: [Decapsulator.Receiver] = []
        defer { for receiver in receivers { close(receiver.fd) } }
        for socket in Self.sockets {
            let fd = clinuxtun_raw_socket(socket.family, Int32(socket.protocolNumber))
            if fd < 0 {
                // IPv4 is required; IPv6 may be disabled on this host.
                if socket.family == AF_INET {
                    throw HelperError(
                        "cannot open a raw socket for protocol \(socket.protocolNumber): \(Self.errorText())")
                }
                print("note: no \(socket.label) (\(Self.errorText()))")
                continue
            }
            receivers.append(
                Decapsulator.Receiver(
                    fd: fd, outerHeaderIncluded: socket.family == AF_INET,
                    innerIsIPv6: socket.protocolNumber == IPProtocolNumbers.ipv6, label: socket.label))
        }

        let decapsulator = Decapsulator(
            tunFD: tunFD, signalFD: signalFD, receivers: receivers, vips: vips.map(\.address),
            statsIntervalSeconds: statsInterval)
        print("ready: decapsulating IP-IP for \(vipList) into \(device)")
        fflush(nil)
        let signal = decapsulator.run { counters in
            print(counters.report)
            fflush(nil)
        }
        print(decapsulator.counters.report)
        print(signal > 0 ? "stopped by signal \(signal); removed \(device)" : "poll failed: \(Self.errorText())")
        fflush(nil)
        if signal < 0 { throw ExitCode.failure }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
