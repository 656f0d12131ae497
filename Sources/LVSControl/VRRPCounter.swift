/// The names of the counters in `VRRPInstanceReport.counters`: keepalived's own `vrrp_stats`
/// field names, so that figures compare one to one with keepalived's `keepalived.stats` dump
/// (`keepalived --signum=STATS`). The daemon fills them; `lvsadm --vrrp` prints them in
/// keepalived's order and shows a missing one as 0.
public enum VRRPCounter: String, Sendable, Hashable, CaseIterable {
    /// Adverts that passed the header checks (counted before the address-list check, as
    /// keepalived does).
    case advertisementsReceived = "advert_rcvd"
    /// Adverts sent (RFC 5798 §6.4.3).
    case advertisementsSent = "advert_sent"
    /// Transitions to MASTER.
    case becameMaster = "become_master"
    /// Transitions from MASTER to anything else.
    case releasedMaster = "release_master"
    /// Packets shorter than their header or address list say (RFC 5798 §7.1).
    case packetLengthErrors = "packet_len_err"
    /// IPv4 TTL or IPv6 hop limit other than 255 (RFC 5798 §7.1).
    case ttlErrors = "ip_ttl_err"
    /// A VRRP type other than ADVERTISEMENT (RFC 5798 §5.2.2).
    case invalidTypeReceived = "invalid_type_rcvd"
    /// VRRPv2: an advert interval other than ours (RFC 3768 §7.1).
    case advertisementIntervalErrors = "advert_interval_err"
    /// The advert's address list differs from our virtual addresses (RFC 3768 §7.1).
    case addressListErrors = "addr_list_err"
    /// VRRPv2: an authentication type we do not know (RFC 3768 §5.3.6).
    case invalidAuthenticationType = "invalid_authtype"
    /// VRRPv2: an authentication type other than the configured one (RFC 3768 §7.1).
    case authenticationTypeMismatch = "authtype_mismatch"
    /// VRRPv2: the password does not match (RFC 3768 §5.3.6.1).
    case authenticationFailures = "auth_failure"
    /// Adverts of priority 0 received: the master is leaving (RFC 5798 §6.4.2).
    case priorityZeroReceived = "pri_zero_rcvd"
    /// Adverts of priority 0 sent when leaving MASTER (RFC 5798 §6.4.3).
    case priorityZeroSent = "pri_zero_sent"
}
