extension IPVSAdminParser {
    /// `-v`/`--version`. lvsadm prints ipvsadm 1.31's own version line unchanged, because
    /// scripts parse it to decide which options exist (reference §1.1); the lvsadm version is
    /// reported elsewhere (the daemon's status), never here.
    public static let versionText = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)"

    /// `-h`/`--help` as printed for program name `ipvsadm`.
    public static let usageText = usageText(programName: "ipvsadm")

    /// The help text: ipvsadm 1.31's layout (reference §1.11) — version line, one synopsis line
    /// per command form, then the commands, selectors, options and daemon options — with our
    /// `--proxy` and `--json` added. Every line ends in a newline. The `--syncid` default shown is the
    /// real one, 0 (ipvsadm 1.31 prints 255, which is wrong: reference §12.2).
    public static func usageText(programName p: String) -> String {
        let synopsis = [
            "-A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] [--pe persistence_engine] [-b sched-flags]",
            "-D virtual-service",
            "-C",
            "-R",
            "-S [-n]",
            "-a|e virtual-service -r server-address [options]",
            "-d virtual-service -r server-address",
            "-L|l [virtual-service] [options]",
            "-Z [virtual-service]",
            "--set tcp tcpfin udp",
            "--start-daemon {master|backup} [daemon-options]",
            "--stop-daemon {master|backup}",
            "-h",
        ]
        var text = versionText + "\n" + "Usage:\n"
        for line in synopsis { text += "  \(p) \(line)\n" }
        text += "\n"

        text += "Commands:\n"
        text += "Either long or short options are allowed.\n"
        text += rows(
            [
                ("--add-service     -A", "add a virtual service and its options"),
                ("--edit-service    -E", "change the options of a virtual service"),
                ("--delete-service  -D", "remove a virtual service"),
                ("--clear           -C", "remove every virtual service"),
                ("--restore         -R", "read commands from standard input"),
                ("--save            -S", "write the rules to standard output"),
                ("--add-server      -a", "add a real server and its options"),
                ("--edit-server     -e", "change the options of a real server"),
                ("--delete-server   -d", "remove a real server"),
                ("--list            -L|-l", "show the table"),
                ("--zero            -Z", "reset the counters of one service or of all"),
                ("--set tcp tcpfin udp", "set the connection timeouts"),
                ("--start-daemon", "start a connection synchronisation daemon"),
                ("--stop-daemon", "stop a connection synchronisation daemon"),
                ("--help            -h", "show this help"),
            ], column: 30)
        text += "\n"

        text += "virtual-service:\n"
        text += rows(
            [
                ("--tcp-service|-t  service-address", "service-address is host[:port]"),
                ("--udp-service|-u  service-address", "service-address is host[:port]"),
                ("--sctp-service    service-address", "service-address is host[:port]"),
                ("--fwmark-service|-f fwmark", "fwmark is an integer greater than zero"),
            ], column: 38)
        text += "\n"

        text += "Options:\n"
        text += rows(
            [
                ("--ipv6         -6", "the fwmark service is IPv6"),
                ("--scheduler    -s scheduler", "one of rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|fo|ovf|mh,"),
                ("", "wlc when not given."),
                ("--pe            engine", "persistence engine, one of sip,"),
                ("", "none when not given."),
                ("--persistent   -p [timeout]", "make the service persistent"),
                ("--netmask      -M netmask", "client netmask for persistence"),
                ("--real-server  -r server-address", "server-address is host (and port)"),
                ("--gatewaying   -g", "direct routing (the default)"),
                ("--ipip         -i", "IP-in-IP encapsulation (tunnelling)"),
                ("--masquerading -m", "masquerading (NAT)"),
                ("--proxy", "full proxy (lvsadm only)"),
                ("--proxy-protocol v1|v2", "PROXY header to the real server (--proxy)"),
                ("--transparent", "connect from the client's address (--proxy)"),
                ("--tun-type      type", "one of ipip|gue|gre,"),
                ("", "ipip when not given."),
                ("--tun-port      port", "tunnel destination port"),
                ("--tun-nocsum", "tunnel packets without checksum"),
                ("--tun-csum", "tunnel packets with checksum"),
                ("--tun-remcsum", "tunnel packets with remote checksum"),
                ("--weight       -w weight", "capacity of the real server"),
                ("--u-threshold  -x uthreshold", "upper connection threshold"),
                ("--l-threshold  -y lthreshold", "lower connection threshold"),
                ("--connection   -c", "list the connection entries"),
                ("--timeout", "list the timeouts (tcp tcpfin udp)"),
                ("--daemon", "list the synchronisation daemons"),
                ("--stats", "list the counters"),
                ("--rate", "list the rates"),
                ("--exact", "print numbers in full"),
                ("--thresholds", "list the thresholds"),
                ("--persistent-conn", "list the persistent connections"),
                ("--tun-info", "list the tunnel settings"),
                ("--nosort", "keep the table order"),
                ("--sort", "no effect, kept for old scripts"),
                ("--json", "list as JSON (lvsadm only)"),
                ("--ops          -o", "one-packet scheduling"),
                ("--numeric      -n", "print addresses and ports as numbers"),
                ("--sched-flags  -b flags", "scheduler flags, separated by commas"),
            ], column: 38)

        text += "Daemon Options:\n"
        text += rows(
            [
                ("--syncid sid", "synchronisation id (default=0)"),
                ("--sync-maxlen length", "largest message size (default=1472)"),
                ("--mcast-interface interface", "interface for synchronisation"),
                ("--mcast-group address", "IPv4/IPv6 group (default=224.0.0.81)"),
                ("--mcast-port port", "UDP port (default=8848)"),
                ("--mcast-ttl ttl", "multicast TTL (default=1)"),
            ], column: 38)
        return text
    }

    /// Two-column lines: two spaces, the option padded to `column`, the description.
    private static func rows(_ items: [(String, String)], column: Int) -> String {
        var out = ""
        for (option, description) in items {
            var line = "  " + option
            if line.count < column {
                line += String(repeating: " ", count: column - line.count)
            } else {
                line += " "
            }
            out += line + description + "\n"
        }
        return out
    }
}
