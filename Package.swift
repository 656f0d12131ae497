// swift-tools-version:6.1
// SwiftLVS: a Linux Virtual Server in Swift. Target layout follows docs/DESIGN.md §3;
// dependencies point down only (executables → LVSDaemon → LVSControl/IPVSAdmin → LVSCore).
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

/// `LVS_PURE_ONLY=1 swift test` builds and tests only the pure targets (LVSCore, IPVSAdmin): a
/// development shortcut that skips compiling SwiftNIO. CI and the README never set it.
let pureOnly = Context.environment["LVS_PURE_ONLY"] == "1"
let ioTargetNames: Set<String> = [
    "LVSPacketEngine", "LVSPacketEngineTests", "lvsrealserver",
    "LVSHealthChecks", "LVSHealthChecksTests",
    "CLinuxNet", "LVSReactor", "LVSReactorTests", "LVSControl", "LVSDaemon", "lvsd", "lvsadm", "LVSControlTests",
    "LVSDaemonTests", "LVSProxy", "LVSProxyTests", "LVSRealServerTests", "LVSVRRPTransport", "LVSVRRPTransportTests",
    "LVSSyncTransport", "LVSSyncTransportTests", "LVSMetrics", "LVSMetricsTests", "LVSHTTP", "LVSHTTPTests",
    "LVSFuzzing", "LVSFuzzingTests", "lvs-fuzz",
]

/// `LVS_ONLY=TargetA,TargetB swift test` builds only those targets and what they depend on: a
/// development shortcut for work on one slice (CI and the README never set it).
let onlyTargets: Set<String>? = Context.environment["LVS_ONLY"].map {
    Set($0.split(separator: ",").map { String($0) })
}

