import LVSCore

/// Which group a request goes to, and which rule chose it (nil: the default group).
public struct ContentDecision: Sendable, Hashable {
    public let ruleIndex: Int?
    public let group: String
}

/// Ordered content-switching rules with a default group; the first rule whose condition holds
/// decides (HAProxy's `use_backend ... if`, KTCPVS's http scheduler; docs/design/0018).
///
/// Built at configuration time (regexes compiled then); `decide` is pure and, for literal
/// conditions, compares bytes in place without allocating.
public struct ContentRuleSet: Sendable {
    public let rules: [ContentRule]
    public let defaultGroup: String

    public init(rules: [ContentRule], defaultGroup: String) {
        self.rules = rules
        self.defaultGroup = defaultGroup
    }

    /// The first matching rule's group, or the default group.
    public func decide(_ request: ContentRequest) -> ContentDecision {
        for (index, rule) in rules.enumerated() where Self.holds(rule.condition, request) {
            return ContentDecision(ruleIndex: index, group: rule.group)
        }
        return ContentDecision(ruleIndex: nil, group: defaultGroup)
    }

    /// Whether `condition` holds for `request`. A condition on a part the request lacks (no head
    /// for a TLS service, no ClientHello for HTTP) is false, so `not` of it is true.
    public static func holds(_ condition: ContentCondition, _ request: ContentRequest) -> Bool {
        let buffer = request.buffer
        switch condition {
        case .always:
            return true
        case .all(let conditions):
            for c in conditions where !holds(c, request) { return false }
            return true
        case .any(let conditions):
            for c in conditions where holds(c, request) { return true }
            return false
        case .not(let inner):
            return !holds(inner, request)
        case .host(let match):
            guard let host = request.hostWithoutPort else { return false }
            return matches(match, buffer, host, ignoringCase: true)
        case .path(let match):
            guard let head = request.head else { return false }
            return matches(match, buffer, head.path, ignoringCase: false)
        case .method(let method):
            guard let head = request.head else { return false }
            return HTTPBytes.equals(buffer, head.method, method)
        case .header(let name, let match):
            guard let head = request.head else { return false }
            var found = false
            head.forEachValue(named: name, in: buffer) { value in
                if !found, matches(match, buffer, value) { found = true }
            }
            return found
        case .cookie(let name, let match):
            guard let value = request.cookie(named: name) else { return false }
            return matches(match, buffer, value)
        case .queryParameter(let name, let match):
            guard let value = request.queryParameter(named: name) else { return false }
            return matches(match, buffer, value)
        case .clientAddress(let blocks):
            for block in blocks where block.contains(request.clientAddress) { return true }
            return false
        case .serverName(let match):
            guard let name = request.clientHello?.serverName else { return false }
            return name.withUnsafeBytes { matches(match, $0, 0..<$0.count, ignoringCase: false) }
        case .alpn(let proto):
            guard let hello = request.clientHello else { return false }
            return hello.alpnProtocols.contains(proto)
        }
    }

    static func matches(_ match: ValueMatch, _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        switch match {
        case .exists: true
        case .equals(let bytes): HTTPBytes.equals(buffer, range, bytes)
        case .regex(let pattern): pattern.matches(buffer[range])
        }
    }

    static func matches(
        _ match: TextMatch, _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, ignoringCase: Bool
    ) -> Bool {
        switch match {
        case .exact(let bytes):
            return compare(buffer, range, bytes, ignoringCase)
        case .prefix(let bytes):
            guard range.count >= bytes.count else { return false }
            return compare(buffer, range.lowerBound..<(range.lowerBound + bytes.count), bytes, ignoringCase)
        case .suffix(let bytes):
            guard range.count >= bytes.count else { return false }
            return compare(buffer, (range.upperBound - bytes.count)..<range.upperBound, bytes, ignoringCase)
        case .regex(let pattern):
            return pattern.matches(buffer[range])
        }
    }

    @inline(__always)
    static func compare(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ bytes: [UInt8], _ ignoringCase: Bool)
        -> Bool
    {
        ignoringCase ? HTTPBytes.equalsIgnoringCase(buffer, range, bytes) : HTTPBytes.equals(buffer, range, bytes)
    }
}
