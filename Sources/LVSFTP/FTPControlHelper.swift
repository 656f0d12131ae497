import LVSCore

/// The FTP helper of one masqueraded control connection (`ip_vs_ftp` bound to a NAT entry,
/// reference §6) as a pure state machine: the engine hands it each payload-carrying segment of
/// the connection while the entry is ESTABLISHED, and carries out the returned action (create
/// the data entry, rewrite the payload, record the length change in a `SequenceAdjuster`).
///
/// State is only which passive reply is expected, plus per-reason refusal counts. A refused or
/// unrecognised segment is always forwarded untouched.
public struct FTPControlHelper: Sendable, Hashable {
    /// The control connection's address family.
    public let family: AddressFamily
    /// The control entry's client address (caddr).
    public let clientAddress: IPAddress
    /// The virtual address (vaddr) the client reaches the service on.
    public let virtualAddress: IPAddress
    /// The real server's address (daddr).
    public let serverAddress: IPAddress
    /// Whether a PORT/EPRT must name `clientAddress` and a 227/229 `serverAddress`.
    public let policy: FTPAddressPolicy
    /// The reply a passive request made the entry expect (the kernel's `app_data`).
    public private(set) var expectedReply: FTPPassiveRequest?
    /// Segments refused, by reason.
    public private(set) var refusals = FTPRefusalCounters()

    /// `expectedReply` restores the state an engine kept between segments (the packet engine
    /// keeps it in the director, as `FTPPassiveRequest.applicationData`).
    public init(
        family: AddressFamily, clientAddress: IPAddress, virtualAddress: IPAddress, serverAddress: IPAddress,
        policy: FTPAddressPolicy = .mustMatch, expectedReply: FTPPassiveRequest? = nil
    ) {
        self.family = family
        self.clientAddress = clientAddress
        self.virtualAddress = virtualAddress
        self.serverAddress = serverAddress
        self.policy = policy
        self.expectedReply = expectedReply
    }

    /// What to do with a client → server segment. The payload is never modified this way.
    public enum ClientAction: Sendable, Hashable {
        /// Nothing to do but forward it.
        case forward
        /// PASV/EPSV: forward; the entry now expects a 227/229 reply.
        case passiveRequested(FTPPassiveRequest)
        /// PORT/EPRT: forward, and create (unless an identical in-entry exists) the active data
        /// entry caddr:cport = `address`:`port`, vaddr:vport−1 → daddr:dport−1, flags NFCT,
        /// controlled by this entry, state LISTEN (reference §6).
        case activeDataConnection(address: IPAddress, port: UInt16)
    }

    /// What to do with a server → client segment.
    public enum ServerAction: Sendable, Hashable {
        /// Forward it untouched.
        case forward
        /// A 227/229 reply: create (unless it exists) the passive data entry caddr = client,
        /// cport 0 with NO_CPORT, vaddr:`advertised.port` → `advertised.address`:`advertised.port`,
        /// flags NFCT, state LISTEN; and replace the reply's text with `replacementAddress`
        /// (the VIP) and `advertised.port` via `FTPControlRewriter` (reference §6).
        case passiveReply(advertised: FTPAddressPort, replacementAddress: IPAddress)
    }

    /// A client → server segment's payload (the kernel's `ip_vs_ftp_in`).
    public mutating func clientSegment(_ payload: UnsafeRawBufferPointer) -> ClientAction {
        if let request = FTPControlParser.passiveRequest(in: payload, family: family) {
            expectedReply = request
            return .passiveRequested(request)
        }
        do throws(FTPParseRefusal) {
            guard
                let match = try FTPControlParser.parseClientCommand(
                    payload, family: family, clientAddress: clientAddress, policy: policy)
            else { return .forward }
            expectedReply = nil
            return .activeDataConnection(address: match.address, port: match.port)
        } catch {
            refusals.count(error)
            return .forward
        }
    }

    /// A server → client segment's payload (the kernel's `ip_vs_ftp_out`): read only while a
    /// passive reply is expected; anything else leaves the expectation in place.
    public mutating func serverSegment(_ payload: UnsafeRawBufferPointer) -> ServerAction {
        guard let expectedReply else { return .forward }
        do throws(FTPParseRefusal) {
            guard
                let match = try FTPControlParser.parseServerReply(
                    payload, expecting: expectedReply, family: family, serverAddress: serverAddress, policy: policy)
            else { return .forward }
            self.expectedReply = nil
            return .passiveReply(advertised: match, replacementAddress: virtualAddress)
        } catch {
            refusals.count(error)
            return .forward
        }
    }

    /// `[UInt8]` conveniences.
    public mutating func clientSegment(_ payload: [UInt8]) -> ClientAction {
        payload.withUnsafeBytes { clientSegment($0) }
    }

    public mutating func serverSegment(_ payload: [UInt8]) -> ServerAction {
        payload.withUnsafeBytes { serverSegment($0) }
    }
}
