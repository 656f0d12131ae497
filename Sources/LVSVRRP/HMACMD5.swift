/// HMAC (RFC 2104) over MD5, and its 96-bit truncation used as the AH integrity check value
/// (RFC 2403 HMAC-MD5-96) by keepalived's VRRPv2 `auth_type AH`.
public enum HMACMD5 {
    /// The full 16-byte HMAC-MD5 of `message` under `key` (RFC 2104 §2; keys longer than the
    /// 64-byte block are hashed first).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var blockKey = key.count > 64 ? MD5.digest(key) : key
        blockKey += [UInt8](repeating: 0, count: 64 - blockKey.count)
        let inner = MD5.digest(blockKey.map { $0 ^ 0x36 } + message)
        return MD5.digest(blockKey.map { $0 ^ 0x5c } + inner)
    }

    /// The first 12 bytes of the HMAC (RFC 2403 §2, HMAC-MD5-96).
    public static func truncated96(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(authenticationCode(key: key, message: message).prefix(12))
    }
}
