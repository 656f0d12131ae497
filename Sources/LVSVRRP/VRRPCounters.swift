/// Per-instance statistics as keepalived keeps them (`vrrp_stats`, shown by
/// `keepalived --signum=STATS` and its SNMP MIB).
public struct VRRPCounters: Sendable, Hashable {
    public var advertisementsReceived: UInt64 = 0
    public var advertisementsSent: UInt64 = 0
    public var becameMaster: UInt64 = 0
    public var releasedMaster: UInt64 = 0
    public var priorityZeroReceived: UInt64 = 0
    public var priorityZeroSent: UInt64 = 0
    public var authenticationFailures: UInt64 = 0
    public var invalidAuthenticationType: UInt64 = 0
    public var authenticationTypeMismatch: UInt64 = 0
    public var advertisementIntervalErrors: UInt64 = 0
    public var addressListErrors: UInt64 = 0
    public var ttlErrors: UInt64 = 0
    public var packetLengthErrors: UInt64 = 0
    public var invalidType: UInt64 = 0

    public init() {}

    /// Why the receive checks dropped an advert addressed to this instance.
    public enum Rejection: Sendable, Hashable {
        case authenticationFailure
        case invalidAuthenticationType
        case authenticationTypeMismatch
        case advertisementInterval
        case addressList
        case ttl
        case packetLength
        case invalidType
    }

    mutating func count(_ rejection: Rejection) {
        switch rejection {
        case .authenticationFailure: authenticationFailures += 1
        case .invalidAuthenticationType: invalidAuthenticationType += 1
        case .authenticationTypeMismatch: authenticationTypeMismatch += 1
        case .advertisementInterval: advertisementIntervalErrors += 1
        case .addressList: addressListErrors += 1
        case .ttl: ttlErrors += 1
        case .packetLength: packetLengthErrors += 1
        case .invalidType: invalidType += 1
        }
    }
}
