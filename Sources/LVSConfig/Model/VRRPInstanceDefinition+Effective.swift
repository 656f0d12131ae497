import LVSCore
import LVSVRRP

// What keepalived 2.2 uses when a keyword is not given (its vrrp_complete_instance), so the
// daemon and the configuration checks apply one set of rules.
extension VRRPInstanceDefinition {
    public static let defaultPriority: UInt8 = 100
    /// The address owner's priority (RFC 5798 §5.2.4).
    public static let ownerPriority: UInt8 = 255
    public static let defaultAdvertisementInterval: Duration = .seconds(1)
    public static let defaultDownTimerAdverts: UInt8 = 3
    public static let defaultMulticastGroup4 = IPAddress(ipv4: 0xE000_0012)
    public static let defaultMulticastGroup6 = IPAddress(ipv6High: 0xFF02_0000_0000_0000, low: 0x12)

    /// The family of the first address that decides it, in keepalived's order: the source, the
    /// multicast destination, the unicast peers, then the virtual addresses; nil when none is given
    /// (keepalived then uses IPv4).
    public var addressFamily: AddressFamily? {
        sourceAddress?.family ?? multicastDestination?.family ?? unicastPeers.first?.address.family
            ?? virtualAddresses.first?.address.family
    }

    /// The version advertised: `version`, else the global `vrrp_version`, else 2; IPv6 always uses 3
    /// (RFC 3768 is defined for IPv4 only; keepalived keeps an explicit 2 on IPv6 unless strict).
    public func effectiveVersion(_ global: VRRPGlobalDefinitions) -> VRRPVersion {
        if addressFamily == .inet6 { return .v3 }
        return version ?? global.version ?? .v2
    }

    /// `priority`, else 255 with `state MASTER` (keepalived makes it the address owner), else 100.
    public var effectivePriority: UInt8 {
        priority ?? (initialState == .master ? Self.ownerPriority : Self.defaultPriority)
    }

    /// `state`, else MASTER for the address owner and BACKUP otherwise.
    public var effectiveInitialState: VRRPInitialState {
        initialState ?? (effectivePriority == Self.ownerPriority ? .master : .backup)
    }

    /// Whether a higher priority takes over from a lower-priority master. keepalived ignores
    /// `nopreempt` for the address owner and with `state MASTER`.
    public var effectivePreempt: Bool {
        guard noPreempt == true else { return true }
        return effectivePriority == Self.ownerPriority || effectiveInitialState == .master
    }

    /// `advert_int` as keepalived uses it for `version`: VRRPv2 carries whole seconds 1…255
    /// (RFC 3768 §5.3.7), so a fraction is rounded to the nearest second; VRRPv3 carries
    /// centiseconds 1…4095 (RFC 5798 §5.2.7), so it is rounded to 10 ms and capped at 40.95 s.
    public func effectiveAdvertisementInterval(version: VRRPVersion) -> Duration {
        let written = advertisementInterval ?? Self.defaultAdvertisementInterval
        let micros = Self.microseconds(written)
        switch version {
        case .v2:
            if micros >= 256_000_000 { return .seconds(255) }
            let seconds = max(1, (micros + 500_000) / 1_000_000)
            return .seconds(seconds)
        case .v3:
            if micros >= 40_960_000 { return .milliseconds(40_950) }
            let centis = min(4095, max(1, (micros + 5_000) / 10_000))
            return .milliseconds(centis * 10)
        }
    }

    /// The multicast group advertisements go to (unused with unicast peers).
    public func effectiveMulticastDestination(_ global: VRRPGlobalDefinitions) -> IPAddress {
        if let multicastDestination { return multicastDestination }
        if addressFamily == .inet6 { return global.multicastGroup6 ?? Self.defaultMulticastGroup6 }
        return global.multicastGroup4 ?? Self.defaultMulticastGroup4
    }

    public static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
