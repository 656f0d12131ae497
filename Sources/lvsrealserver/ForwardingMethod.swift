import ArgumentParser

/// The director's forwarding method this real server is prepared for (ipvsadm(8) `-g` / `-i`).
enum ForwardingMethod: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Direct routing (`-g`, reference §5.2): frames arrive unchanged at L3, addressed to the VIP.
    case dr
    /// IP-IP tunnelling (`-i`, reference §5.3): the packet to the VIP arrives inside an outer IP
    /// header addressed to this host and must be decapsulated.
    case tun
}
