import IPVSAdmin
import LVSCore

/// `-L` (reference §1.6).
enum ListCases {
    static let all: [ParserCase] = [
        ok([], list()),
        ok("-L", list()),
        ok("-l", list()),
        ok("--list", list()),
        ok("-Ln", list { $0.numeric = true }),
        ok("-L -n", list { $0.numeric = true }),
        ok(
            "-Lnc",
            list {
                $0.numeric = true; $0.connections = true
            }),
        ok(
            "-lcn",
            list {
                $0.numeric = true; $0.connections = true
            }),
        ok("-L --numeric=yes", list { $0.numeric = true }),
        ok(
            "-L -n --stats",
            list {
                $0.numeric = true; $0.stats = true
            }),
        ok(
            "-L --rate --exact",
            list {
                $0.rate = true; $0.exact = true
            }),
        ok("-L -X", list { $0.exact = true }),
        ok(
            "-L --stats --rate --thresholds",
            list {
                $0.stats = true; $0.rate = true; $0.thresholds = true
            }),
        ok(
            "-L --thresholds --persistent-conn --tun-info --nosort",
            list {
                $0.thresholds = true; $0.persistentConnections = true; $0.tunnelInfo = true; $0.noSort = true
            }),
        ok("-L --sort", list()),
        ok("-L -t 10.0.0.1:80", list { $0.service = tcp("10.0.0.1", 80) }),
        ok("-L -t 10.0.0.1", list { $0.service = tcp("10.0.0.1", 0) }),
        ok(
            "-L -n -u [2001:db8::1]:53 --stats",
            list {
                $0.numeric = true; $0.stats = true; $0.service = udp("2001:db8::1", 53)
            }),
        ok("-L -f 1 -6", list { $0.service = fwmark(1, .inet6) }),
        ok("-L --timeout", list { $0.timeout = true }),
        ok("-l --daemon", list { $0.daemon = true }),
        ok(
            "-L -c --persistent-conn",
            list {
                $0.connections = true; $0.persistentConnections = true
            }),
        ok("-L --json", list { $0.json = true }),
        ok(
            "-L -n --json --stats",
            list {
                $0.numeric = true; $0.json = true; $0.stats = true
            }),
        fails("-L -c --timeout", "The option 'timeout' conflicts with the 'connection' option in the 'list' command"),
        fails(
            "-L --daemon -t 10.0.0.1:80",
            "The option 'daemon' conflicts with the 'service-address' option in the 'list' command"),
        fails("-L --timeout --daemon", "The option 'daemon' conflicts with the 'timeout' option in the 'list' command"),
        fails("-L -c --stats", "options conflicts in the list command"),
        fails("-L --daemon --rate", "options conflicts in the list command"),
        fails("-L --timeout --persistent-conn", "options conflicts in the list command"),
        fails("-L -n -n", "multiple 'numeric' options specified"),
        fails("-L --stats --stats", "multiple 'stats' options specified"),
        fails("-L --json --json", "multiple 'json' options specified"),
        fails("-L -s rr", "Illegal 'scheduler' option with the 'list' command"),
        fails("-L -o", "Illegal 'ops' option with the 'list' command"),
        fails("-L -r 10.0.0.2", "Illegal 'real-server' option with the 'list' command"),
        ok("-L --syncid 1", list()),
        fails("-L -b flag-1", "Illegal 'sched-flags' option with the 'list' command"),
        fails("-L -b bogus", "invalid scheduler flag `bogus'"),
        fails("-L -6", "-6 used before -f\n"),
        fails("-L -h", "invalid option `-h'"),
        fails("-L -v", "invalid option `-v'"),
        fails("-L -L", "invalid option `-L'"),
        fails("-LL", "invalid option `-LL'"),
        fails("-L -A", "invalid option `-A'"),
        fails("-L --set", "invalid option `--set'"),
        fails("-L --start-daemon master", "invalid option `master'"),
        fails("-L --stop-daemon=backup", "invalid option `--stop-daemon=backup'"),
        fails("-L extra", "unexpected argument extra"),
        optionError("-Lq", "-Lq: unknown option"),
        optionError("-L --foo", "--foo: unknown option"),
        optionError("-L --foo=bar", "--foo=bar: unknown option"),
        optionError("-L --lis", "--lis: unknown option"),
        fails("-L -list", "invalid option `-list'"),
        optionError("-L=", "-L=: unknown option"),
        optionError("-L -t", "-t: missing argument"),
        optionError("-L -n -t", "-t: missing argument"),
        tryHelp("-n -L"),
        tryHelp("-t 10.0.0.1:80 -A"),
    ]
}

