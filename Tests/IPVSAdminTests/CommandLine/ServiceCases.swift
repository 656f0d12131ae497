import IPVSAdmin
import LVSCore

/// `-A`, `-E`, `-D`, `-C` (reference §1.3, §1.4).
enum ServiceCases {
    static let v4Mask24: UInt32 = 0xFFFF_FF00

    static let all: [ParserCase] = [
        // ipvsadm(8) EXAMPLES.
        ok("-A -t 207.175.44.110:80 -s rr", addService(.init(id: tcp("207.175.44.110", 80), scheduler: "rr"))),
        ok("-A -f 1 -s rr", addService(.init(id: fwmark(1), scheduler: "rr"))),
        ok("-A -f 1 -s rr -p 1500", addService(.init(id: fwmark(1), scheduler: "rr", persistenceTimeout: 1500))),
        // Defaults, long forms, bundles and `=`.
        ok("-A -t 207.175.44.110:80", addService(.init(id: tcp("207.175.44.110", 80)))),
        ok("-E -t 207.175.44.110:80", editService(.init(id: tcp("207.175.44.110", 80)))),
        ok(
            "--add-service --tcp-service 207.175.44.110:80 --scheduler rr",
            addService(.init(id: tcp("207.175.44.110", 80), scheduler: "rr"))),
        ok(
            "--add-service --tcp-service=10.0.0.1:80 --scheduler=wrr",
            addService(.init(id: tcp("10.0.0.1", 80), scheduler: "wrr"))),
        ok("-At 10.0.0.1:80", addService(.init(id: tcp("10.0.0.1", 80)))),
        ok("-At10.0.0.1:80 -srr", addService(.init(id: tcp("10.0.0.1", 80), scheduler: "rr"))),
        ok("-A -t=10.0.0.1:80 -s=lc", addService(.init(id: tcp("10.0.0.1", 80), scheduler: "lc"))),
        ok("-A -t 10.0.0.1:80 --sort --sort", addService(.init(id: tcp("10.0.0.1", 80)))),
        ok("-A --sctp-service 10.0.0.1:5060", addService(.init(id: sctp("10.0.0.1", 5060)))),
        ok("-A --sctp-service 10.0.0.1:sip", addService(.init(id: sctp("10.0.0.1", 5060)))),
        ok("-A -u 10.0.0.1:domain", addService(.init(id: udp("10.0.0.1", 53)))),
        ok("-A -t www.example.com:http", addService(.init(id: tcp("192.0.2.10", 80)))),
        ok("-A -t 10.1:80", addService(.init(id: tcp("10.0.0.1", 80)))),
        ok("-A -t 0x7f.1:80", addService(.init(id: tcp("127.0.0.1", 80)))),
        ok("-A -t 10.0.0.1:+80", addService(.init(id: tcp("10.0.0.1", 80)))),
        // Persistence: optional value as popt takes it.
        ok("-A -t 10.0.0.1:80 -p", addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 360))),
        ok("-A -t 10.0.0.1:80 -p 600", addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 600))),
        ok("-A -t 10.0.0.1:80 -p600", addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 600))),
        ok("-A -t 10.0.0.1:80 --persistent=100", addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 100))),
        ok("-A -t 10.0.0.1:80 --persistent 100", addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 100))),
        ok(
            "-A -t 10.0.0.1:80 -p -s rr",
            addService(.init(id: tcp("10.0.0.1", 80), scheduler: "rr", persistenceTimeout: 360))),
        ok(
            "-A -t 10.0.0.1:80 -p 2678400",
            addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 2_678_400))),
        ok("-Ap -t 10.0.0.1:80", addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 360))),
        fails("-A -t 10.0.0.1:80 -Ap", "invalid option `-Ap'"),
        fails("-A -t 10.0.0.1:80 -p 0", "invalid timeout value `0' specified"),
        fails("-A -t 10.0.0.1:80 -p 2678401", "invalid timeout value `2678401' specified"),
        fails("-A -t 10.0.0.1:80 -p foo", "invalid timeout value `foo' specified"),
        fails(["-A", "-t", "10.0.0.1:80", "-p", ""], "invalid timeout value `' specified"),
        fails("-A -t 10.0.0.1:80 --persistent=", "invalid timeout value `' specified"),
        ok("-A -t 10.0.0.1:0 -p", addService(.init(id: tcp("10.0.0.1", 0), persistenceTimeout: 360))),
        ok("-A -t 10.0.0.1 -p", addService(.init(id: tcp("10.0.0.1", 0), persistenceTimeout: 360))),
        fails("-A -t 10.0.0.1", "Zero port specified for non-persistent service"),
        fails("-E -t 10.0.0.1:0", "Zero port specified for non-persistent service"),
        // Netmask, per family.
        ok(
            "-A -t 10.0.0.1:80 -p -M 255.255.255.0",
            addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 360, netmask: .ipv4(mask: v4Mask24)))),
        ok(
            "-A -t 10.0.0.1:80 -M 255.255.255.0",
            addService(.init(id: tcp("10.0.0.1", 80), netmask: .ipv4(mask: v4Mask24)))),
        ok(
            "-A -t 10.0.0.1:80 -p -M mask24",
            addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 360, netmask: .ipv4(mask: v4Mask24)))),
        ok(
            "-A -t 10.0.0.1:80 -p -M 255.0.255.0",
            addService(.init(id: tcp("10.0.0.1", 80), persistenceTimeout: 360, netmask: .ipv4(mask: 0xFF00_FF00)))),
        fails("-A -t 10.0.0.1:80 -p -M 300.0.0.0", "illegal virtual server persistent mask specified"),
        fails("-A -t 10.0.0.1:80 -p -M nosuchmask", "illegal virtual server persistent mask specified"),
        ok(
            "-A -t [2001:db8::1]:80 -p -M 64",
            addService(.init(id: tcp("2001:db8::1", 80), persistenceTimeout: 360, netmask: .ipv6(prefixLength: 64)))),
        ok(
            "-A -t [2001:db8::1]:80 -p -M 64abc",
            addService(.init(id: tcp("2001:db8::1", 80), persistenceTimeout: 360, netmask: .ipv6(prefixLength: 64)))),
        fails("-A -t [2001:db8::1]:80 -p -M 129", "illegal ipv6 netmask specified"),
        fails("-A -t [2001:db8::1]:80 -p -M 0", "illegal ipv6 netmask specified"),
        fails("-A -t [2001:db8::1]:80 -p -M -5", "illegal ipv6 netmask specified"),
        // An IPv6 selector resets the mask to 128, even after -M.
        ok(
            "-A -M 255.255.255.0 -t [2001:db8::1]:80 -p",
            addService(.init(id: tcp("2001:db8::1", 80), persistenceTimeout: 360))),
        ok(
            "-A -f 1 -6 -p -M 64",
            addService(.init(id: fwmark(1, .inet6), persistenceTimeout: 360, netmask: .ipv6(prefixLength: 64)))),
        ok("-A -f 1 -M 64 -6", addService(.init(id: fwmark(1, .inet6)))),
        ok(
            "-A -f 1 -M 64", addService(.init(id: fwmark(1), netmask: .ipv4(mask: 64)))),
        // IPv6 literals and the address rules of §1.3.
        ok("-A -t 2001:db8::1 -p", addService(.init(id: tcp("2001:db8::1", 0), persistenceTimeout: 360))),
        fails("-A -t 2001:db8::1:80", "Zero port specified for non-persistent service"),
        ok("-A -u [2001:db8::1]:53", addService(.init(id: udp("2001:db8::1", 53)))),
        ok("-A -t [10.0.0.1]:80 -p", addService(.init(id: tcp("10.0.0.1", 0), persistenceTimeout: 360))),
        fails("-A -t [2001:db8::1]", "illegal virtual server address[:port] specified"),
        fails("-A -t [2001:db8::1]80", "illegal virtual server address[:port] specified"),
        fails("-A -t [2001:db8::1:80", "illegal virtual server address[:port] specified"),
        fails("-A -t [2001:db8::1]:", "illegal virtual server address[:port] specified"),
        fails("-A -t 8080", "illegal virtual server address[:port] specified"),
        fails(["-A", "-t", ""], "illegal virtual server address[:port] specified"),
        fails("-A -t 10.0.0.1:65536", "illegal virtual server address[:port] specified"),
        fails("-A -t 10.0.0.1:nosuchservice", "illegal virtual server address[:port] specified"),
        fails("-A -u 10.0.0.1:http", "illegal virtual server address[:port] specified"),
        fails("-A -t unknown.example:80", "illegal virtual server address[:port] specified"),
        fails("-A -t 256.1.1.1:80", "illegal virtual server address[:port] specified"),
        // Firewall marks.
        ok("-A -f 4294967295", addService(.init(id: fwmark(4_294_967_295)))),
        ok("-A -f 1 -6", addService(.init(id: fwmark(1, .inet6)))),
        ok("-A -f 1 -6 -6", addService(.init(id: fwmark(1, .inet6)))),
        fails("-A -f 0", "invalid fwmark value `0' specified"),
        fails("-A -f 4294967296", "invalid fwmark value `4294967296' specified"),
        fails("-A -f abc", "invalid fwmark value `abc' specified"),
        fails("-A -f 1x", "invalid fwmark value `1x' specified"),
        fails("-A -6 -f 1", "-6 used before -f\n"),
        fails("-A -t 10.0.0.1:80 -6", "-6 used before -f\n"),
        // One-packet scheduling.
        ok("-A -u 10.0.0.1:53 -o", addService(.init(id: udp("10.0.0.1", 53), onePacketScheduling: true))),
        ok("-A -f 5 --ops", addService(.init(id: fwmark(5), onePacketScheduling: true))),
        fails("-A -t 10.0.0.1:80 -o", "One-Packet Scheduling is only for UDP virtual services"),
        fails("-A --sctp-service 10.0.0.1:80 -o", "One-Packet Scheduling is only for UDP virtual services"),
        // Persistence engine.
        ok(
            "-A -u 10.0.0.1:5060 -p --pe sip",
            addService(.init(id: udp("10.0.0.1", 5060), persistenceTimeout: 360, persistenceEngine: "sip"))),
        ok(["-A", "-t", "10.0.0.1:80", "--pe", ""], addService(.init(id: tcp("10.0.0.1", 80)))),
        // Scheduler names and flags.
        ok(["-A", "-t", "10.0.0.1:80", "-s", ""], addService(.init(id: tcp("10.0.0.1", 80)))),
        ok(
            "-A -t 10.0.0.1:80 -s averyveryverylongschedulername",
            addService(.init(id: tcp("10.0.0.1", 80), scheduler: "averyveryverylo"))),
        ok(
            "-A -u 10.0.0.1:53 -s sh -b sh-port,sh-fallback",
            addService(.init(id: udp("10.0.0.1", 53), scheduler: "sh", schedulerFlags: [.flag1, .flag2]))),
        ok(
            "-A -t 10.0.0.1:80 -b sh-port -s sh",
            addService(.init(id: tcp("10.0.0.1", 80), scheduler: "sh", schedulerFlags: [.flag2]))),
        ok(
            "-A -t 10.0.0.1:80 -s mh --sched-flags mh-fallback,,mh-port",
            addService(.init(id: tcp("10.0.0.1", 80), scheduler: "mh", schedulerFlags: [.flag1, .flag2]))),
        ok(
            "-A -t 10.0.0.1:80 -b flag-1,flag-3",
            addService(.init(id: tcp("10.0.0.1", 80), schedulerFlags: [.flag1, .flag3]))),
        ok(
            "-A -t 10.0.0.1:80 -s rr -b flag-2",
            addService(.init(id: tcp("10.0.0.1", 80), scheduler: "rr", schedulerFlags: [.flag2]))),
        ok(["-A", "-t", "10.0.0.1:80", "-b", ""], addService(.init(id: tcp("10.0.0.1", 80)))),
        fails("-A -t 10.0.0.1:80 -b sh-port", "incompatible scheduler flag `sh-port'"),
        fails("-A -t 10.0.0.1:80 -s sh -b mh-fallback", "incompatible scheduler flag `mh-fallback'"),
        fails("-A -t 10.0.0.1:80 -s sh -b sh-port,bogus", "invalid scheduler flag `bogus'"),
        fails("-A -t 10.0.0.1:80 -b ,", "invalid scheduler flag `,'"),
        // -E replaces everything.
        ok(
            "-E -t 10.0.0.1:80 -p 100 -s rr -M 255.255.255.0",
            editService(
                .init(
                    id: tcp("10.0.0.1", 80), scheduler: "rr", persistenceTimeout: 100,
                    netmask: .ipv4(mask: v4Mask24)))),
        // Repeats, legality and leftovers.
        fails("-A -t 10.0.0.1:80 -s rr -s wrr", "multiple 'scheduler' options specified"),
        fails("-A -t 10.0.0.1:80 -t 10.0.0.2:80", "multiple 'service-address' options specified"),
        fails("-A -t 10.0.0.1:80 -f 1", "multiple 'service-address' options specified"),
        fails("-A -t 10.0.0.1:80 -p -p", "multiple 'persistent' options specified"),
        fails("-A -s rr", "You need to supply the 'service-address' option for the 'add-service' command"),
        fails("-E", "You need to supply the 'service-address' option for the 'edit-service' command"),
        fails("-A -t 10.0.0.1:80 -n", "Illegal 'numeric' option with the 'add-service' command"),
        fails("-A -t 10.0.0.1:80 -r 10.0.0.2", "Illegal 'real-server' option with the 'add-service' command"),
        fails("-E -t 10.0.0.1:80 -w 1", "Illegal 'weight' option with the 'edit-service' command"),
        fails("-A -t 10.0.0.1:80 --json", "Illegal 'json' option with the 'add-service' command"),
        fails("-A -n -r 10.0.0.2", "Illegal 'numeric' option with the 'add-service' command"),
        fails("-A -t 10.0.0.1:80 -s rr extra", "unexpected argument extra"),
        fails("extra -A -t 10.0.0.1:80", "unexpected argument extra"),
        fails("-A -t 10.0.0.1:80 -- -s rr", "unexpected argument -s"),
        fails("-A -t 10.0.0.1:80 - ", "unexpected argument -"),
        // Delete and flush.
        ok("-D -t 10.0.0.1:80", .command(.deleteService(tcp("10.0.0.1", 80)))),
        ok("--delete-service -u 10.0.0.1", .command(.deleteService(udp("10.0.0.1", 0)))),
        ok("-D -f 7 -6", .command(.deleteService(fwmark(7, .inet6)))),
        fails("-D", "You need to supply the 'service-address' option for the 'delete-service' command"),
        fails("-D -t 10.0.0.1:80 -s rr", "Illegal 'scheduler' option with the 'delete-service' command"),
        fails("-D -t 10.0.0.1:80 -o", "Illegal 'ops' option with the 'delete-service' command"),
        ok("-C", .command(.clear)),
        ok("--clear", .command(.clear)),
        ok("-C --sort", .command(.clear)),
        fails("-C -n", "Illegal 'numeric' option with the 'flush' command"),
        fails("-C -t 10.0.0.1:80", "Illegal 'service-address' option with the 'flush' command"),
    ]
}
