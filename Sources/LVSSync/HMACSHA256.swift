/// HMAC (RFC 2104) over SHA-256, as RFC 4231 specifies it: the authentication code of the
/// authenticated sync mode (docs/design/0013-sync-authentication.md).
public enum HMACSHA256 {
    /// The 32-byte HMAC-SHA-256 of `message` under `key` (keys longer than the 64-byte block are
    /// hashed first, shorter ones zero-padded; RFC 2104 §2).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var blockKey = key.count > SHA256.blockLength ? SHA256.digest(key) : key
        blockKey += [UInt8](repeating: 0, count: SHA256.blockLength - blockKey.count)
        let inner = SHA256.digest(blockKey.map { $0 ^ 0x36 } + message)
        return SHA256.digest(blockKey.map { $0 ^ 0x5c } + inner)
    }

    /// Compares two codes in time independent of where they differ, so a forger learns nothing
    /// from how fast a guess is refused.
    public static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
