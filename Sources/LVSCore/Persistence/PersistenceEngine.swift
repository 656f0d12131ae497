/// A persistence engine: what adds data of the packet's payload to the identity of a
/// persistence template (reference §4.7, §4.14). IPVS has one, "sip".
public enum PersistenceEngine: String, Sendable, Hashable, CaseIterable {
    /// The SIP engine: the Call-ID header of a UDP message (`SIPCallID`) keys the template.
    case sip

    /// The engine a service's `persistenceEngine` name selects, nil for none or an unknown name.
    public init?(name: String?) {
        guard let name, let engine = PersistenceEngine(rawValue: name) else { return nil }
        self = engine
    }

    /// The name ipvsadm shows (`pe sip`, `--pe sip`, the `pe name` column).
    public var name: String { rawValue }

    /// The engine's persistence data for a datagram's payload, or nil (normal persistence then
    /// applies, reference §4.14).
    public func persistenceData(from payload: some Collection<UInt8>) -> [UInt8]? {
        switch self {
        case .sip: return SIPCallID.extract(from: payload)
        }
    }
}