/// `-S`, `-R`, `-Z`, `--set`, the daemons, `-h`, `-v` and the usage errors (reference §1.1,
/// §1.2, §1.7).
enum OtherCommandCases {
    static let all: [ParserCase] = [
        ok("-S", .save(numeric: false)),
        ok("-S -n", .save(numeric: true)),
        ok("-Sn", .save(numeric: true)),
        ok("--save --numeric", .save(numeric: true)),
        fails("-S -c", "Illegal 'connection' option with the 'save' command"),
        fails("-S --json", "Illegal 'json' option with the 'save' command"),
        fails("-S -t 10.0.0.1:80", "Illegal 'service-address' option with the 'save' command"),
        ok("-R", .restore),
        ok("--restore", .restore),
        fails("-R -n", "Illegal 'numeric' option with the 'restore' command"),
        ok("-Z", .command(.zero(nil))),
        ok("--zero -t 10.0.0.1:80", .command(.zero(tcp("10.0.0.1", 80)))),
        ok("-Z -f 3", .command(.zero(fwmark(3)))),
        fails("-Z -n", "Illegal 'numeric' option with the 'zero' command"),
        fails("-Z --stats", "Illegal 'stats' option with the 'zero' command"),
        // --set
        ok(
            "--set 900 120 300", .command(.setTimeouts(TimeoutSettings(tcpEstablished: 900, tcpFinWait: 120, udp: 300)))
        ),
        ok("--set 0 0 0", .command(.setTimeouts(TimeoutSettings(tcpEstablished: 0, tcpFinWait: 0, udp: 0)))),
        ok(
            "--set 2678400 1 2",
            .command(.setTimeouts(TimeoutSettings(tcpEstablished: 2_678_400, tcpFinWait: 1, udp: 2)))),
        fails("--set", "--set option requires 3 timeout values"),
        fails("--set 1 2", "--set option requires 3 timeout values"),
        fails("--set 1 2 3 4", "unexpected argument 4"),
        fails("--set 1 2 2678401", "invalid timeout value `2678401' specified"),
        fails("--set 1 x y", "invalid timeout value `x' specified"),
        fails("--set -n 1 2 3", "Illegal 'numeric' option with the 'set' command"),
        optionError("--set 1 -2 3", "-2: unknown option"),
        // --start-daemon / --stop-daemon
        ok("--start-daemon master", daemon(SyncDaemonConfig(role: .master))),
        ok("--start-daemon=backup", daemon(SyncDaemonConfig(role: .backup))),
        ok(
            "--start-daemon backup --mcast-interface eth1 --syncid 5",
            daemon(SyncDaemonConfig(role: .backup, multicastInterface: "eth1", syncID: 5))),
        ok(
            "--start-daemon master --mcast-group 239.1.1.1 --mcast-port 9000 --mcast-ttl 3 --sync-maxlen 1400",
            daemon(
                SyncDaemonConfig(
                    role: .master, maxLength: 1400, multicastGroup: ip("239.1.1.1"), multicastPort: 9000,
                    multicastTTL: 3))),
        ok(
            "--start-daemon master --mcast-group ff02::81 --sync-maxlen 65507 --syncid 255",
            daemon(SyncDaemonConfig(role: .master, syncID: 255, maxLength: 65507, multicastGroup: ip("ff02::81")))),
        ok(["--start-daemon", "master", "--mcast-interface", ""], daemon(SyncDaemonConfig(role: .master))),
        ok(
            "--start-daemon master --mcast-interface averyverylonginterfacename",
            daemon(SyncDaemonConfig(role: .master, multicastInterface: "averyverylongin"))),
        fails("--start-daemon master --mcast-group 10.0.0.1", "invalid IPv4 mcast-group `10.0.0.1'"),
        fails("--start-daemon master --mcast-group 239.1.1.01", "invalid IPv4 mcast-group `239.1.1.01'"),
        fails("--start-daemon master --mcast-group 2001:db8::1", "invalid IPv6 mcast-group `2001:db8::1'"),
        fails("--start-daemon master --syncid 256", "illegal syncid specified"),
        fails("--start-daemon master --mcast-port 0", "illegal mcast-port specified"),
        fails("--start-daemon master --mcast-ttl 256", "illegal mcast-ttl specified"),
        fails("--start-daemon master --sync-maxlen 65508", "illegal sync-maxlen specified"),
        fails("--start-daemon master --sync-maxlen 0", "illegal sync-maxlen specified"),
        fails("--start-daemon foo", "illegal start-daemon parameter specified"),
        fails("--start-daemon master -n", "Illegal 'numeric' option with the 'start-daemon' command"),
        fails("--start-daemon master --syncid 1 --syncid 2", "multiple 'syncid' options specified"),
        ok("--stop-daemon master", .command(.stopDaemon(.master))),
        ok("--stop-daemon backup --syncid 3", .command(.stopDaemon(.backup))),
        fails("--stop-daemon foo", "illegal start_daemon specified"),
        fails(
            "--stop-daemon master --mcast-interface eth0",
            "Illegal 'mcast-interface' option with the 'stop-daemon' command"),
        tryHelp("--start-daemon"),
        // Help and version, only as the first option; the rest is never looked at.
        ok("-h", .help),
        ok("--help", .help),
        ok("-h --foo", .help),
        ok("-hv", .help),
        ok("-v", .version),
        ok("--version", .version),
        ok("-v -L extra", .version),
        // No command.
        tryHelp("--foo"),
        tryHelp("-q"),
        tryHelp("extra"),
        tryHelp("--"),
        tryHelp("-- -L"),
        tryHelp("-"),
        tryHelp([""]),
        tryHelp("-w 1 -a"),
        tryHelp("--sort -L"),
        // Ordering: the first problem met while reading wins.
        fails("-A -t 10.0.0.1:80 -w abc --foo", "illegal weight specified"),
        optionError("-A -t 10.0.0.1:80 --foo -w abc", "--foo: unknown option"),
        optionError("-A -t 10.0.0.1:80 -s rr -s", "-s: missing argument"),
        fails("-A -tE", "illegal virtual server address[:port] specified"),
        fails("-A -nE", "invalid option `-nE'"),
        fails("-A -t 10.0.0.1:80 extra -L", "invalid option `-L'"),
    ]
}
