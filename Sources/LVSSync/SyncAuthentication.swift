/// Authenticated sync mode (our addition, off by default; docs/design/0013-sync-authentication.md).
///
/// An authenticated datagram is an ordinary sync message (v0 or v1, its header's size field
/// unchanged: the length of the message alone) followed by a 48-byte trailer:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | magic `4C 56 53 01` ("LVS", trailer version 1) |
/// | 4 | 4 | key id, big-endian |
/// | 8 | 8 | sequence number, big-endian, strictly increasing per sender |
/// | 16 | 32 | HMAC-SHA-256 under the key over the message and trailer bytes 0–15 |
///
/// The size field then differs from the datagram length, so a kernel backup drops an
/// authenticated message (reference §7.5 step 1): deliberately, since a receiver that cannot
/// check the code must not act on it. Mixed kernel/lvsd pairs run with authentication off.
public enum SyncAuthenticationTrailer {
    /// The trailer's length: what a master must leave free below `sync_maxlen` and a backup
    /// must add to its receive buffer.
    public static let length = 48
    /// "LVS" and the trailer format version 1.
    public static let magic: [UInt8] = [0x4C, 0x56, 0x53, 0x01]
    /// Bytes of the trailer the code covers (magic, key id, sequence).
    static let coveredLength = 16
}

/// A shared secret and the id that names it in the trailer, so keys can be rolled over: a
/// receiver may hold the old and the new key while masters switch.
public struct SyncAuthenticationKey: Sendable, Hashable {
    public var id: UInt32
    public var secret: [UInt8]

    public init(id: UInt32, secret: [UInt8]) {
        self.id = id
        self.secret = secret
    }
}

/// The master's side: appends the trailer with the next sequence number. Pure: the driver
/// chooses the first number (e.g. from the wall clock at start, so a restarted master starts
/// above what backups remember) and keeps one sealer per sender identity.
public struct SyncMessageSealer: Sendable {
    public let key: SyncAuthenticationKey
    /// The sequence number the next sealed message carries.
    public private(set) var nextSequence: UInt64

    public init(key: SyncAuthenticationKey, firstSequence: UInt64) {
        self.key = key
        self.nextSequence = firstSequence
    }

    /// `message` followed by its trailer; the sequence number advances (wrapping at 2^64, which
    /// a master sending a million messages a second reaches after half a million years).
    public mutating func seal(_ message: [UInt8]) -> [UInt8] {
        var sealed = message
        sealed.reserveCapacity(message.count + SyncAuthenticationTrailer.length)
        sealed += SyncAuthenticationTrailer.magic
        sealed.appendBigEndian(key.id)
        sealed.appendBigEndian(nextSequence)
        sealed += HMACSHA256.authenticationCode(key: key.secret, message: sealed)
        nextSequence &+= 1
        return sealed
    }
}

/// The backup's side: with no key configured every datagram passes unchanged (kernel
/// behaviour); with keys, only datagrams whose trailer names a known key, whose code verifies and
/// whose sequence number is newer than the last one accepted from the same `Sender` pass, with
/// the trailer removed, on to `SyncMessage.decode`. `Sender` is whatever identifies one sealer:
/// the driver's choice of source address, port, or both.
public struct SyncMessageVerifier<Sender: Hashable & Sendable>: Sendable {
    /// The accepted keys; empty turns authentication off.
    public var keys: [SyncAuthenticationKey]
    private var lastSequences: [Sender: UInt64] = [:]

    public init(keys: [SyncAuthenticationKey] = []) {
        self.keys = keys
    }

    public var isEnabled: Bool { !keys.isEmpty }

    /// The message inside `datagram` from `sender`, or why it is refused: `.unauthenticated` (no
    /// trailer), `.unknownKey`, `.badAuthenticationCode` (forged or corrupted), or
    /// `.replayedSequence`. A refused datagram leaves the replay state untouched.
    public mutating func verify(_ datagram: [UInt8], from sender: Sender) -> Result<[UInt8], SyncDropReason> {
        guard isEnabled else { return .success(datagram) }
        let trailerLength = SyncAuthenticationTrailer.length
        guard datagram.count >= SyncProtocolVersion.v0.headerLength + trailerLength else {
            return .failure(.unauthenticated)
        }
        let trailer = datagram.count - trailerLength
        guard Array(datagram[trailer..<trailer + 4]) == SyncAuthenticationTrailer.magic else {
            return .failure(.unauthenticated)
        }
        let keyID = datagram.bigEndian32(at: trailer + 4)
        guard let key = keys.first(where: { $0.id == keyID }) else { return .failure(.unknownKey) }
        let covered = Array(datagram[0..<trailer + SyncAuthenticationTrailer.coveredLength])
        let expected = HMACSHA256.authenticationCode(key: key.secret, message: covered)
        let received = Array(datagram[(trailer + SyncAuthenticationTrailer.coveredLength)...])
        guard HMACSHA256.constantTimeEqual(expected, received) else { return .failure(.badAuthenticationCode) }
        let sequence = datagram.bigEndian64(at: trailer + 8)
        if let last = lastSequences[sender], sequence <= last { return .failure(.replayedSequence) }
        lastSequences[sender] = sequence
        return .success(Array(datagram[0..<trailer]))
    }

    /// The newest sequence number accepted from `sender`.
    public func lastSequence(from sender: Sender) -> UInt64? { lastSequences[sender] }

    /// Forgets `sender`'s replay state (e.g. when the driver removes a peer).
    public mutating func forget(_ sender: Sender) { lastSequences[sender] = nil }
}
