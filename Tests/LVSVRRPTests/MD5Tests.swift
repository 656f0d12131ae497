import Testing

@testable import LVSVRRP

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

func bytes(hex text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).map {
        UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
    }
}

@Suite struct MD5Tests {
    /// RFC 1321 §A.5 test suite.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "d174ab98d277d9f5a5611c2c9f419d9f"
        ),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a"
        ),
    ])
    func rfc1321TestSuite(input: String, digest: String) {
        #expect(hex(MD5.digest(Array(input.utf8))) == digest)
    }

    /// Padding edges: 55, 56 and 64 bytes straddle the length field's block boundary.
    @Test func paddingBoundaries() {
        #expect(hex(MD5.digest([UInt8](repeating: 0x61, count: 55))) == "ef1772b6dff9a122358552954ad0df65")
        #expect(hex(MD5.digest([UInt8](repeating: 0x61, count: 56))) == "3b0c8ac703f828b04c6c197006d17218")
        #expect(hex(MD5.digest([UInt8](repeating: 0x61, count: 64))) == "014842d480b571495a4a0363793f7367")
    }
}

@Suite struct HMACMD5Tests {
    /// RFC 2104 appendix / RFC 2202 §2 test cases.
    @Test func rfc2202TestCases() {
        let key1 = [UInt8](repeating: 0x0b, count: 16)
        #expect(
            hex(HMACMD5.authenticationCode(key: key1, message: Array("Hi There".utf8)))
                == "9294727a3638bb1c13f48ef8158bfc9d")
        #expect(
            hex(
                HMACMD5.authenticationCode(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
            )
                == "750c783e6ab0b503eaa86e310a5db738")
        let key3 = [UInt8](repeating: 0xaa, count: 16)
        #expect(
            hex(HMACMD5.authenticationCode(key: key3, message: [UInt8](repeating: 0xdd, count: 50)))
                == "56be34521d144c88dbb8c733f0e8b3f6")
        // Case 6: a key longer than the block is hashed first.
        let key6 = [UInt8](repeating: 0xaa, count: 80)
        #expect(
            hex(
                HMACMD5.authenticationCode(
                    key: key6, message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd")
    }

    /// RFC 2202 §2 case 5: the 96-bit truncation.
    @Test func truncatedTo96Bits() {
        let key = [UInt8](repeating: 0x0c, count: 16)
        #expect(
            hex(HMACMD5.truncated96(key: key, message: Array("Test With Truncation".utf8)))
                == "56461ef2342edc00f9bab995")
    }
}
