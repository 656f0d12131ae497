import IPVSAdmin
import LVSCore

/// `-a`, `-e`, `-d` (reference §1.5).
enum RealServerCases {
    static let web = tcp("207.175.44.110", 80)
    static let vip = tcp("10.0.0.1", 80)

    static let all: [ParserCase] = [
        // ipvsadm(8) EXAMPLES.
        ok("-a -t 207.175.44.110:80 -r 192.168.10.1:80 -m", addServer(web, server("192.168.10.1", 80, .masquerading))),
        ok(
            "-a -t 207.175.44.110:80 -r 192.168.10.2:80 -m -w 2",
            addServer(web, server("192.168.10.2", 80, .masquerading, weight: 2))),
        ok("-a -f 1 -r 192.168.10.1:0 -m -w 1", addServer(fwmark(1), server("192.168.10.1", 0, .masquerading))),
        ok("-a -t 207.175.44.110:80 -r 192.168.10.1 -g", addServer(web, server("192.168.10.1", 80))),
        // Port rules: omitted port copies the service port only when -r follows the selector;
        // -g/-i force the service port on address services; -m and --proxy keep theirs.
        ok("-a -t 207.175.44.110:80 -r 192.168.10.1 -m", addServer(web, server("192.168.10.1", 80, .masquerading))),
        ok(
            "-a -t 207.175.44.110:80 -r 192.168.10.1:8080 -m",
            addServer(web, server("192.168.10.1", 8080, .masquerading))),
        ok("-a -t 207.175.44.110:80 -r 192.168.10.1:8080", addServer(web, server("192.168.10.1", 80))),
        ok("-a -t 207.175.44.110:80 -r 192.168.10.1:8080 -i", addServer(web, server("192.168.10.1", 80, .tunnelling))),
        ok("-a -r 192.168.10.1 -t 207.175.44.110:80 -m", addServer(web, server("192.168.10.1", 0, .masquerading))),
        ok("-a -r 192.168.10.1 -t 207.175.44.110:80", addServer(web, server("192.168.10.1", 80))),
        ok("-a -f 1 -r 192.168.10.1", addServer(fwmark(1), server("192.168.10.1", 0))),
        ok("-a -f 1 -r 192.168.10.1:8080", addServer(fwmark(1), server("192.168.10.1", 8080))),
        ok("-a -f 1 -r 192.168.10.1:http", addServer(fwmark(1), server("192.168.10.1", 80))),
        ok("-a -t 10.0.0.1:80 -r 10.0.0.2 --proxy", addServer(vip, server("10.0.0.2", 80, .proxy))),
        ok("-a -t 10.0.0.1:80 -r 10.0.0.2:8080 --proxy", addServer(vip, server("10.0.0.2", 8080, .proxy))),
        // Our proxy-method options.
        ok(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 --proxy --proxy-protocol v1",
            addServer(vip, proxied("10.0.0.2", proxyProtocol: .v1))),
        ok(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 --proxy-protocol=v2 --transparent --proxy",
            addServer(vip, proxied("10.0.0.2", proxyProtocol: .v2, transparent: true))),
        ok(
            "-e -t 10.0.0.1:80 -r 10.0.0.2 --proxy --transparent",
            .command(.editRealServer(vip, proxied("10.0.0.2", transparent: true)))),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -m --proxy-protocol v1", "Proxy options conflict with forward method"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 --transparent", "Proxy options conflict with forward method"),
        fails(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 --proxy --proxy-protocol v3",
            "illegal proxy-protocol version specified (v1 or v2)"),
        fails(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 --proxy --transparent --transparent",
            "multiple 'transparent' options specified"),
        fails("-A -t 10.0.0.1:80 --transparent", "Illegal 'transparent' option with the 'add-service' command"),
        fails(
            "-d -t 10.0.0.1:80 -r 10.0.0.2 --proxy-protocol v1",
            "Illegal 'proxy-protocol' option with the 'delete-server' command"),
        fails("-L --transparent", "Illegal 'transparent' option with the 'list' command"),
        fails(
            "-a -t 10.0.0.1:80 -r [2001:db8::2]:80 --proxy",
            "Different address family is allowed only for tunneling servers"),
        // Names through the resolver, with the service's protocol.
        ok("-a -t 10.0.0.1:80 -r real1.example:8080 -m", addServer(vip, server("192.168.10.1", 8080, .masquerading))),
        ok("-a -t 10.0.0.1:80 -r 10.0.0.2:https -m", addServer(vip, server("10.0.0.2", 443, .masquerading))),
        ok(
            "-a -u 10.0.0.1:53 -r 192.168.10.1:domain -m",
            addServer(udp("10.0.0.1", 53), server("192.168.10.1", 53, .masquerading))),
        fails("-a -r 192.168.10.1:http -t 10.0.0.1:80 -m", "illegal real server address[:port] specified"),
        fails("-a -t 10.0.0.1:80 -r 1234", "illegal real server address[:port] specified"),
        fails("-a -t 10.0.0.1:80 -r nowhere.example", "illegal real server address[:port] specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2:99999", "illegal real server address[:port] specified"),
        // Weights and thresholds.
        ok("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 0", addServer(vip, server("10.0.0.2", 80, weight: 0))),
        ok("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 65535", addServer(vip, server("10.0.0.2", 80, weight: 65535))),
        ok(
            ["-a", "-t", "10.0.0.1:80", "-r", "10.0.0.2", "-w", " 7"], addServer(vip, server("10.0.0.2", 80, weight: 7))
        ),
        ok("-a -t 10.0.0.1:80 -r 10.0.0.2 -w5", addServer(vip, server("10.0.0.2", 80, weight: 5))),
        ok("-a -t 10.0.0.1:80 -r 10.0.0.2 --weight=9", addServer(vip, server("10.0.0.2", 80, weight: 9))),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 65536", "illegal weight specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -w -1", "illegal weight specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 5x", "illegal weight specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 99999999999999999999", "illegal weight specified"),
        ok(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -x 100 -y 50",
            addServer(vip, server("10.0.0.2", 80, upper: 100, lower: 50))),
        ok(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 --u-threshold 2147483647 --l-threshold 0",
            addServer(vip, server("10.0.0.2", 80, upper: 2_147_483_647))),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -x 2147483648", "illegal u_threshold specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -y abc", "illegal l_threshold specified"),
        // Address families.
        fails(
            "-a -t 10.0.0.1:80 -r [2001:db8::2]:80", "Different address family is allowed only for tunneling servers"),
        fails("-a -t 10.0.0.1:80 -r 2001:db8::2 -m", "Different address family is allowed only for tunneling servers"),
        ok("-a -t 10.0.0.1:80 -r [2001:db8::2]:8080 -i", addServer(vip, server("2001:db8::2", 80, .tunnelling))),
        ok("-a -f 1 -6 -r 2001:db8::5", addServer(fwmark(1, .inet6), server("2001:db8::5", 0))),
        ok("-a -f 1 -6 -r [2001:db8::5]:0", addServer(fwmark(1, .inet6), server("2001:db8::5", 0))),
        fails("-a -f 1 -6 -r [2001:db8::5]", "illegal real server address[:port] specified"),
        ok("-a -f 1 -r 2001:db8::5 -6", addServer(fwmark(1, .inet6), server("2001:db8::5", 0))),
        fails("-a -f 1 -6 -r 10.0.0.2", "Different address family is allowed only for tunneling servers"),
        ok(
            "-a -t [2001:db8::1]:80 -r [2001:db8::2]:81 -m",
            addServer(tcp("2001:db8::1", 80), server("2001:db8::2", 81, .masquerading))),
        // Tunnel options.
        ok("-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type ipip", addServer(vip, server("10.0.0.2", 80, .tunnelling))),
        ok(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gue --tun-port 6080",
            addServer(vip, server("10.0.0.2", 80, .tunnelling, tunnel: .gue, tunnelPort: 6080))),
        ok(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gue --tun-port 6080 --tun-remcsum",
            addServer(
                vip, server("10.0.0.2", 80, .tunnelling, tunnel: .gue, tunnelPort: 6080, checksum: .remoteChecksum))),
        ok(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gue --tun-port 6080 --tun-nocsum",
            addServer(vip, server("10.0.0.2", 80, .tunnelling, tunnel: .gue, tunnelPort: 6080))),
        ok(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gre --tun-csum",
            addServer(vip, server("10.0.0.2", 80, .tunnelling, tunnel: .gre, checksum: .checksum))),
        fails(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gue",
            "You need to supply the 'tun-port' option for the 'gue' tunnel type"),
        fails(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gre --tun-port 1",
            "Illegal 'tun-port' option with the 'gre' tunnel type"),
        fails(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gre --tun-remcsum",
            "Illegal 'tun-remcsum' option with the 'gre' tunnel type"),
        fails(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-nocsum", "Illegal 'tun-nocsum' option with the 'ipip' tunnel type"),
        fails(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gue --tun-port 6080 --tun-csum --tun-remcsum",
            "The option 'tun-remcsum' conflicts with the 'tun-csum' option in the 'gue' tunnel type"),
        fails(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gre --tun-nocsum --tun-csum",
            "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gre' tunnel type"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -m --tun-type gue", "Tunnel options conflict with forward method"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 --tun-csum", "Tunnel options conflict with forward method"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type vxlan", "illegal tunnel type specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gue --tun-port 0", "illegal tunnel port specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gue --tun-port 65536", "illegal tunnel port specified"),
        // Legality.
        fails("-a -t 10.0.0.1:80", "You need to supply the 'real-server' option for the 'add-server' command"),
        fails("-a -r 10.0.0.2", "You need to supply the 'service-address' option for the 'add-server' command"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -s rr", "Illegal 'scheduler' option with the 'add-server' command"),
        fails("-e -t 10.0.0.1:80 -r 10.0.0.2 -p", "Illegal 'persistent' option with the 'edit-server' command"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -m -g", "multiple 'forwarding-method' options specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -m --proxy", "multiple 'forwarding-method' options specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -r 10.0.0.3", "multiple 'real-server' options specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -w 1 -w 2", "multiple 'weight' options specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -x 1 -x 2", "multiple 'u-threshold' options specified"),
        fails("-a -t 10.0.0.1:80 -r 10.0.0.2 -y 1 -y 2", "multiple 'l-threshold' options specified"),
        fails(
            "-a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type gue --tun-type gre", "multiple 'tun-type' options specified"),
        // -e sends a complete record: omitted options go back to their defaults.
        ok("-e -t 10.0.0.1:80 -r 10.0.0.2:80 -w 0", .command(.editRealServer(vip, server("10.0.0.2", 80, weight: 0)))),
        ok(
            "--edit-server -t 10.0.0.1:80 -r 10.0.0.2:81 --masquerading",
            .command(.editRealServer(vip, server("10.0.0.2", 81, .masquerading)))),
        // Delete: the key as given, no port forcing, no family check.
        ok(
            "-d -t 10.0.0.1:80 -r 10.0.0.2",
            .command(.deleteRealServer(vip, RealServerKey(address: ip("10.0.0.2"), port: 80)))),
        ok(
            "-d -t 10.0.0.1:80 -r 10.0.0.2:8080",
            .command(.deleteRealServer(vip, RealServerKey(address: ip("10.0.0.2"), port: 8080)))),
        ok(
            "-d -t 10.0.0.1:80 -r [2001:db8::2]:80",
            .command(.deleteRealServer(vip, RealServerKey(address: ip("2001:db8::2"), port: 80)))),
        fails(
            "-d -t 10.0.0.1:80 -r 10.0.0.2 -m", "Illegal 'forwarding-method' option with the 'delete-server' command"),
        fails("-d -t 10.0.0.1:80 -r 10.0.0.2 -w 1", "Illegal 'weight' option with the 'delete-server' command"),
        fails("-d -t 10.0.0.1:80", "You need to supply the 'real-server' option for the 'delete-server' command"),
        fails("-aA", "invalid option `-aA'"),
    ]
}
