import LVSContentSwitch
import LVSCore
import Synchronization

/// Which request header the proxy adds to tell the real server the client's address.
public enum ForwardedHeader: String, Sendable, Hashable, CaseIterable {
    case none
    /// `X-Forwarded-For: 192.0.2.1` (de facto standard).
    case xForwardedFor = "x-forwarded-for"
    /// `Forwarded: for=192.0.2.1` (RFC 7239 §4; IPv6 quoted and bracketed, §6).
    case forwarded
}

/// What a content-switched service reads to decide: HTTP request heads, or the TLS ClientHello
/// (SNI and ALPN; the connection is then spliced untouched).
public enum ContentSwitchMode: String, Sendable, Hashable {
    case http
    case tls
}

/// Persistence of a content-switched service (docs/design/0019).
public enum ContentPersistence: Sendable {
    case none
    /// A cookie of ours names the real server (KTCPVS `chttp`, HAProxy `cookie … insert`).
    case insertCookie(PersistenceCookie)
    /// Our identifier of the real server rides in front of the application's own cookie
    /// (HAProxy `cookie NAME prefix`): added toward the client, taken off toward the real server.
    case prefixCookie(CookiePrefix)
    /// A part of the request is hashed over the group's real servers (KTCPVS `hhttp`).
    case hash(HashKeySource)
}

/// A virtual service served by the proxy engine whose requests are switched by content
/// (docs/design/0019-content-switching-engine.md): rules naming groups, each group a
/// firewall-mark virtual service of the director (its own scheduler, real servers, weights,
/// health checks and statistics). Immutable once built; the hit counters are atomics read by
/// `lvsadm --content`.
///
/// `@unchecked Sendable` invariant: every stored property is immutable except `hits`, which is
/// only accessed through its atomics.
public final class ContentSwitchService: @unchecked Sendable {
    public let service: VirtualServiceID
    public let mode: ContentSwitchMode
    public let ruleSet: ContentRuleSet
    /// Group name → the firewall mark of the group's virtual service.
    public let groups: [String: UInt32]
    public let forwardedHeader: ForwardedHeader
    public let persistence: ContentPersistence
    public let limits: HTTPParserLimits
    /// How long a client may take to send a complete request head (slow-header defence).
    public let headerTimeoutMilliseconds: UInt64
    /// How long a request body may stall between two reads.
    public let bodyTimeoutMilliseconds: UInt64
    /// Rule indices by position, then the default group's hits at `rules.count`.
    private let hits: UnsafeMutablePointer<Atomic<UInt64>>
    /// Group mark per rule (and the default at `rules.count`), resolved once.
    package let ruleMarks: [UInt32?]

    public init(
        service: VirtualServiceID, mode: ContentSwitchMode = .http, ruleSet: ContentRuleSet, groups: [String: UInt32],
        forwardedHeader: ForwardedHeader = .xForwardedFor, persistence: ContentPersistence = .none,
        limits: HTTPParserLimits = .default, headerTimeoutMilliseconds: UInt64 = 10_000,
        bodyTimeoutMilliseconds: UInt64 = 30_000
    ) {
        self.service = service
        self.mode = mode
        self.ruleSet = ruleSet
        self.groups = groups
        self.forwardedHeader = forwardedHeader
        self.persistence = persistence
        self.limits = limits
        self.headerTimeoutMilliseconds = headerTimeoutMilliseconds
        self.bodyTimeoutMilliseconds = bodyTimeoutMilliseconds
        let count = ruleSet.rules.count + 1
        hits = .allocate(capacity: count)
        for index in 0..<count { (hits + index).initialize(to: Atomic<UInt64>(0)) }
        ruleMarks = ruleSet.rules.map { groups[$0.group] } + [groups[ruleSet.defaultGroup]]
    }

    deinit {
        hits.deinitialize(count: ruleSet.rules.count + 1)
        hits.deallocate()
    }

    package func recordHit(rule: Int?) {
        _ = hits[rule ?? ruleSet.rules.count].add(1, ordering: .relaxed)
    }

    /// Requests decided by each rule, in order, then by the default group.
    public func hitCounts() -> [UInt64] {
        (0...ruleSet.rules.count).map { hits[$0].load(ordering: .relaxed) }
    }
}