let package = Package(
    name: "SwiftLVS",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lvsd", targets: ["lvsd"]),
        .executable(name: "lvsadm", targets: ["lvsadm"]),
        .executable(name: "lvs-realserver", targets: ["lvsrealserver"]),
        .library(name: "LVSCore", targets: ["LVSCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Pure IPVS semantics: no sockets, no Foundation, no Glibc. Time and randomness injected.
        .target(name: "LVSCore", swiftSettings: strictSettings),
        // ipvsadm's command line (parser) and output formats (formatter). Pure.
        .target(name: "IPVSAdmin", dependencies: ["LVSCore"], swiftSettings: strictSettings),
        // Pure wire formats: Ethernet/ARP/IPv4/IPv6/TCP/UDP/ICMP, checksums, encapsulation.
        .target(name: "LVSPacket", swiftSettings: strictSettings),
        // keepalived.conf-style configuration: parser, diagnostics, mapping to admin commands.
        .target(name: "LVSConfig", dependencies: ["LVSCore", "IPVSAdmin", "LVSVRRP"], swiftSettings: strictSettings),
        // VRRP (RFC 3768 / RFC 5798) as keepalived runs it: advertisement codec, the per-instance
        // state machine, sync groups and tracking. Pure: events and `now` in, actions out.
        .target(name: "LVSVRRP", dependencies: ["LVSCore", "LVSPacket"], swiftSettings: strictSettings),
        // VRRP's I/O: raw IP protocol 112 sockets (IPv4/IPv6, multicast and unicast), virtual
        // addresses through rtnetlink, gratuitous ARP and unsolicited neighbour advertisements.
        .target(
            name: "LVSVRRPTransport", dependencies: ["LVSVRRP", "LVSPacket", "LVSCore", "CLinuxNet"],
            swiftSettings: strictSettings),
        // IPVS connection synchronisation on the wire (reference §7): the v0/v1 message codec with
        // counted drop reasons, the master's message builder, and our optional authenticated mode.
        .target(name: "LVSSync", dependencies: ["LVSCore"], swiftSettings: strictSettings),
        // The sync daemon's sockets (reference §7.1): the master's multicast sender and the
        // backup's group receiver, one pair per sync thread (port base + thread index).
        .target(
            name: "LVSSyncTransport", dependencies: ["LVSSync", "LVSCore", "CLinuxNet"],
            swiftSettings: strictSettings),
        // The FTP helper's pure core (reference §6, ip_vs_ftp): per-segment parsing of PORT/EPRT and
        // 227/229 control text with counted refusals, payload rewriting, and the per-direction TCP
        // sequence adjustment a resized segment requires. Used by the packet and proxy engines.
        .target(name: "LVSFTP", dependencies: ["LVSCore"], swiftSettings: strictSettings),
        // Application-level balancing's pure core (issue 14, docs/design/0018): the HTTP/1.x request
        // head parser and chunked-body scanner with counted refusals, the TLS ClientHello reader (SNI,
        // ALPN), the content-switching rule evaluator and cookie/hash persistence. No I/O.
        .target(name: "LVSContentSwitch", dependencies: ["LVSCore"], swiftSettings: strictSettings),
        // Health checking: pure rise/fall, quorum and hysteresis decisions (no I/O).
        .target(name: "LVSHealth", dependencies: ["LVSCore"], swiftSettings: strictSettings),
        // The checkers' probes (keepalived's TCP/HTTP/SSL/UDP/DNS/SMTP/MISC checks) on SwiftNIO.
        .target(
            name: "LVSHealthChecks",
            dependencies: [
                "LVSHealth", "LVSCore", "LVSConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The only C in the project: thin wrappers over Linux calls Swift cannot reach directly
        // (epoll_event's packed layout, splice, SO_PEERCRED, TCP_INFO). Headers and one-liners only.
        .target(name: "CLinuxNet"),
        // Per-core edge-triggered epoll reactor shared by the proxy and packet engines.
        .target(name: "LVSReactor", dependencies: ["CLinuxNet", "LVSCore"], swiftSettings: strictSettings),
        // The director as the engines and the control plane share it: behind one lock, taken at
        // connection events and by control requests, never per packet or per read
        // (docs/design/0025-packet-engine-without-a-lock.md). Pure: no I/O.
        .target(
            name: "LVSSharedDirector", dependencies: ["LVSCore", "LVSContentSwitch"], swiftSettings: strictSettings),
        // The proxy engine: terminates TCP/UDP on VIP:port on the reactors and connects to real servers.
        .target(
            name: "LVSProxy",
            dependencies: [
                "LVSReactor", "CLinuxNet", "LVSCore", "LVSFTP", "LVSContentSwitch", "LVSSharedDirector",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The packet engine: AF_PACKET rings, nftables ingress table, NAT/DR/TUN forwarding.
        .target(
            name: "LVSPacketEngine",
            dependencies: [
                "LVSReactor", "CLinuxNet", "LVSPacket", "LVSCore", "LVSFTP", "LVSSharedDirector",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Versioned JSON-lines control protocol and its Unix-socket transports.
        .target(
            name: "LVSControl",
            dependencies: [
                "LVSCore", "IPVSAdmin",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The Prometheus text exposition of the daemon's state (docs/metrics.md): gathered with
        // control requests, so it needs only the request handler, not the daemon's internals.
        .target(
            name: "LVSMetrics",
            dependencies: ["LVSControl", "LVSCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        // Composition: the state holder, control server, signal handling.
        .target(
            name: "LVSDaemon",
            dependencies: [
                "LVSCore", "IPVSAdmin", "LVSControl", "LVSProxy", "LVSPacketEngine", "LVSConfig", "LVSHealth",
                "LVSSharedDirector",
                "LVSHealthChecks", "LVSVRRP", "LVSVRRPTransport", "LVSSync", "LVSSyncTransport", "LVSPacket",
                "CLinuxNet",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The HTTP endpoint (`lvsd --http`): a small router on NIOHTTP1 and the REST API under
        // /api/v1, every route mapped onto control requests, and /metrics (LVSMetrics, one level
        // down: both only send control requests) (docs/design/0022-http-endpoint.md).
        .target(
            name: "LVSHTTP",
            dependencies: [
                "LVSControl", "LVSCore", "IPVSAdmin", "LVSMetrics",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The fuzz harnesses (docs/design/0028-fuzzing.md): every input that crosses a trust
        // boundary, as plain functions the corpus-replay tests and the libFuzzer binary share.
        .target(
            name: "LVSFuzzing",
            dependencies: [
                "IPVSAdmin", "LVSConfig", "LVSControl", "LVSCore", "LVSPacket", "LVSPacketEngine", "LVSVRRP", "LVSSync",
                "LVSFTP", "LVSContentSwitch", .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "lvsd",
            dependencies: [
                "LVSDaemon", "LVSProxy", "LVSPacketEngine", "LVSSync", "LVSHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Prepares a real server for direct routing or tunnelling (VIP, ARP sysctls, decapsulation).
        .executableTarget(
            name: "lvsrealserver",
            dependencies: [
                "LVSPacket", "LVSReactor", "CLinuxNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "lvsadm",
            dependencies: ["IPVSAdmin", "LVSControl", "LVSCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "LVSCoreTests", dependencies: ["LVSCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "LVSPacketTests", dependencies: ["LVSPacket"], resources: [.copy("Fixtures")],
            swiftSettings: strictSettings),
        .testTarget(
            name: "LVSConfigTests", dependencies: ["LVSConfig", "LVSCore", "IPVSAdmin", "LVSVRRP"],
            resources: [.copy("Configurations")], swiftSettings: strictSettings),
        .testTarget(
            name: "IPVSAdminTests", dependencies: ["IPVSAdmin", "LVSCore"],
            resources: [.copy("Golden")], swiftSettings: strictSettings),
        .testTarget(
            name: "LVSVRRPTests", dependencies: ["LVSVRRP", "LVSCore", "LVSPacket"], resources: [.copy("Fixtures")],
            swiftSettings: strictSettings),
        .testTarget(
            name: "LVSVRRPTransportTests",
            dependencies: ["LVSVRRPTransport", "LVSVRRP", "LVSPacket", "LVSCore", "CLinuxNet"],
            swiftSettings: strictSettings),
        .testTarget(name: "LVSSyncTests", dependencies: ["LVSSync", "LVSCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "LVSSyncTransportTests", dependencies: ["LVSSyncTransport", "LVSSync", "LVSCore", "CLinuxNet"],
            swiftSettings: strictSettings),
        .testTarget(name: "LVSFTPTests", dependencies: ["LVSFTP", "LVSCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "LVSContentSwitchTests", dependencies: ["LVSContentSwitch", "LVSCore"],
            resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "LVSHealthTests", dependencies: ["LVSHealth", "LVSCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "LVSHealthChecksTests",
            dependencies: [
                "LVSHealthChecks", "LVSHealth", "LVSCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "LVSPacketEngineTests",
            dependencies: ["LVSPacketEngine", "LVSPacket", "LVSCore", "LVSReactor", "CLinuxNet"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "LVSReactorTests", dependencies: ["LVSReactor", "CLinuxNet"], swiftSettings: strictSettings),
        .testTarget(
            name: "LVSProxyTests",
            dependencies: [
                "LVSProxy", "LVSReactor", "LVSCore", "LVSDaemon", "LVSControl", "CLinuxNet", "LVSContentSwitch",
                "LVSSharedDirector",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LVSControlTests", dependencies: ["LVSControl", "LVSCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "LVSRealServerTests", dependencies: ["LVSPacket", "LVSReactor", "CLinuxNet"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "LVSMetricsTests",
            dependencies: [
                "LVSMetrics", "LVSControl", "LVSCore", "LVSDaemon", "LVSProxy", "LVSReactor",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "LVSHTTPTests",
            dependencies: [
                "LVSHTTP", "LVSDaemon", "LVSControl", "LVSCore", "IPVSAdmin",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Replays every file of Fuzz/Corpus through its harness (the fuzzing CI always runs).
        .testTarget(name: "LVSFuzzingTests", dependencies: ["LVSFuzzing"], swiftSettings: strictSettings),
        .testTarget(
            name: "LVSDaemonTests",
            dependencies: [
                "LVSDaemon", "LVSControl", "IPVSAdmin", "LVSCore", "LVSProxy", "LVSReactor", "LVSConfig", "LVSVRRP",
                "LVSVRRPTransport", "LVSSync", "LVSHealth",
            ],
            swiftSettings: strictSettings
        ),
    ]
)

/// `LVS_FUZZ=1` adds the libFuzzer binary `lvs-fuzz` (its entry point hands over to libFuzzer's
/// driver), which only `scripts/fuzz.sh` builds, with its own flags and scratch path.
if Context.environment["LVS_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(
            name: "lvs-fuzz", dependencies: ["LVSFuzzing"], path: "Fuzz/Sources/lvs-fuzz",
            swiftSettings: strictSettings))
    package.products.append(.executable(name: "lvs-fuzz", targets: ["lvs-fuzz"]))
}

if let onlyTargets {
    var keep = Set<String>()
    var pending = Array(onlyTargets)
    while let name = pending.popLast() {
        guard keep.insert(name).inserted, let target = package.targets.first(where: { $0.name == name }) else {
            continue
        }
        for dependency in target.dependencies {
            switch dependency {
            case .targetItem(let name, _), .byNameItem(let name, _): pending.append(name)
            default: break
            }
        }
    }
    package.targets.removeAll { !keep.contains($0.name) }
    let productTargets = ["lvsd": "lvsd", "lvsadm": "lvsadm", "lvs-realserver": "lvsrealserver", "LVSCore": "LVSCore"]
    package.products.removeAll { !keep.contains(productTargets[$0.name] ?? $0.name) }
}

if pureOnly {
    package.targets.removeAll { ioTargetNames.contains($0.name) }
    package.products.removeAll { $0.name == "lvsd" || $0.name == "lvsadm" || $0.name == "lvs-realserver" }
}
